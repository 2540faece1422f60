package server

import (
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// LateDelivery bounds how long after a month's end an op recorded in it
// is still looked for by the sampler: ops delivered later are not sampled.
const LateDelivery = 31 * 24 * time.Hour

// SampleWindow is the span of server receipt times in which the ops of a
// month [start, end) are looked for: from start less the allowed clock
// skew (a device ahead) to end plus LateDelivery.
func SampleWindow(start, end time.Time, skew time.Duration) (from, stop time.Time) {
	return start.Add(-skew), end.Add(LateDelivery)
}

// SampledOp is what the sampler reads of an op taken.
type SampledOp struct {
	CourierID  string
	Kind       string
	Status     string
	RecordedAt string
	Ref        string
}

// SampleCandidateOf says whether an op is a candidate of the month
// [start, end): applied, recorded in the month, with a record; pickups,
// damage reports, COD receipts and callback outcomes are primary.
func SampleCandidateOf(op SampledOp, start, end time.Time) (SampleCandidate, bool) {
	at, ok := syncproto.ParseOpTime(op.RecordedAt)
	if op.Status != syncproto.StatusApplied || !ok || at.Before(start) || !at.Before(end) || op.Ref == "" {
		return SampleCandidate{}, false
	}
	primary := op.Kind == syncproto.KindPickup || op.Kind == syncproto.KindDamageReport ||
		op.Kind == syncproto.KindCODReceipt || op.Kind == syncproto.KindCallbackOutcome
	return SampleCandidate{CourierID: op.CourierID, Kind: op.Kind, Ref: op.Ref, Primary: primary}, true
}

// Match reports whether a corrective action passes the filter at now, and
// sets its Overdue flag then.
func (f *ActionFilter) Match(a *CorrectiveAction, now time.Time) bool {
	a.Overdue = a.OverdueAt(now)
	return (f.Status == "" || a.Status == f.Status) && (!f.Overdue || a.Overdue)
}
