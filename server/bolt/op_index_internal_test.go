package bolt

import "testing"

// A part is folded when it is full, or when it has ids waiting and lags
// maxFoldLag positions (so a restart reads a bounded stretch of the log);
// an empty part never is.
func TestOpIndexFoldsAFullPartOrTheOneLaggingMost(t *testing.T) {
	x := newOpIndex()
	key := func(r, n int) [16]byte { return [16]byte{byte(r << 4), byte(n >> 8), byte(n)} }
	for n := range foldAt - 1 {
		x.waiting[3][key(3, n)] = uint64(n + 1)
	}
	x.waiting[9][key(9, 0)] = 5
	if r := x.toFold(maxFoldLag); r != -1 {
		t.Fatalf("nothing full, nothing late: folds part %d", r)
	}
	if r := x.toFold(maxFoldLag + 1); r != 3 && r != 9 {
		t.Fatalf("parts 3 and 9 lag: folds part %d", r)
	}
	x.marks[3] = 10
	if r := x.toFold(maxFoldLag + 11); r != 9 {
		t.Fatalf("part 9 lags most: folds part %d", r)
	}
	x.waiting[3][key(3, foldAt)] = foldAt
	if r := x.toFold(1); r != 3 {
		t.Fatalf("part 3 is full: folds part %d", r)
	}
	x.waiting = [opRanges]map[[16]byte]uint64{}
	for i := range x.waiting {
		x.waiting[i] = map[[16]byte]uint64{}
	}
	if r := x.toFold(1 << 40); r != -1 {
		t.Fatalf("no id waiting: folds part %d", r)
	}
}
