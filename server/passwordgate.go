package server

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	"golang.org/x/sync/semaphore"
)

// PasswordGate bounds the CPU that password checks may take: at most
// Running slow-hash comparisons at once, at most Queue more waiting; a
// login beyond that is refused at once (429 with Retry-After) instead of
// queueing without end, so a flood of wrong passwords costs the attacker
// refusals, not the server its cores.
type PasswordGate struct {
	running *semaphore.Weighted
	limit   int64
	inside  atomic.Int64
}

// NewPasswordGate returns a gate for running concurrent checks with queue
// more waiting; running 0 means GOMAXPROCS, queue 0 means 8 × running.
func NewPasswordGate(running, queue int) *PasswordGate {
	if running <= 0 {
		running = runtime.GOMAXPROCS(0)
	}
	if queue <= 0 {
		queue = 8 * running
	}
	return &PasswordGate{running: semaphore.NewWeighted(int64(running)), limit: int64(running + queue)}
}

// errPasswordsBusy is the refusal when the gate is full.
var errPasswordsBusy = &RetryAfterError{Err: syncproto.Errorf(syncproto.CodeRateLimited, "too many logins at once; retry shortly"), After: time.Second}

// Do runs check inside the gate, or refuses with a RetryAfterError when
// the gate is full. A nil gate runs check directly.
func (g *PasswordGate) Do(ctx context.Context, check func()) error {
	if g == nil {
		check()
		return nil
	}
	if g.inside.Add(1) > g.limit {
		g.inside.Add(-1)
		return errPasswordsBusy
	}
	defer g.inside.Add(-1)
	if err := g.running.Acquire(ctx, 1); err != nil {
		return err
	}
	defer g.running.Release(1)
	check()
	return nil
}

// Load returns how many checks are running or waiting (for metrics).
func (g *PasswordGate) Load() int { return int(g.inside.Load()) }
