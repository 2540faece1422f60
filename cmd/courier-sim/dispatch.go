package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Cadence of the dispatcher: a step every dispatchTick; a hand-over every
// handoverEvery steps.
const (
	dispatchTick  = 200 * time.Millisecond
	handoverEvery = 5
)

// callbackReasons are the reasons dispatchers give callback tasks.
var callbackReasons = []string{"投诉回访：请致电客户说明处理结果", "派送失败，请联系客户确认地址", "客户要求改约派送时间", "破损件回访，确认赔付意向", "Customer asked for a call about a late parcel"}

// dispatchStats counts what the dispatcher did.
type dispatchStats struct {
	// Tasks created (Linked of them to a complaint), cancelled and
	// reassigned; a stale-version PATCH tried once after a reassignment
	// and refused with 409.
	Created, Linked, Cancelled, Reassigned int
	StaleTried, StaleRefused               int
	// Complaint transitions made, and illegal ones tried and refused.
	Transitions                  int
	IllegalTried, IllegalRefused int
	// Hand-overs confirmed and their receipts and amount.
	Handovers, HandedReceipts int
	HandedCents               int64
	// Discrepancy is the hand-over counted short or over, if any.
	Discrepancy *handoverDiscrepancy
	// Pair is the concurrent hand-over of the same receipts: answers 201
	// and 409; PairTried when it ran.
	PairTried                bool
	PairCreated, PairRefused int
}

// handoverDiscrepancy is a hand-over whose counted cash differed.
type handoverDiscrepancy struct {
	Courier    *courier
	HandoverID string
	Cents      int64
}

// dispatcher is the dispatcher actor: one goroutine with its own account.
// It creates callback tasks for a share of the couriers and cancels or
// reassigns some (see taskPlan), walks complaints through their states and
// confirms COD hand-overs.
type dispatcher struct {
	f      *fleet
	a      *actors
	s      *admin
	userID string
	runID  string
	r      *rand.Rand

	queue  []*courier // selected couriers whose tasks are still to create
	nPlan  int
	nTask  int
	linked map[string]bool // complaints a task was made from

	complaints map[string]*simComplaint
	compOrder  []*simComplaint
	rrWalk     int
	rrCOD      int
	ticks      int

	stats  dispatchStats
	faults faults
}

func newDispatcher(f *fleet, a *actors, s *admin, userID, runID string) *dispatcher {
	r := rand.New(rand.NewPCG(f.cfg.Seed, 0xd15a7c4))
	return &dispatcher{f: f, a: a, s: s, userID: userID, runID: runID, r: r,
		queue:  selectCouriers(f.couriers, f.cfg.CallbackShare, r),
		linked: map[string]bool{}, complaints: map[string]*simComplaint{}}
}

