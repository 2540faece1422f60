package server

import (
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// DefaultPushesPerCourier is how many pushes of one courier the server
// works on at once by default. A handheld pushes one batch at a time; a few
// more leave room for a courier with two devices and for a retry that
// overtakes a request the server has not finished.
const DefaultPushesPerCourier = 4

// PushGate bounds the pushes each courier has in flight. The HTTP layer
// asks it before it reads and decodes a push body, so a courier who floods
// the server from hundreds of connections costs it a refusal per extra
// request, not a decode, a validation and a place in the writer's queue:
// the other couriers' pushes go on at their usual speed. The zero value is
// not usable; use NewPushGate.
type PushGate struct {
	limit int
	mu    sync.Mutex
	busy  map[string]int
}

// NewPushGate returns a gate letting each courier have limit pushes in
// flight; limit ≤ 0 means DefaultPushesPerCourier.
func NewPushGate(limit int) *PushGate {
	if limit <= 0 {
		limit = DefaultPushesPerCourier
	}
	return &PushGate{limit: limit, busy: map[string]int{}}
}

// ErrPushBusy refuses a push beyond the courier's share: 429 rate_limited
// with Retry-After. The device's outbox keeps the ops and resends them.
var ErrPushBusy = &RetryAfterError{
	Err:   syncproto.Errorf(syncproto.CodeRateLimited, "too many pushes of this courier in progress; retry shortly"),
	After: time.Second,
}

// Enter admits one push of courier, or returns ErrPushBusy. Every admitted
// push must be followed by exactly one call of the returned function.
func (g *PushGate) Enter(courier string) (leave func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[courier] >= g.limit {
		return nil, ErrPushBusy
	}
	g.busy[courier]++
	var once sync.Once
	return func() { once.Do(func() { g.leave(courier) }) }, nil
}

func (g *PushGate) leave(courier string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[courier]--; g.busy[courier] <= 0 {
		delete(g.busy, courier)
	}
}

// InFlight returns how many pushes of courier are in flight.
func (g *PushGate) InFlight(courier string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.busy[courier]
}
