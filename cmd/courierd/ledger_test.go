//go:build unix

package main

import (
	"fmt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The ledger checks: what the devices were told against what the audit
// trail says the server took.

// firstResult is the first acknowledged result of a recorded op: what the
// server must keep and answer again.
type firstResult struct {
	dev *device
	op  syncproto.Op
	res syncproto.PushResult
}

// acknowledged returns the first acknowledged result of every op that the
// server must have recorded, by op id.
func (f *fleet) acknowledged() map[string]firstResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]firstResult{}
	for _, d := range f.devices {
		for _, b := range d.batches {
			for _, a := range b.attempts {
				if !a.acked || len(a.results) != len(b.ops) {
					continue
				}
				for i, po := range b.ops {
					if po.want != expectConflict {
						out[po.op.OpID] = firstResult{dev: d, op: po.op, res: a.results[i]}
					}
				}
				break
			}
		}
	}
	return out
}

// checkAudit compares one audit entry with the op's first result.
func checkAudit(e syncproto.AuditOp, fr firstResult) error {
	code := syncproto.Code("")
	if fr.res.Error != nil {
		code = fr.res.Error.Code
	}
	switch {
	case e.Status != fr.res.Status || e.ErrorCode != code || e.Ref != fr.res.Ref:
		return fmt.Errorf("audit says %s/%q/ref %q, the device was told %s/%q/ref %q", e.Status, e.ErrorCode, e.Ref, fr.res.Status, code, fr.res.Ref)
	case e.Kind != fr.op.Kind || e.Seq != fr.op.Seq || e.RecordedAt != fr.op.RecordedAt:
		return fmt.Errorf("audit says kind %q seq %d recorded %s, the device sent %q, %d, %s", e.Kind, e.Seq, e.RecordedAt, fr.op.Kind, fr.op.Seq, fr.op.RecordedAt)
	case e.DeviceID != fr.dev.id || e.CourierID != fr.dev.courierID:
		return fmt.Errorf("audit says device %q courier %q, want %q %q", e.DeviceID, e.CourierID, fr.dev.id, fr.dev.courierID)
	}
	return nil
}

// missingFromAudit returns an error for every acknowledged op that the
// audit trail lacks or tells differently.
func missingFromAudit(acked map[string]firstResult, audit []syncproto.AuditOp) []error {
	byID := make(map[string]syncproto.AuditOp, len(audit))
	for _, e := range audit {
		byID[e.OpID] = e
	}
	var errs []error
	for id, fr := range acked {
		e, ok := byID[id]
		if !ok {
			errs = append(errs, fmt.Errorf("op %s (device %s seq %d) was acknowledged but is not in the audit", id, fr.dev.id, fr.op.Seq))
			continue
		}
		if err := checkAudit(e, fr); err != nil {
			errs = append(errs, fmt.Errorf("op %s: %w", id, err))
		}
	}
	return errs
}

// ledgerStats sums up what a run exercised.
type ledgerStats struct {
	batches, ops, conflictOps  int
	attempts, wireFailures     int
	ackedResends, resentOps    int
	committedUnacked           int // ops whose first 200 already said duplicate: the crash hit between commit and response
	droppedResponses           int // 200s dropped unread at a tripwire
	interruptedBatches         int // batches with at least one attempt that got no response
	applied, rejected, relogin int
}

// verify checks the whole ledger against the audit trail: every batch was
// acknowledged; every op got the result planned for it; every resend got
// the first result again with duplicate:true; the audit lists every
// recorded op exactly once, as the device was told, in each device's order.
func (f *fleet) verify(audit []syncproto.AuditOp) (ledgerStats, []error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var (
		st   ledgerStats
		errs []error
		refs = map[string]string{}
	)
	st.relogin = f.relogins
	acked := map[string]firstResult{}
	for _, d := range f.devices {
		for _, b := range d.batches {
			st.batches++
			st.ops += len(b.ops)
			errs = append(errs, f.verifyBatch(b, &st, refs, acked)...)
		}
	}

	seen := make(map[string]bool, len(audit))
	lastSeq := map[string]int64{}
	for i, e := range audit {
		if seen[e.OpID] {
			errs = append(errs, fmt.Errorf("audit entry %d: op %s listed twice", i, e.OpID))
			continue
		}
		seen[e.OpID] = true
		fr, ok := acked[e.OpID]
		if !ok {
			errs = append(errs, fmt.Errorf("audit entry %d: op %s was never sent as a new op by any device", i, e.OpID))
			continue
		}
		if err := checkAudit(e, fr); err != nil {
			errs = append(errs, fmt.Errorf("audit entry %d, op %s: %w", i, e.OpID, err))
		}
		if e.Seq <= lastSeq[e.DeviceID] {
			errs = append(errs, fmt.Errorf("audit entry %d: device %s seq %d taken after seq %d", i, e.DeviceID, e.Seq, lastSeq[e.DeviceID]))
		}
		lastSeq[e.DeviceID] = e.Seq
	}
	for id, fr := range acked {
		if !seen[id] {
			errs = append(errs, fmt.Errorf("op %s (device %s seq %d) is not in the audit", id, fr.dev.id, fr.op.Seq))
		}
	}
	if len(audit) != len(acked) {
		errs = append(errs, fmt.Errorf("audit lists %d ops, the devices sent %d distinct recordable ops", len(audit), len(acked)))
	}
	return st, errs
}