// run works in steps while the couriers record, does its final round once
// they have all pushed (then closes final), and serves the couriers'
// offline answers until every courier is through catch-up 1.
func (d *dispatcher) run(ctx context.Context, final chan<- struct{}) error {
	tick := time.NewTicker(dispatchTick)
	defer tick.Stop()
	recorded := d.a.recorded.done
	for {
		select {
		case st := <-d.a.b.offline:
			if err := d.actOffline(ctx, st); err != nil {
				return err
			}
		case <-tick.C:
			if recorded == nil {
				continue
			}
			if err := d.step(ctx); err != nil {
				return err
			}
		case <-recorded:
			recorded = nil
			d.a.finalStart = time.Now()
			if err := d.finalRound(ctx); err != nil {
				return err
			}
			close(final)
		case <-d.a.caughtUp.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// step is one round of work while the couriers record.
func (d *dispatcher) step(ctx context.Context) error {
	d.ticks++
	if err := d.createReady(ctx, false); err != nil {
		return err
	}
	if n := len(d.f.couriers); n > 0 {
		c := d.f.couriers[d.rrWalk%n]
		d.rrWalk++
		if err := d.walk(ctx, c); err != nil {
			return err
		}
		if d.ticks%handoverEvery == 0 {
			if d.stats.Handovers >= 2 && !d.stats.PairTried {
				return d.concurrentHandOver(ctx)
			}
			c := d.f.couriers[d.rrCOD%n]
			d.rrCOD++
			if err := d.handOver(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// finalRound finishes every plan: the tasks still to create, every
// complaint to its planned state, an illegal step or two, last hand-overs
// (and the concurrent pair if it has not run).
func (d *dispatcher) finalRound(ctx context.Context) error {
	if err := d.createReady(ctx, true); err != nil {
		return err
	}
	for _, c := range d.f.couriers {
		if err := d.walk(ctx, c); err != nil {
			return err
		}
	}
	if err := d.illegalSteps(ctx); err != nil {
		return err
	}
	if !d.stats.PairTried {
		if err := d.concurrentHandOver(ctx); err != nil {
			return err
		}
	}
	for _, c := range d.f.couriers {
		if d.r.IntN(2) == 0 || d.stats.Discrepancy == nil {
			if err := d.handOver(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// createReady creates the tasks of the selected couriers whose handheld
// has registered its push token (in the final round, of all of them).
func (d *dispatcher) createReady(ctx context.Context, all bool) error {
	var rest []*courier
	for _, c := range d.queue {
		if !all && !c.tokenUp.Load() {
			rest = append(rest, c)
			continue
		}
		if err := d.createFor(ctx, c); err != nil {
			return err
		}
	}
	d.queue = rest
	return nil
}

// createFor creates 1–3 tasks for c, the first one made from one of c's
// open complaints when there is one.
func (d *dispatcher) createFor(ctx context.Context, c *courier) error {
	open, err := d.s.AllComplaints(ctx, url.Values{"courier_id": {c.userID}, "status": {syncproto.ComplaintReceived}})
	if err := d.faults.soft(err, "list the complaints of courier %d", c.idx); err != nil {
		return err
	}
	for i := range 1 + d.r.IntN(3) {
		plan := planCycle[d.nPlan%len(planCycle)]
		d.nPlan++
		d.nTask++
		req := syncproto.NewCallback{CourierID: c.userID, Waybill: fmt.Sprintf("SF%sD%04d", d.runID, d.nTask),
			Reason: pick(d.r, callbackReasons), Customer: customer(d.r),
			// A day ahead: the server refuses a due_by in its past, and a
			// test may run the server's clock 60 times faster than ours.
			DueBy: time.Now().Add(24 * time.Hour).In(shanghai).Format(time.RFC3339)}
		if i == 0 {
			for _, cp := range open {
				if !d.linked[cp.ComplaintID] {
					d.linked[cp.ComplaintID] = true
					req.ComplaintID = cp.ComplaintID
					if cp.Waybill != "" {
						req.Waybill = cp.Waybill
					}
					break
				}
			}
		}
		at, up := time.Now(), c.tokenUp.Load()
		v, err := d.s.CreateCallback(ctx, &req)
		if err != nil {
			if err := d.faults.soft(err, "create a callback task for courier %d", c.idx); err != nil {
				return err
			}
			continue
		}
		if v.TaskID == "" || v.Status != syncproto.TaskOpen || v.CourierID != c.userID || v.Version < 1 || v.ComplaintID != req.ComplaintID {
			d.faults.add("task %q created for courier %d: view says status %q, courier %q, version %d, complaint %q",
				v.TaskID, c.idx, v.Status, v.CourierID, v.Version, v.ComplaintID)
			continue
		}
		if v.Contact.NameMasked == "" || v.Contact.NameMasked == req.Customer.Name || v.Contact.PhoneMasked == "" || v.Contact.PhoneMasked == req.Customer.Phone {
			d.faults.add("task %s: the dispatcher's view does not mask the customer's contact", v.TaskID)
		}
		st := &simTask{ID: v.TaskID, Waybill: req.Waybill, ComplaintID: req.ComplaintID, Plan: plan, Owner: c,
			customer: req.Customer, masked: v.Contact, acted: make(chan struct{}), version: v.Version}
		if plan.offline() {
			st.offline = offlineWaiting
		}
		if up {
			st.wakes = append(st.wakes, wakeEvent{Courier: c, At: at, What: "created"})
		}
		d.a.b.file(st)
		d.stats.Created++
		if req.ComplaintID != "" {
			d.stats.Linked++
		}
		switch plan {
		case planCancelDirect:
			err = d.cancel(ctx, st)
		case planReassignDirect:
			err = d.reassign(ctx, st)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// actOffline cancels or reassigns a task whose courier recorded an outcome
// "offline", and lets the courier go on.
func (d *dispatcher) actOffline(ctx context.Context, st *simTask) error {
	defer close(st.acted)
	var err error
	if st.Plan.reassigns() {
		err = d.reassign(ctx, st)
	} else {
		err = d.cancel(ctx, st)
	}
	d.a.b.mu.Lock()
	st.offline = offlineActed
	d.a.b.mu.Unlock()
	return err
}

// cancel cancels st.
func (d *dispatcher) cancel(ctx context.Context, st *simTask) error {
	v, err := d.patch(ctx, st, syncproto.CallbackPatch{Status: syncproto.TaskCancelled})
	if v == nil || err != nil {
		return err
	}
	b := d.a.b
	b.mu.Lock()
	st.cancelled, st.version = true, v.Version
	b.mu.Unlock()
	if v.Status != syncproto.TaskCancelled {
		d.faults.add("task %s: cancelled, the view says %q", st.ID, v.Status)
	}
	d.stats.Cancelled++
	return nil
}

// reassign gives st to another courier whose handheld registered its push
// token (or cancels it when there is none), then once tries a change with
// the version it had before, which must be refused as stale.
func (d *dispatcher) reassign(ctx context.Context, st *simTask) error {
	var cands []*courier
	for _, c := range d.f.couriers {
		if c != st.Owner && c.tokenUp.Load() {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return d.cancel(ctx, st)
	}
	to := pick(d.r, cands)
	b := d.a.b
	b.mu.Lock()
	old := st.version
	b.mu.Unlock()
	at := time.Now()
	v, err := d.patch(ctx, st, syncproto.CallbackPatch{CourierID: to.userID})
	if v == nil || err != nil {
		return err
	}
	b.mu.Lock()
	st.target, st.reassigned, st.version = to, true, v.Version
	st.wakes = append(st.wakes, wakeEvent{Courier: to, At: at, What: "reassigned to"})
	if st.Owner.tokenUp.Load() {
		st.wakes = append(st.wakes, wakeEvent{Courier: st.Owner, At: at, What: "reassigned away from"})
	}
	b.mu.Unlock()
	if v.CourierID != to.userID || v.Status != syncproto.TaskOpen {
		d.faults.add("task %s: reassigned to courier %d, the view says courier %q, status %q", st.ID, to.idx, v.CourierID, v.Status)
	}
	d.stats.Reassigned++
	if d.stats.StaleTried > 0 {
		return nil
	}
	d.stats.StaleTried++
	stale, err := d.s.PatchCallback(ctx, st.ID, &syncproto.CallbackPatch{Version: &old, Status: syncproto.TaskCancelled})
	switch {
	case client.StatusOf(err) == http.StatusConflict:
		d.stats.StaleRefused++
	case err == nil:
		d.faults.add("task %s: a cancel with the stale version %d was accepted", st.ID, old)
		b.mu.Lock()
		st.cancelled, st.version = true, stale.Version
		b.mu.Unlock()
	default:
		return d.faults.soft(err, "task %s: cancel with a stale version: want 409", st.ID)
	}
	return nil
}

// patch sends a PATCH with the task's version; when that is refused as
// stale (an outcome arrived meanwhile), it reads the task and tries once
// more. A nil view with a nil error is a refusal noted as a problem.
func (d *dispatcher) patch(ctx context.Context, st *simTask, p syncproto.CallbackPatch) (*syncproto.CallbackView, error) {
	b := d.a.b
	b.mu.Lock()
	version := st.version
	b.mu.Unlock()
	p.Version = &version
	v, err := d.s.PatchCallback(ctx, st.ID, &p)
	if client.StatusOf(err) == http.StatusConflict {
		cur, rerr := d.s.Callback(ctx, st.ID)
		if rerr != nil {
			return nil, d.faults.soft(rerr, "read task %s", st.ID)
		}
		p.Version = &cur.Version
		v, err = d.s.PatchCallback(ctx, st.ID, &p)
	}
	if err != nil {
		return nil, d.faults.soft(err, "change task %s (%s)", st.ID, st.Plan)
	}
	return v, nil
}

// customer makes up a callback task's customer.
func customer(r *rand.Rand) syncproto.Customer {
	return syncproto.Customer{Name: personName(r), Phone: phone(r)}
}
