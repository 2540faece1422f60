package bolt

import (
	"errors"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"

	bbolt "go.etcd.io/bbolt"
)

// errClosed is returned for writes submitted after Close.
var errClosed = errors.New("bolt: store is closed")

// Limits of the single writer. A group is one transaction and one fsync;
// its size bounds the memory a commit holds (dirty pages, encoded values)
// and how long every writer queued behind it waits: a writer waits for at
// most the group in progress and its own. A group of 1,024 pickups commits
// in 8–30 ms on a busy 2-core machine (the heaviest kind, COD receipts,
// ~10 puts each, takes about 4× that); groups of 256 spent a third of the
// writer's time on per-commit costs (two fsyncs, the meta and freelist
// pages, the branch pages written again), which the bench measured as
// 20 % less intake at 64 devices.
const (
	// maxGroupJobs bounds the jobs of one group.
	maxGroupJobs = 512
	// maxGroupOps bounds the ops of one group: a push's part counts its
	// ops, any other write counts 1. A single job larger than this still
	// commits, alone.
	maxGroupOps = 1024
	// soloGroupOps bounds a group grown by more turns of one lane (a
	// courier with a backlog, nobody else waiting): at 1,024 a courier who
	// flooded the server kept another's one-op push waiting ~3× longer.
	soloGroupOps = 256
	// maxGroupBytes bounds the payload bytes of one group.
	maxGroupBytes = 4 << 20
	// partOps is the size of the parts a push is committed in (see
	// DB.Push): each part takes one turn of its lane, so another
	// courier's op never waits behind a whole 500-op push. A handheld's
	// usual push (50 ops) is one part, so it commits in one group and is
	// answered after one turn, not two.
	partOps = 64
	// laneOps bounds the ops one lane (one courier) may have queued or
	// committing, four full pushes; a further write of that lane waits
	// for its own to finish, and no other lane waits for it.
	laneOps = 4 * 500
)

// A job is a write that runs inside a shared transaction. fn returns an
// error only when the store fails; business outcomes travel in the job's
// own closure. fn must be safe to run twice: when one fn fails, the group
// is rolled back and every job is run again in a transaction of its own, so
// only the failing job fails.
type job struct {
	fn    func(*bbolt.Tx) error
	done  chan error
	ops   int
	bytes int
}

// part is one job of a write made of several (writeAll).
type part struct {
	fn         func(*bbolt.Tx) error
	ops, bytes int
}

// lane is the queue of one writer identity (a courier's pushes; "" for
// every other write).
type lane struct {
	name    string
	queue   []*job
	pending int        // ops queued or committing
	waiting int        // writers waiting for room
	room    *sync.Cond // signalled when pending drops
}

// committer is the single writer: it commits queued jobs in groups, one
// transaction each, so concurrent writers share one fsync. There is no
// timer: a group is what queued while the previous commit ran, taken
// round-robin one job per lane at a time, up to maxGroupJobs jobs,
// maxGroupOps ops and maxGroupBytes bytes. A courier flooding the server
// from many connections therefore fills at most laneDepth places of the
// queue, and another courier's single op goes into the next group but one
// at the latest.
type committer struct {
	db *bbolt.DB

	mu     sync.Mutex
	work   *sync.Cond // signalled when a lane gets a job or on stop
	lanes  map[string]*lane
	ring   []*lane // lanes with queued jobs, in round-robin order
	closed bool
	wg     sync.WaitGroup

	// onCommit, when set (before the first write), observes each group
	// commit: how many jobs shared it and how long it took, fsync included.
	onCommit func(jobs int, took time.Duration)
	// onWake, when set (before the first write), is called after each
	// commit that queued a push wake-up (the outbox's sequence moved).
	onWake func()
	// groupHook, when set, sees the ops of every group before it commits
	// (tests).
	groupHook func(ops []int)
	// around, when set (before the first write), runs first in every
	// attempt's transaction and hears whether the attempt committed.
	around attemptHooks
}

// attemptHooks are told of each attempt: begin runs in its transaction
// before the jobs (an error fails the attempt), end says whether it
// committed.
type attemptHooks interface {
	begin(tx *bbolt.Tx) error
	end(committed bool)
}

