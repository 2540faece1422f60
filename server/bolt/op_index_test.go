package bolt_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Op ids the index has not folded yet live in memory until a later commit
// writes them into bucketOps; a restart must find them again in the op
// log. The ids here all but a few share their first four bits, so the
// index folds them several times, and leaves some waiting, before the
// store closes.
func TestOpIDsWaitingToBeIndexedAreFoundAfterARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "courier.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // closed below; again when a check fails first
	c := courier(t, db, "index", "dev")
	now := time.Now()
	var ops []syncproto.Op
	for i := range 2600 {
		o := op("pickup", int64(i+1), now, pickup(waybillN(i)))
		u := uuid.New() // random, as third-party apps make them
		if i%10 != 0 {
			u[0] = 0x50 | u[0]&0x0f // nine in ten in one part of the key space
		}
		o.OpID = u.String()
		ops = append(ops, o)
	}
	var first []syncproto.PushResult
	for lo := 0; lo < len(ops); lo += 200 {
		first = append(first, push(t, db, c, ops[lo:min(lo+200, len(ops))]...)...)
	}
	for i, r := range first {
		if r.Status != syncproto.StatusApplied || r.Duplicate {
			t.Fatalf("op %d: %+v", i, r)
		}
	}
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if err := db.Backup(crashed); err != nil { // the file as a crash leaves it: ids still waiting
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // folds every id
		t.Fatal(err)
	}
	if n := indexed(t, crashed); n >= len(ops) {
		t.Fatalf("the crashed store indexes %d of %d op ids: none was waiting", n, len(ops))
	}
	if n := indexed(t, path); n != len(ops) {
		t.Fatalf("the stopped store indexes %d of %d op ids", n, len(ops))
	}
	for name, p := range map[string]string{"after a crash": crashed, "after a clean stop": path} {
		t.Run(name, func(t *testing.T) { resendAll(t, openAt(t, p), c, ops, first) })
	}
}

// resendAll resends ops and checks each is a duplicate with its first
// result, and that a reuse of an early and a late op id is a conflict.
func resendAll(t *testing.T, db *bolt.DB, c server.Principal, ops []syncproto.Op, first []syncproto.PushResult) {
	for lo := 0; lo < len(ops); lo += 500 {
		again := push(t, db, c, ops[lo:min(lo+500, len(ops))]...)
		for i, r := range again {
			if !r.Duplicate || r.Status != syncproto.StatusApplied || r.Ref != first[lo+i].Ref {
				t.Fatalf("op %d resent after the restart: %+v, first %+v", lo+i, r, first[lo+i])
			}
		}
	}
	for _, i := range []int{0, 1, 2598, 2599} { // folded early, waiting at the close
		o := ops[i]
		o.Payload = []byte(`{"waybill":"SF99999999"}`)
		if got := codeOf(push(t, db, c, o)[0]); got != "rejected:op_id_conflict" {
			t.Fatalf("op %d reused with other content after the restart: %s", i, got)
		}
	}
}

func waybillN(i int) string { return fmt.Sprintf("SF7%05d", i) }

func openAt(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		db.Close()
	})
	return db
}

// indexed counts the op ids in the store file's op-id index.
func indexed(t *testing.T, path string) int {
	t.Helper()
	st, err := bolt.Stats(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range st.Buckets {
		if b.Name == st.OpIndex {
			return b.Keys
		}
	}
	return 0
}

// A store that crashed before its first fold: every id it took was still
// waiting.
func TestOpIDsOfAStoreThatNeverFoldedAreFoundAfterACrash(t *testing.T) {
	db := openDB(t, bolt.Options{})
	c := courier(t, db, "early", "dev")
	var ops []syncproto.Op
	for i := range 40 {
		ops = append(ops, op("pickup", int64(i+1), time.Now(), pickup(waybillN(i))))
	}
	first := push(t, db, c, ops...)
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if err := db.Backup(crashed); err != nil {
		t.Fatal(err)
	}
	if n := indexed(t, crashed); n != 0 {
		t.Fatalf("the crashed store indexes %d op ids, want none yet", n)
	}
	again := push(t, openAt(t, crashed), c, ops...)
	for i, r := range again {
		if !r.Duplicate || r.Ref != first[i].Ref {
			t.Fatalf("op %d resent after the crash: %+v, first %+v", i, r, first[i])
		}
	}
}
