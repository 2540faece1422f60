package bolt_test

import (
	"context"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Issue 8 item 4: a complaint dated 2099 never breached and a receipt dated
// 2099 was never overdue. A device that says so by its sent_at (its clock
// runs 73 years fast) gets its ops accepted, flagged, and its deadlines run
// from the corrected times.
func TestDeadlinesRunFromCorrectedTimesOfAFastDevice(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := w.clock.Now()
	ahead := now.AddDate(73, 0, 0)
	complaint := map[string]any{"category": "delay", "description": "late", "received_at": ahead.Add(-time.Hour).Format(time.RFC3339),
		"customer": map[string]any{"name": custName, "phone": custPhone}}
	receipt := map[string]any{"waybill": "SF2099000002", "receipt_no": "R-2099", "amount_cents": 2500, "method": "cash"}
	resp, err := w.db.Push(ctx, w.alice, &syncproto.PushRequest{DeviceID: w.alice.DeviceID, SentAt: ahead.Format(time.RFC3339),
		Ops: []syncproto.Op{op(syncproto.KindComplaint, 1, ahead, complaint), op(syncproto.KindCODReceipt, 2, ahead.Add(-time.Minute), receipt)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Results {
		if r.Status != syncproto.StatusApplied || !containsFlag(r.Flags, server.FlagClockSkew) {
			t.Fatalf("result %+v, want applied and flagged clock_skew", r)
		}
	}
	cl, err := w.db.ListComplaints(ctx, server.ComplaintFilter{Limit: 10})
	if err != nil || len(cl.Complaints) != 1 {
		t.Fatalf("complaints %+v, %v", cl, err)
	}
	if due := cl.Complaints[0].DueBy; !due.Equal(now.Add(-time.Hour).Add(7 * 24 * time.Hour)) {
		t.Fatalf("due_by %s, want 7 days after the corrected received_at (%s)", due, now.Add(-time.Hour))
	}
	page, err := w.db.ListLedger(ctx, server.LedgerFilter{})
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("ledger %+v, %v", page, err)
	}
	if got := page.Entries[0].CollectedAt; !got.Equal(now.Add(-time.Minute)) {
		t.Fatalf("collected_at %s, want the corrected %s", got, now.Add(-time.Minute))
	}
	w.clock.Add(40 * 24 * time.Hour)
	over, err := w.db.ListLedger(ctx, server.LedgerFilter{Overdue: true})
	if err != nil || len(over.Entries) != 1 {
		t.Fatalf("40 days on, the receipt is not overdue: %+v, %v", over, err)
	}
}

// Without sent_at, an op dated ahead of the server by more than the limit
// is rejected with a message naming the field, its neighbours applied.
func TestFutureDatesWithoutSentAtAreRejected(t *testing.T) {
	w := newWorld(t)
	now := w.clock.Now()
	res := push(t, w.db, w.alice,
		op(syncproto.KindCODReceipt, 1, now.Add(11*time.Minute), map[string]any{"waybill": "SF2099000003", "receipt_no": "R-F1", "amount_cents": 1, "method": "cash"}),
		op(syncproto.KindCODReceipt, 2, now.Add(9*time.Minute), map[string]any{"waybill": "SF2099000003", "receipt_no": "R-F2", "amount_cents": 1, "method": "cash"}),
		op(syncproto.KindComplaint, 3, now, map[string]any{"category": "delay", "description": "late", "received_at": now.Add(time.Hour).Format(time.RFC3339),
			"customer": map[string]any{"name": custName, "phone": custPhone}}))
	if codeOf(res[0]) != "rejected:validation_failed" || res[0].Error.Message[:len("recorded_at:")] != "recorded_at:" {
		t.Fatalf("11 minutes ahead: %+v", res[0])
	}
	if res[1].Status != syncproto.StatusApplied || containsFlag(res[1].Flags, server.FlagClockSkew) {
		t.Fatalf("9 minutes ahead (within the limit): %+v", res[1])
	}
	if codeOf(res[2]) != "rejected:validation_failed" || res[2].Error.Message[:len("received_at:")] != "received_at:" {
		t.Fatalf("a complaint received an hour ahead: %+v", res[2])
	}
}

func containsFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}