func newCommitter(db *bbolt.DB) *committer {
	c := &committer{db: db, lanes: map[string]*lane{}}
	c.work = sync.NewCond(&c.mu)
	c.wg.Add(1)
	go c.loop()
	return c
}

// write runs fn in a group transaction and returns once it is committed.
func (c *committer) write(fn func(*bbolt.Tx) error) error {
	return c.writeAs("", 1, 0, fn)
}

// writeAs runs fn, weighing ops and bytes, in lane name's turn.
func (c *committer) writeAs(name string, ops, bytes int, fn func(*bbolt.Tx) error) error {
	return c.writeAll(name, []part{{fn: fn, ops: ops, bytes: bytes}})[0]
}

// writeAll queues parts as consecutive jobs of lane name, each taking one
// turn of the lane, and returns once every part is committed, with each
// part's error. The lane "" (writes that are not a courier's push) has no
// limit: its writers are few and bounded elsewhere.
func (c *committer) writeAll(name string, parts []part) []error {
	if len(parts) == 0 {
		return nil // a lane in the ring must have a job to take
	}
	jobs := make([]*job, len(parts))
	total := 0
	for i, p := range parts {
		jobs[i] = &job{fn: p.fn, done: make(chan error, 1), ops: max(p.ops, 1), bytes: p.bytes}
		total += jobs[i].ops
	}
	errs := make([]error, len(parts))
	c.mu.Lock()
	l := c.lanes[name]
	if l == nil {
		l = &lane{name: name}
		l.room = sync.NewCond(&c.mu)
		c.lanes[name] = l
	}
	for name != "" && l.pending > 0 && l.pending+total > laneOps && !c.closed {
		l.waiting++
		l.room.Wait()
		l.waiting--
	}
	if c.closed {
		c.release(l)
		c.mu.Unlock()
		for i := range errs {
			errs[i] = errClosed
		}
		return errs
	}
	l.pending += total
	if len(l.queue) == 0 {
		c.ring = append(c.ring, l)
	}
	l.queue = append(l.queue, jobs...)
	c.work.Signal()
	c.mu.Unlock()

	for i, j := range jobs {
		errs[i] = <-j.done
	}
	c.mu.Lock()
	l.pending -= total
	l.room.Broadcast()
	c.release(l)
	c.mu.Unlock()
	return errs
}

// release forgets an idle lane. c.mu is held.
func (c *committer) release(l *lane) {
	if l.pending == 0 && l.waiting == 0 && len(l.queue) == 0 && c.lanes[l.name] == l {
		delete(c.lanes, l.name)
	}
}

// take forms the next group: one job from each lane in ring order, and
// more rounds only while a single lane is waiting, up to the limits. So
// when several couriers wait, each gets one turn per group and the group
// stays small (the next courier's op waits for little); the turns of a
// courier alone (or the one left after a round) fill a group up to
// soloGroupOps only: a courier who arrives while it commits waits for no
// more than that. c.mu is held.
func (c *committer) take(group []*job) []*job {
	ops, bytes := 0, 0
	lanes := len(c.ring)
	for len(c.ring) > 0 && len(group) < maxGroupJobs && (len(group) < lanes || len(c.ring) == 1) {
		l := c.ring[0]
		j := l.queue[0]
		maxOps := maxGroupOps // one turn each of many lanes
		if len(group) >= lanes {
			maxOps = soloGroupOps // more turns of the one lane left
		}
		if len(group) > 0 && (ops+j.ops > maxOps || bytes+j.bytes > maxGroupBytes) {
			break
		}
		group = append(group, j)
		ops, bytes = ops+j.ops, bytes+j.bytes
		l.queue[0] = nil
		l.queue = l.queue[1:]
		c.ring[0] = nil
		c.ring = c.ring[1:]
		if len(l.queue) > 0 {
			c.ring = append(c.ring, l)
		}
	}
	return group
}

func (c *committer) loop() {
	defer c.wg.Done()
	group := make([]*job, 0, maxGroupJobs)
	for {
		c.mu.Lock()
		for len(c.ring) == 0 && !c.closed {
			c.work.Wait()
		}
		if len(c.ring) == 0 { // closed and drained
			c.mu.Unlock()
			return
		}
		group = c.take(group[:0])
		c.mu.Unlock()
		c.commit(group)
		clear(group)
	}
}

