package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// waitFor spins until cond holds under the committer's lock (no sleeps:
// every state it waits for is reached by goroutines already started).
func (c *committer) waitFor(cond func() bool) {
	for {
		c.mu.Lock()
		ok := cond()
		c.mu.Unlock()
		if ok {
			return
		}
		runtime.Gosched()
	}
}

// The attack of issue 8 item 7: a courier flooding from many connections
// put ~256,000 ops in one transaction and kept another courier's one-op
// push waiting for seconds. Groups are now capped in ops, a push commits in
// parts that take turns with other couriers' writes, and a courier's lane
// holds at most laneOps ops.
func TestCommitterCapsGroupsAndLetsCouriersTakeTurns(t *testing.T) {
	bdb, err := bbolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	c := newCommitter(bdb)
	defer c.stop()

	var (
		mu     sync.Mutex
		groups [][]string // lane of each job, per group
		cur    []string
	)
	c.groupHook = func(ops []int) {
		mu.Lock()
		defer mu.Unlock()
		if cur != nil {
			groups = append(groups, cur)
		}
		cur = []string{}
	}
	mark := func(lane string) func(*bbolt.Tx) error {
		return func(*bbolt.Tx) error {
			mu.Lock()
			defer mu.Unlock()
			cur = append(cur, lane)
			return nil
		}
	}

	// Hold the writer with one job so that everything else queues.
	block := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = c.write(func(*bbolt.Tx) error { <-block; return nil })
	}()
	c.waitFor(func() bool { return len(c.ring) == 0 && c.lanes[""] != nil && c.lanes[""].pending == 1 })

	const flood, perPush = 40, 500/partOps + 1 // 500-op pushes in parts of partOps
	depth := laneOps / 500
	for i := 0; i < flood; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts := make([]part, perPush)
			for k := range parts {
				parts[k] = part{fn: mark("flooder"), ops: min(partOps, 500-k*partOps), bytes: 50 << 10}
			}
			for _, err := range c.writeAll("flooder", parts) {
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	c.waitFor(func() bool {
		l := c.lanes["flooder"]
		return l != nil && l.pending == depth*500 && l.waiting == flood-depth
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := c.writeAs("victim", 1, 300, mark("victim")); err != nil {
			t.Error(err)
		}
	}()
	c.waitFor(func() bool { return c.lanes["victim"] != nil && c.lanes["victim"].pending == 1 })
	close(block)
	wg.Wait()
	c.waitFor(func() bool { return len(c.ring) == 0 })
	mu.Lock()
	defer mu.Unlock()
	groups = append(groups, cur)

	t.Run("the other courier's op commits in the first group after the one in progress", func(t *testing.T) {
		found := false
		for _, l := range groups[1] {
			found = found || l == "victim"
		}
		if !found {
			t.Fatalf("groups: %v", groups)
		}
	})
	t.Run("no group holds more than maxGroupOps ops", func(t *testing.T) {
		total := 0
		for gi, g := range groups {
			ops, n := 0, 0
			for _, l := range g {
				if l == "flooder" {
					ops += partOps // at most
					n++
				} else {
					ops++
				}
			}
			if ops > maxGroupOps+partOps-1 && n > 1 {
				t.Errorf("group %d: about %d ops in %d flooder parts", gi, ops, n)
			}
			total += n
		}
		if total != flood*perPush {
			t.Errorf("%d flooder parts committed, want %d", total, flood*perPush)
		}
	})
}

func TestCommitterCapsTheOpsOfAGroup(t *testing.T) {
	bdb, err := bbolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	c := newCommitter(bdb)
	defer c.stop()
	var mu sync.Mutex
	var sizes []int
	c.groupHook = func(ops []int) {
		n := 0
		for _, o := range ops {
			n += o
		}
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
	}
	block := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = c.write(func(*bbolt.Tx) error { <-block; return nil }) }()
	c.waitFor(func() bool { return len(c.ring) == 0 && c.lanes[""] != nil })
	const couriers, depth = 64, 4 // 64 couriers × 4 parts queued at once
	for i := 0; i < couriers*depth; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.writeAs(string(rune('A'+i%couriers)), partOps, 0, func(*bbolt.Tx) error { return nil })
		}()
	}
	c.waitFor(func() bool {
		n := 0
		for _, l := range c.ring {
			n += len(l.queue)
		}
		return n == couriers*depth
	})
	close(block)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for i, n := range sizes {
		if n > maxGroupOps {
			t.Fatalf("group %d holds %d ops, cap %d (sizes %v)", i, n, maxGroupOps, sizes)
		}
	}
	if len(sizes) < couriers*depth*partOps/maxGroupOps {
		t.Fatalf("only %d groups for %d ops", len(sizes), couriers*depth*partOps)
	}
}

