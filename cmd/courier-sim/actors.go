package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// A run with actors has four phases:
//
//  1. Record: the couriers record and sync; after every successful Sync
//     each answers the open tasks its handheld shows. Meanwhile the
//     dispatcher creates callback tasks, walks complaints and takes COD
//     hand-overs, and the supervisor settles, registers vehicles and
//     certifies defects.
//  2. Final round: once every courier has recorded and pushed everything,
//     the dispatcher and then the supervisor finish their plans (complaints
//     to their planned state, last hand-overs and settlements, every open
//     defect certified).
//  3. Catch-up 1: every courier pulls what the actors did and answers its
//     open tasks. A courier answering a task planned to be cancelled or
//     reassigned "while it is offline" records the outcome, then waits for
//     the dispatcher to cancel or reassign the task before it syncs again:
//     its outcome must arrive flagged review_needed. The dispatcher serves
//     these until every courier is through.
//  4. Catch-up 2: every courier syncs again and answers the tasks
//     reassigned to it, so that each handheld ends with the server's view.
//
// The end check then compares what the actors and couriers did, as the
// simulator recorded it, with the server, the handhelds and the fake FCM.

// gate opens when n parties have arrived.
type gate struct {
	left atomic.Int64
	done chan struct{}
}

func newGate(n int) *gate {
	g := &gate{done: make(chan struct{})}
	g.left.Store(int64(n))
	if n <= 0 {
		close(g.done)
	}
	return g
}

// arrive counts one party in; the last one opens the gate.
func (g *gate) arrive() {
	if g.left.Add(-1) == 0 {
		close(g.done)
	}
}

// await waits until ch is closed or ctx ends.
func await(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// actors are the dispatcher and supervisor of a run, and what they share
// with the couriers.
type actors struct {
	b    *board
	disp *dispatcher
	sup  *supervisor
	// recorded opens when every courier has recorded and pushed; final is
	// closed when the actors' final round is done; caughtUp opens when
	// every courier is through catch-up 1.
	recorded *gate
	final    chan struct{}
	caughtUp *gate
	// finalStart is when the dispatcher began the final round (set
	// before it closes its channel to the supervisor); FinalRound is the
	// time the whole final round took.
	finalStart time.Time
	FinalRound time.Duration
}

// newActors creates the dispatcher's and supervisor's accounts and their
// sessions (outside the flaky link: they sit at the station).
func newActors(ctx context.Context, f *fleet, runID string, ad *admin, base http.RoundTripper) (*actors, error) {
	hc := &http.Client{Transport: base, Timeout: 2 * time.Minute}
	staff := func(role string) (*admin, string, error) {
		user, pass := fmt.Sprintf("sim-%s-%s", runID, role), rand.Text()
		id, err := ad.createUser(ctx, user, pass, role, "Sim "+role)
		if err != nil {
			return nil, "", err
		}
		s := newStaff(f.cfg.Server, hc, user, pass, role, fmt.Sprintf("courier-sim-%s-%s", runID, role))
		return s, id, s.ensureLogin(ctx)
	}
	ds, dID, err := staff(syncproto.RoleDispatcher)
	if err != nil {
		return nil, err
	}
	ss, sID, err := staff(syncproto.RoleSupervisor)
	if err != nil {
		return nil, err
	}
	n := len(f.couriers)
	a := &actors{b: newBoard(), recorded: newGate(n), final: make(chan struct{}), caughtUp: newGate(n)}
	a.disp = newDispatcher(f, a, ds, dID, runID)
	a.sup = newSupervisor(f, a, ss, sID, runID)
	return a, nil
}

// run runs the dispatcher and the supervisor until their work is done.
func (a *actors) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	dispFinal := make(chan struct{})
	fail := func(err error) {
		if err != nil {
			once.Do(func() { first = err; cancel() })
		}
	}
	wg.Go(func() { fail(a.disp.run(ctx, dispFinal)) })
	wg.Go(func() {
		err := a.sup.run(ctx, dispFinal)
		if err == nil {
			close(a.final)
		}
		fail(err)
	})
	wg.Wait()
	return first
}

// selectCouriers picks the couriers that get callback tasks: share of the
// fleet, at least two (when there are two), in a seeded order.
func selectCouriers(couriers []*courier, share float64, r *mrand.Rand) []*courier {
	if share <= 0 || len(couriers) == 0 {
		return nil
	}
	n := min(len(couriers), max(2, int(math.Ceil(share*float64(len(couriers))))))
	var out []*courier
	for _, i := range r.Perm(len(couriers))[:n] {
		out = append(out, couriers[i])
	}
	return out
}
