package photo

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/photo/phototest"
)

func smallJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 64, 48)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAScanBombIsRefusedBeforeDecoding(t *testing.T) {
	bomb := phototest.ScanBomb(4096, 4096, 15000) // about 470 KB, minutes of CPU if decoded
	p := NewPool(256<<20, 1)
	defer p.Close()
	res := newResults()
	p.Submit(Job{Key: "bomb", Info: Info{Width: 4096, Height: 4096}, Open: opener(bomb), Done: res.collect("bomb")})
	p.Wait()
	if err := res.err["bomb"]; !errors.Is(err, ErrTooManyScans) {
		t.Fatalf("scan bomb of %d bytes: %v, want ErrTooManyScans", len(bomb), err)
	}
	t.Run("a progressive JPEG with a normal number of scans is processed", func(t *testing.T) {
		ok := phototest.ScanBomb(512, 512, 9)
		if _, err := ProcessContext(t.Context(), bytes.NewReader(ok), 256<<20); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAPNGBeyondTheBudgetIsRefusedWithoutDecoding(t *testing.T) {
	const budget = 32 << 20
	bomb := phototest.PNGBomb(1500, 1500, true) // decodes to 2 × 18 MB
	p := NewPool(budget, 1)
	defer p.Close()
	res := newResults()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p.Submit(Job{Key: "bomb", Info: Info{Width: 1500, Height: 1500}, Open: opener(bomb), Done: res.collect("bomb")})
	p.Wait()
	runtime.ReadMemStats(&after)
	if err := res.err["bomb"]; !errors.Is(err, ErrOverBudget) {
		t.Fatalf("PNG bomb of %d bytes: %v, want ErrOverBudget", len(bomb), err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Fatalf("refusing it allocated %d MB: it was decoded", got>>20)
	}
	t.Run("the same image fits a larger budget", func(t *testing.T) {
		if _, err := ProcessContext(t.Context(), bytes.NewReader(bomb), 256<<20); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAPhotoPastItsDeadlineStops(t *testing.T) {
	p := NewPoolWithLimits(256<<20, 1, Limits{Deadline: time.Nanosecond})
	defer p.Close()
	res := newResults()
	p.Submit(Job{Key: "slow", Info: Info{Width: 64, Height: 48}, Open: opener(smallJPEG(t)), Done: res.collect("slow")})
	p.Wait()
	if err := res.err["slow"]; !errors.Is(err, ErrDeadline) {
		t.Fatalf("got %v, want ErrDeadline", err)
	}
}

func TestDataAfterTheImageEndIsRefused(t *testing.T) {
	jpg := smallJPEG(t)
	png := phototest.PNGBomb(16, 16, false)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"a JPEG as encoded", jpg, nil},
		{"a PNG as encoded", png, nil},
		{"a JPEG with bytes after EOI", append(bytes.Clone(jpg), "PK\x03\x04 zip"...), ErrTrailingData},
		{"a PNG with bytes after IEND", append(bytes.Clone(png), 0), ErrTrailingData},
		{"a JPEG cut before EOI", jpg[:len(jpg)-2], ErrCorrupt},
		{"a PNG cut inside a chunk", png[:len(png)-20], ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckStructure(bytes.NewReader(tc.b))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestOwnersTakeTurnsInThePool(t *testing.T) {
	p := NewPool(1<<30, 1)
	defer p.Close()
	var mu sync.Mutex
	var started []string
	gate := make(chan struct{})
	p.run = func(j Job) (*Variants, error) {
		if j.Key == "bomber-0" {
			<-gate
		}
		mu.Lock()
		started = append(started, j.Key)
		mu.Unlock()
		return &Variants{}, nil
	}
	for i := range 40 {
		p.Submit(Job{Key: fmt.Sprint("bomber-", i), Owner: "bomber", Info: Info{Width: 10, Height: 10}})
	}
	p.Submit(Job{Key: "normal", Owner: "normal", Info: Info{Width: 10, Height: 10}})
	close(gate)
	p.Wait()
	// Before "normal" arrived, the bomber's first job may be running and
	// its second held by the dispatcher waiting for the worker; after
	// those, the bomber's turn may come first once more. FIFO would start
	// "normal" 41st.
	if !slices.Contains(started[:4], "normal") {
		t.Fatalf("started %v: the other courier's photo waited behind the bomber's", started[:5])
	}
	t.Run("an owner's share of the queue is bounded", func(t *testing.T) {
		q := NewPoolWithLimits(1<<30, 1, Limits{QueuePerOwner: 2})
		defer q.Close()
		block := make(chan struct{})
		q.run = func(Job) (*Variants, error) { <-block; return &Variants{}, nil }
		res := newResults()
		// Nothing finishes while blocked: at most one job runs, one is held
		// by the dispatcher for the worker and two wait in the queue, so
		// at least one of five is refused.
		for i := range 5 {
			k := fmt.Sprint(i)
			q.Submit(Job{Key: k, Owner: "x", Info: Info{Width: 1, Height: 1}, Done: res.collect(k)})
		}
		res.mu.Lock()
		refused := 0
		for _, err := range res.err {
			if errors.Is(err, ErrQueueFull) {
				refused++
			}
		}
		res.mu.Unlock()
		close(block)
		q.Wait()
		if refused == 0 {
			t.Fatalf("five jobs of one owner with a share of 2: %v, want one ErrQueueFull at least", res.err)
		}
	})
}