// A push of no ops queued a lane with no job, and the single writer
// panicked taking it: one empty push took the whole server down.
func TestAnEmptyWriteLeavesTheWriterRunning(t *testing.T) {
	bdb, err := bbolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	c := newCommitter(bdb)
	defer c.stop()
	if errs := c.writeAll("courier", nil); len(errs) != 0 {
		t.Fatalf("errors %v for no parts", errs)
	}
	if err := c.writeAs("courier", 1, 0, func(*bbolt.Tx) error { return nil }); err != nil {
		t.Fatalf("the next write: %v", err)
	}
}

// decideTestDB opens a store with one scratch bucket for decide's tests.
func decideTestDB(t *testing.T) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "d.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.cm.write(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("scratch"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

// put writes key in the scratch bucket.
func put(tx *bbolt.Tx, key string) error {
	return tx.Bucket([]byte("scratch")).Put([]byte(key), []byte{1})
}

// has reports whether key was committed in the scratch bucket.
func has(t *testing.T, d *DB, key string) bool {
	t.Helper()
	found := false
	if err := d.db.View(func(tx *bbolt.Tx) error {
		found = tx.Bucket([]byte("scratch")).Get([]byte(key)) != nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return found
}

// Issue 10 item 5: decide committed what a closure wrote before refusing,
// so a rule that wrote and then found a reason to refuse left half a
// decision in the store.
func TestDecideRollsBackARefusal(t *testing.T) {
	d := decideTestDB(t)
	refusal := &syncproto.Error{Code: syncproto.CodeConflict, Message: "no"}
	_, err := decide(d, func(tx *bbolt.Tx) (int, error) {
		if err := put(tx, "refused"); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("wrapped: %w", refusal)
	})
	if !errors.Is(err, refusal) {
		t.Fatalf("decide = %v, want the refusal", err)
	}
	if has(t, d, "refused") {
		t.Fatal("a refusing closure's write was committed")
	}
	out, err := decide(d, func(tx *bbolt.Tx) (int, error) { return 7, put(tx, "accepted") })
	if err != nil || out != 7 || !has(t, d, "accepted") {
		t.Fatalf("an accepting closure: %d, %v, committed %v", out, err, has(t, d, "accepted"))
	}
}

func TestDecideCommitsARefusalThatKeepsItsWrites(t *testing.T) {
	d := decideTestDB(t)
	refusal := &syncproto.Error{Code: syncproto.CodeUnauthorized, Message: "reused"}
	_, err := decide(d, func(tx *bbolt.Tx) (struct{}, error) {
		if err := put(tx, "revoked"); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, commitThenRefuse(refusal)
	})
	if !errors.Is(err, refusal) {
		t.Fatalf("decide = %v, want the refusal", err)
	}
	if !has(t, d, "revoked") {
		t.Fatal("commitThenRefuse lost the closure's write")
	}
}

// A refusal in the middle of a group rolls back only the refusing job: the
// jobs before and after it in the same transaction commit.
func TestARefusalInAGroupLeavesTheOthersCommitted(t *testing.T) {
	d := decideTestDB(t)
	var groups [][]int
	d.cm.groupHook = func(ops []int) { groups = append(groups, ops) }
	release := make(chan struct{})
	blocked := make(chan struct{})
	go func() {
		_ = d.cm.write(func(*bbolt.Tx) error { close(blocked); <-release; return nil })
	}()
	<-blocked
	refusal := &syncproto.Error{Code: syncproto.CodeConflict, Message: "no"}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i, key := range []string{"before", "refused", "after"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = decide(d, func(tx *bbolt.Tx) (int, error) {
				if err := put(tx, key); err != nil {
					return 0, err
				}
				if key == "refused" {
					return 0, refusal
				}
				return 0, nil
			})
		}()
		d.cm.waitFor(func() bool { return len(d.cm.lanes[""].queue) == i+1 }) // queue in this order
	}
	close(release)
	wg.Wait()
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], refusal) {
		t.Fatalf("errors %v", errs)
	}
	if !has(t, d, "before") || has(t, d, "refused") || !has(t, d, "after") {
		t.Fatalf("committed: before %v, refused %v, after %v", has(t, d, "before"), has(t, d, "refused"), has(t, d, "after"))
	}
	if len(groups) != 2 || len(groups[1]) != 3 {
		t.Fatalf("groups %v, want the three decisions in one group", groups)
	}
}
