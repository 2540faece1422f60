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

// maxGroup bounds how many jobs share one transaction.
const maxGroup = 512

// A job is a write that runs inside a shared transaction. fn returns an
// error only when the store fails; business outcomes travel in the job's
// own closure. fn must be safe to run twice: when one fn fails, the group
// is rolled back and every job is run again in a transaction of its own, so
// only the failing job fails.
type job struct {
	fn   func(*bbolt.Tx) error
	done chan error
}

// committer is the single writer: it takes everything queued and commits
// it in one transaction, so concurrent writers share one fsync. There is no
// timer: a group is whatever arrived while the previous commit ran.
type committer struct {
	db   *bbolt.DB
	jobs chan *job

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup

	// onCommit, when set (before the first write), observes each group
	// commit: how many jobs shared it and how long it took, fsync included.
	onCommit func(jobs int, took time.Duration)
}

func newCommitter(db *bbolt.DB) *committer {
	c := &committer{db: db, jobs: make(chan *job, 4*maxGroup)}
	c.wg.Add(1)
	go c.loop()
	return c
}

// write runs fn in a group transaction and returns once it is committed.
func (c *committer) write(fn func(*bbolt.Tx) error) error {
	j := &job{fn: fn, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.jobs <- j
	c.mu.RUnlock()
	return <-j.done
}

func (c *committer) loop() {
	defer c.wg.Done()
	group := make([]*job, 0, maxGroup)
	for j := range c.jobs {
		group = append(group[:0], j)
	drain:
		for len(group) < maxGroup {
			select {
			case j, ok := <-c.jobs:
				if !ok {
					break drain
				}
				group = append(group, j)
			default:
				break drain
			}
		}
		began := time.Now()
		err := c.db.Update(func(tx *bbolt.Tx) error {
			for _, j := range group {
				if err := j.fn(tx); err != nil {
					return err
				}
			}
			return nil
		})
		if c.onCommit != nil {
			c.onCommit(len(group), time.Since(began))
		}
		if err == nil || len(group) == 1 {
			for _, j := range group {
				j.done <- err
			}
			continue
		}
		// One job broke the group: run each alone so only it fails.
		for _, j := range group {
			j.done <- c.db.Update(j.fn)
		}
	}
}

func (c *committer) running() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return !c.closed
}

// stop refuses new writes, commits what is queued and ends the loop.
func (c *committer) stop() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.jobs)
	c.mu.Unlock()
	c.wg.Wait()
}

// decide runs fn as a job of a group transaction and returns its result.
// fn refuses by returning a protocol error (*syncproto.Error, possibly
// wrapped): the refusal reaches the caller and does not fail the group, so
// anything fn wrote before refusing (a revoked session, say) commits. Any
// other error is a store failure. fn is safe to run twice: its result is
// whatever the last run returned.
func decide[T any](d *DB, fn func(tx *bbolt.Tx) (T, error)) (T, error) {
	var (
		out     T
		refusal error
	)
	err := d.cm.write(func(tx *bbolt.Tx) error {
		var err error
		out, err = fn(tx)
		refusal = nil
		var pe *syncproto.Error
		if err != nil && errors.As(err, &pe) {
			refusal, err = err, nil
		}
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, refusal
}
