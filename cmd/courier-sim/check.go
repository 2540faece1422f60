package main

import (
	"fmt"
	"sort"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// maxProblems bounds how many individual problems a check lists.
const maxProblems = 20

// expectedOp is an op a simulated courier queued, with the outcome the
// server must give it.
type expectedOp struct {
	OpID     string
	Kind     string
	DeviceID string
	// Want is the rejection code; empty means the op must be applied.
	Want syncproto.Code
}

// outboxState is what one handheld holds after its final Sync.
type outboxState struct {
	DeviceID string
	// Pending is Status().Pending; -1 when the outbox never opened.
	Pending        int
	StatusRejected int
	Rejected       []*mobileapi.RejectedOp
}

// checkResult compares what the couriers queued with the server's audit log
// and with what their handhelds hold.
type checkResult struct {
	// Sent is the number of ops queued on the handhelds.
	Sent int
	// Applied counts audit entries of this run with status applied.
	Applied int
	// WantRejected and GotRejected count rejections by code: expected by
	// the simulator, and found in the audit log.
	WantRejected map[syncproto.Code]int
	GotRejected  map[syncproto.Code]int
	// Lost ops are queued but absent from the audit log; Duplicated ones
	// appear in it more than once.
	Lost       int
	Duplicated int
	// WrongReason counts ops whose audit entry differs from the expected
	// outcome: applied instead of rejected or the reverse, another code,
	// another kind or device.
	WrongReason int
	// Unexpected counts audit entries of this run's devices or couriers
	// that no handheld queued.
	Unexpected int
	// OutboxPending is the number of ops still queued on the handhelds
	// (an outbox that never opened counts as 1).
	OutboxPending int
	// OutboxMismatch counts ops whose rejection on the handheld is
	// missing, extra, or carries another code than expected.
	OutboxMismatch int
	// Problems describes the first few mismatches, without personal data.
	Problems []string
}

// OK reports whether the run kept every promise.
func (r *checkResult) OK() bool {
	return r.Lost == 0 && r.Duplicated == 0 && r.WrongReason == 0 && r.Unexpected == 0 &&
		r.OutboxPending == 0 && r.OutboxMismatch == 0
}

func (r *checkResult) problem(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// checkRun compares expected ops with the audit log (every entry the
// server holds; entries of other devices and couriers are ignored) and with
// the outboxes. An audit entry belongs to the run when its device is in
// devices or its courier in couriers.
func checkRun(expected []expectedOp, audit []syncproto.AuditOp, devices, couriers map[string]bool, outboxes []outboxState) *checkResult {
	r := &checkResult{Sent: len(expected), WantRejected: map[syncproto.Code]int{}, GotRejected: map[syncproto.Code]int{}}
	want := make(map[string]*expectedOp, len(expected))
	for i := range expected {
		e := &expected[i]
		want[e.OpID] = e
		if e.Want != "" {
			r.WantRejected[e.Want]++
		}
	}

	seen := make(map[string]int, len(expected))
	for _, a := range audit {
		if !devices[a.DeviceID] && !couriers[a.CourierID] {
			continue
		}
		e := want[a.OpID]
		if e == nil {
			r.Unexpected++
			r.problem("unexpected: op %s (%s, %s) from device %s was never queued by a handheld", a.OpID, a.Kind, a.Status, a.DeviceID)
			continue
		}
		if seen[a.OpID]++; seen[a.OpID] > 1 {
			if seen[a.OpID] == 2 {
				r.Duplicated++
				r.problem("duplicated: op %s (%s) is in the audit log more than once", a.OpID, a.Kind)
			}
			continue
		}
		switch a.Status {
		case syncproto.StatusApplied:
			r.Applied++
		case syncproto.StatusRejected:
			r.GotRejected[a.ErrorCode]++
		}
		if got := outcomeOf(a.Status, a.ErrorCode); got != outcomeOf(wantStatus(e.Want), e.Want) || a.Kind != e.Kind || a.DeviceID != e.DeviceID {
			r.WrongReason++
			r.problem("wrong reason: op %s (%s from %s) got %s (%s from %s), want %s",
				a.OpID, e.Kind, e.DeviceID, got, a.Kind, a.DeviceID, outcomeOf(wantStatus(e.Want), e.Want))
		}
	}
	for _, e := range expected {
		if seen[e.OpID] == 0 {
			r.Lost++
			r.problem("lost: op %s (%s from %s) is not in the audit log", e.OpID, e.Kind, e.DeviceID)
		}
	}
	r.checkOutboxes(expected, outboxes)
	return r
}

// checkOutboxes checks that every handheld is empty and holds exactly the
// expected rejections, each with the expected code.
func (r *checkResult) checkOutboxes(expected []expectedOp, outboxes []outboxState) {
	wantRej := map[string]map[string]syncproto.Code{} // device → op id → code
	for _, e := range expected {
		if e.Want == "" {
			continue
		}
		if wantRej[e.DeviceID] == nil {
			wantRej[e.DeviceID] = map[string]syncproto.Code{}
		}
		wantRej[e.DeviceID][e.OpID] = e.Want
	}
	for _, ob := range outboxes {
		switch {
		case ob.Pending < 0:
			r.OutboxPending++
			r.problem("outbox %s: never opened", ob.DeviceID)
			continue
		case ob.Pending > 0:
			r.OutboxPending += ob.Pending
			r.problem("outbox %s: %d ops still pending", ob.DeviceID, ob.Pending)
		}
		if ob.StatusRejected != len(ob.Rejected) {
			r.OutboxMismatch++
			r.problem("outbox %s: Status().Rejected = %d but RejectedOps lists %d", ob.DeviceID, ob.StatusRejected, len(ob.Rejected))
		}
		want := wantRej[ob.DeviceID]
		got := map[string]bool{}
		for _, rj := range ob.Rejected {
			got[rj.OpID] = true
			code, ok := want[rj.OpID]
			switch {
			case !ok:
				r.OutboxMismatch++
				r.problem("outbox %s: op %s (%s) rejected with %s, want applied", ob.DeviceID, rj.OpID, rj.Kind, rj.Code)
			case syncproto.Code(rj.Code) != code:
				r.OutboxMismatch++
				r.problem("outbox %s: op %s (%s) rejected with %s, want %s", ob.DeviceID, rj.OpID, rj.Kind, rj.Code, code)
			}
		}
		ids := make([]string, 0, len(want))
		for id := range want {
			if !got[id] {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			r.OutboxMismatch++
			r.problem("outbox %s: op %s missing from RejectedOps, want rejected with %s", ob.DeviceID, id, want[id])
		}
	}
}

func wantStatus(code syncproto.Code) string {
	if code == "" {
		return syncproto.StatusApplied
	}
	return syncproto.StatusRejected
}

// outcomeOf names an outcome: "applied" or "rejected/<code>".
func outcomeOf(status string, code syncproto.Code) string {
	if status == syncproto.StatusRejected {
		return "rejected/" + string(code)
	}
	return status
}