// commit runs a group in one transaction; when it fails, each job runs
// alone so that only the failing job fails. A job that refuses (returns a
// *refused) has its writes rolled back: the attempt is abandoned, the job
// gets its refusal, and the rest of the group runs again without it (the
// jobs before it see the same state as before, so they decide the same).
func (c *committer) commit(group []*job) {
	if c.groupHook != nil {
		ops := make([]int, len(group))
		for i, j := range group {
			ops[i] = j.ops
		}
		c.groupHook(ops)
	}
	for len(group) > 0 {
		i, err := c.attempt(group)
		if i >= 0 {
			group[i].done <- err
			group = append(group[:i:i], group[i+1:]...)
			continue
		}
		if err == nil || len(group) == 1 {
			for _, j := range group {
				j.done <- err
			}
			return
		}
		for _, j := range group {
			_, err := c.attempt([]*job{j})
			j.done <- err
		}
		return
	}
}

// attempt runs group in one transaction. When a job refuses, the
// transaction is rolled back and attempt returns that job's index and its
// refusal; otherwise -1 and the transaction's error.
func (c *committer) attempt(group []*job) (int, error) {
	refusedAt, woke := -1, false
	began := time.Now()
	err := c.db.Update(func(tx *bbolt.Tx) error {
		if c.around != nil {
			if err := c.around.begin(tx); err != nil {
				return err
			}
		}
		wakeUps := c.wakeUps(tx)
		defer func() { woke = c.wakeUps(tx) != wakeUps }()
		for i, j := range group {
			if err := j.fn(tx); err != nil {
				if _, ok := err.(*refused); ok {
					refusedAt = i
				}
				return err
			}
		}
		return nil
	})
	if c.around != nil {
		c.around.end(err == nil)
	}
	if refusedAt >= 0 {
		return refusedAt, err
	}
	if c.onCommit != nil {
		c.onCommit(len(group), time.Since(began))
	}
	if err == nil && woke {
		c.onWake()
	}
	return -1, err
}

// wakeUps reads the push outbox's sequence, which every queued wake-up
// advances; 0 when nobody listens.
func (c *committer) wakeUps(tx *bbolt.Tx) uint64 {
	if c.onWake == nil {
		return 0
	}
	return tx.Bucket(bucketPushOutbox).Sequence()
}

func (c *committer) running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.closed
}

// stop refuses new writes, commits what is queued and ends the loop.
// Writers waiting for room in their lane are refused too.
func (c *committer) stop() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.work.Broadcast()
	for _, l := range c.lanes {
		l.room.Broadcast()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// refused carries a job's business refusal out of its transaction: the
// committer rolls back what the job wrote and hands err to its writer.
type refused struct{ err error }

func (r *refused) Error() string { return r.err.Error() }

// keepWrites is a refusal whose writes must still commit (a session revoked
// because its refresh token was reused): see commitThenRefuse.
type keepWrites struct{ err error }

func (k *keepWrites) Error() string { return k.err.Error() }

// commitThenRefuse lets a decide closure refuse and still commit what it
// wrote: decide commits the writes and returns err to the caller. Use it
// only where the refusal itself must leave a trace.
func commitThenRefuse(err error) error { return &keepWrites{err: err} }

// decide runs fn as a job of a group transaction and returns its result.
// fn refuses by returning a protocol error (*syncproto.Error, possibly
// wrapped): the refusal reaches the caller, anything fn wrote is rolled
// back, and the other jobs of the group commit. A refusal wrapped by
// commitThenRefuse commits fn's writes. Any other error is a store
// failure. fn is safe to run twice: its result is whatever the last run
// returned.
func decide[T any](d *DB, fn func(tx *bbolt.Tx) (T, error)) (T, error) {
	var (
		out  T
		kept error
	)
	err := d.cm.write(func(tx *bbolt.Tx) error {
		var err error
		out, err = fn(tx)
		kept = nil
		var (
			keep *keepWrites
			pe   *syncproto.Error
		)
		switch {
		case err == nil:
		case errors.As(err, &keep):
			kept, err = keep.err, nil
		case errors.As(err, &pe):
			err = &refused{err: err}
		}
		return err
	})
	if r, ok := err.(*refused); ok {
		return out, r.err
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return out, kept
}

// queued returns how many jobs wait in the lanes.
func (c *committer) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, l := range c.ring {
		n += len(l.queue)
	}
	return n
}