func (f *fleet) verifyBatch(b *batch, st *ledgerStats, refs map[string]string, acked map[string]firstResult) []error {
	var errs []error
	where := fmt.Sprintf("device %s batch %d", b.dev.id, b.index)
	var ackedAttempts []attempt
	firstSendAcked := len(b.attempts) > 0 && b.attempts[0].acked
	interrupted, droppedBeforeAck := false, false
	for _, a := range b.attempts {
		st.attempts++
		if !a.acked {
			st.wireFailures++
			interrupted = true
			if a.dropped {
				st.droppedResponses++
				droppedBeforeAck = droppedBeforeAck || len(ackedAttempts) == 0
			}
			continue
		}
		if a.afterAck {
			st.ackedResends++
			st.resentOps += len(b.ops)
		}
		if len(a.results) != len(b.ops) {
			errs = append(errs, fmt.Errorf("%s: %d results for %d ops", where, len(a.results), len(b.ops)))
			continue
		}
		for i, r := range a.results {
			if r.OpID != b.ops[i].op.OpID || r.Seq != b.ops[i].op.Seq {
				errs = append(errs, fmt.Errorf("%s: result %d is for op %s seq %d, not %s seq %d", where, i, r.OpID, r.Seq, b.ops[i].op.OpID, b.ops[i].op.Seq))
			}
		}
		ackedAttempts = append(ackedAttempts, a)
	}
	if interrupted {
		st.interruptedBatches++
	}
	if len(ackedAttempts) == 0 {
		return append(errs, fmt.Errorf("%s was never acknowledged", where))
	}
	if len(errs) > 0 {
		return errs
	}
	first := ackedAttempts[0]
	for i, po := range b.ops {
		r0 := first.results[i]
		at := fmt.Sprintf("%s op %d (seq %d, %s)", where, i, po.op.Seq, po.op.Kind)
		if err := checkPlanned(po, r0); err != nil {
			errs = append(errs, fmt.Errorf("%s: first result: %w", at, err))
			continue
		}
		if po.want == expectConflict {
			st.conflictOps++
			for _, a := range ackedAttempts[1:] {
				if err := checkPlanned(po, a.results[i]); err != nil {
					errs = append(errs, fmt.Errorf("%s: resent: %w", at, err))
				}
			}
			continue
		}
		acked[po.op.OpID] = firstResult{dev: b.dev, op: po.op, res: r0}
		if r0.Status == syncproto.StatusApplied {
			st.applied++
			if other, dup := refs[r0.Ref]; dup {
				errs = append(errs, fmt.Errorf("%s: ref %s also belongs to op %s", at, r0.Ref, other))
			}
			refs[r0.Ref] = po.op.OpID
		} else {
			st.rejected++
		}
		switch {
		case r0.Duplicate && firstSendAcked:
			errs = append(errs, fmt.Errorf("%s: duplicate:true on the op's very first send", at))
		case !r0.Duplicate && droppedBeforeAck:
			errs = append(errs, fmt.Errorf("%s: the server answered 200 for it before the stop, yet after the restart it was applied again (duplicate:false)", at))
		case r0.Duplicate:
			st.committedUnacked++
		}
		for _, a := range ackedAttempts[1:] {
			r := a.results[i]
			if !r.Duplicate || r.Status != r0.Status || r.Ref != r0.Ref || !sameError(r.Error, r0.Error) {
				errs = append(errs, fmt.Errorf("%s: resent op got %s dup=%v ref %q err %v; first result was %s ref %q err %v",
					at, r.Status, r.Duplicate, r.Ref, r.Error, r0.Status, r0.Ref, r0.Error))
			}
		}
	}
	return errs
}

// checkPlanned checks a result against what the op was planned to get.
func checkPlanned(po plannedOp, r syncproto.PushResult) error {
	switch po.want {
	case expectApplied:
		if r.Status != syncproto.StatusApplied || r.Error != nil || r.Ref == "" {
			return fmt.Errorf("want applied with a ref, got %s ref %q err %v", r.Status, r.Ref, r.Error)
		}
	default:
		if r.Status != syncproto.StatusRejected || r.Error == nil || r.Error.Code != po.code || r.Ref != "" {
			return fmt.Errorf("want rejected %s without a ref, got %s ref %q err %v", po.code, r.Status, r.Ref, r.Error)
		}
	}
	return nil
}

func sameError(a, b *syncproto.Error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
