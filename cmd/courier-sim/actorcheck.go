package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/server/push/pushtest"
	"github.com/courier-sync/courier-sync/syncproto"
)

// wakeWait bounds the wait for the last wake-ups to reach the fake FCM.
const wakeWait = 20 * time.Second

// actorCheck is the end check of what the dispatcher, the supervisor and
// the couriers answering them did. Every mismatch is a fault; the counts
// are for the summary.
type actorCheck struct {
	faults
	Disp dispatchStats
	Sup  superviseStats

	// Callback tasks: checked, right on the server, by the status their
	// history implies; outcomes recorded and found right (Flagged of them
	// flagged review_needed); handhelds whose task list is right.
	Tasks, TasksRight       int
	ByStatus                map[string]int
	Outcomes, OutcomesRight int
	Flagged                 int
	Inboxes, InboxesRight   int
	Reveals                 revealStats
	Audited                 int

	// Wake-ups: FakeOn when the fake FCM ran; events that needed one and
	// were woken; messages received and well formed; request bodies
	// scanned for Needles pieces of personal data, Leaks found.
	FakeOn               bool
	WakeEvents, Woken    int
	Messages, WellFormed int
	Bodies, Needles      int
	Leaks                int

	// Complaints: from the couriers' ops, listed, right; walked by the
	// dispatcher (by final status, Exempted with the courier exempted);
	// handhelds showing the open ones right.
	ComplaintsFromOps, Complaints, ComplaintsRight int
	Walked, Exempted                               int
	ByTarget                                       map[string]int
	ComplaintDevices, ComplaintDevicesRight        int

	// COD: receipts applied and found in the ledger exactly once as
	// recorded; the run's totals; couriers whose ledger is right and
	// balances; the overall totals balance; the short hand-over listed;
	// handheld balances right.
	Receipts, ReceiptsOnce              int
	Totals                              syncproto.LedgerTotals
	CouriersBalanced                    int
	OverallBalanced, DiscrepancyListed  bool
	DeviceBalances, DeviceBalancesRight int

	// Vehicles of the run; fit; defects the inspections must have
	// opened, opened, certified as the supervisor did.
	Vehicles, Fit                                int
	DefectsWant, DefectsOpened, DefectsCertified int

	Time time.Duration
}

// OK reports whether nothing was off.
func (ac *actorCheck) OK() bool { return ac.N == 0 }

// checkActors reads what the server, the handhelds and the fake FCM hold
// after the run and checks it against what the actors and the couriers
// did. fake is nil when the fake FCM did not run.
func checkActors(ctx context.Context, f *fleet, fake *pushtest.Fake) (*actorCheck, error) {
	start := time.Now()
	a := f.act
	ds, ss := a.disp.s, a.sup.s
	ac := &actorCheck{Disp: a.disp.stats, Sup: a.sup.stats, FakeOn: fake != nil}
	ac.merge(&a.disp.faults)
	ac.merge(&a.sup.faults)
	tasks := a.b.order

	if err := ac.readTasks(ctx, ds, tasks); err != nil {
		return nil, err
	}

	for _, c := range f.couriers {
		if c.outbox == nil {
			ac.add("handheld of courier %d never opened: its tasks, complaints and COD are not checked", c.idx)
			return ac, nil
		}
	}
	inboxes := map[*courier][]*mobileapi.CallbackTask{}
	for _, c := range f.couriers {
		var err error
		if inboxes[c], err = c.outbox.CallbackTasksByStatus(""); err != nil {
			return nil, fmt.Errorf("courier %d: tasks: %w", c.idx, err)
		}
		ac.Reveals.add(c.reveals)
	}
	ac.checkInboxes(f.couriers, tasks, inboxes)
	events, err := ss.AllAuditEvents(ctx, url.Values{"action": {"contact.reveal"}})
	if err != nil {
		return nil, err
	}
	ac.checkReveals(tasks, events)

	if fake != nil {
		msgs, _ := fake.Wait(wakeWait, func(m []pushtest.Message) bool { return wakeCovered(tasks, m) })
		ac.checkWakeUps(tasks, msgs, fake.Bodies(), piiNeedles(f.couriers, tasks))
	}

	cs, ls, err := readCourierRecords(ctx, ds, f.couriers)
	if err != nil {
		return nil, err
	}
	ac.checkComplaints(cs, a.disp.complaints, a.disp.userID)

	overall, err := ds.Ledger(ctx, url.Values{"limit": {"1"}})
	if err != nil {
		return nil, fmt.Errorf("read the COD ledger's totals: %w", err)
	}
	var listed []syncproto.CODDiscrepancyRecord
	if d := a.disp.stats.Discrepancy; d != nil {
		if listed, err = ds.AllCODDiscrepancies(ctx, url.Values{"courier_id": {d.Courier.userID}}); err != nil {
			return nil, err
		}
	}
	ac.checkLedger(ls, overall.Totals, a.b.custody, a.disp.stats.Discrepancy, listed)

	vs, err := readVehicles(ctx, ss, a.sup.vehicles)
	if err != nil {
		return nil, err
	}
	ac.checkVehicles(f.couriers, a.sup.stats.Registered, vs, a.sup.certified)
	ac.Time = time.Since(start)
	return ac, nil
}

// readTasks reads the server's view of every task the dispatcher made, and
// the tasks flagged for review, and checks them.
func (ac *actorCheck) readTasks(ctx context.Context, ds *admin, tasks []*simTask) error {
	views := map[string]*syncproto.CallbackView{}
	for _, st := range tasks {
		v, err := ds.Callback(ctx, st.ID)
		if err := ac.soft(err, "read task %s", st.ID); err != nil {
			return err
		}
		if err == nil {
			views[st.ID] = v
		}
	}
	flagged, err := ds.AllCallbacks(ctx, url.Values{"review": {"true"}})
	if err != nil {
		return err
	}
	review := map[string]bool{}
	for _, v := range flagged {
		review[v.TaskID] = true
	}
	ac.checkTasks(tasks, views, review)
	return nil
}

// readCourierRecords reads each courier's complaints and COD ledger, on
// the server and on the handheld.
func readCourierRecords(ctx context.Context, ds *admin, couriers []*courier) ([]courierComplaints, []courierLedger, error) {
	var err error
	var cs []courierComplaints
	var ls []courierLedger
	for _, c := range couriers {
		cc := courierComplaints{Courier: c}
		if cc.Server, err = ds.AllComplaints(ctx, url.Values{"courier_id": {c.userID}}); err != nil {
			return nil, nil, err
		}
		list, err := c.outbox.OpenComplaints()
		if err != nil {
			return nil, nil, fmt.Errorf("courier %d: complaints: %w", c.idx, err)
		}
		for i := range list.Len() {
			cc.Device = append(cc.Device, list.Get(i))
		}
		cs = append(cs, cc)

		l := courierLedger{Courier: c}
		if l.Entries, l.Totals, err = ds.AllLedger(ctx, url.Values{"courier_id": {c.userID}}); err != nil {
			return nil, nil, err
		}
		if l.Device, err = c.outbox.CODBalance(); err != nil {
			return nil, nil, fmt.Errorf("courier %d: COD balance: %w", c.idx, err)
		}
		ls = append(ls, l)
	}
	return cs, ls, nil
}

// readVehicles reads the vehicles the supervisor registered, with their
// defects.
func readVehicles(ctx context.Context, ss *admin, registered map[string]bool) (map[string]vehicleState, error) {
	all, err := ss.AllVehicles(ctx, nil)
	if err != nil {
		return nil, err
	}
	vs := map[string]vehicleState{}
	for i := range all {
		v := &all[i]
		if !registered[v.VehicleID] {
			continue
		}
		st := vehicleState{View: v}
		if st.Defects, err = ss.AllVehicleDefects(ctx, v.VehicleID); err != nil {
			return nil, err
		}
		vs[v.VehicleID] = st
	}
	return vs, nil
}
