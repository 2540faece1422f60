package server_test

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestSampleCandidates(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	t.Run("ops are looked for from a skew before the month to a month after it", func(t *testing.T) {
		from, stop := server.SampleWindow(start, end, time.Hour)
		if !from.Equal(start.Add(-time.Hour)) || !stop.Equal(end.Add(server.LateDelivery)) {
			t.Fatalf("%v %v", from, stop)
		}
	})
	op := server.SampledOp{CourierID: "u1", Kind: syncproto.KindPickup, Status: syncproto.StatusApplied,
		RecordedAt: "2026-11-05T10:00:00Z", Ref: "pk-1"}
	for _, tt := range []struct {
		name    string
		edit    func(*server.SampledOp)
		ok      bool
		primary bool
	}{
		{"an applied pickup of the month is a primary candidate", func(*server.SampledOp) {}, true, true},
		{"a damage report is primary", func(o *server.SampledOp) { o.Kind = syncproto.KindDamageReport }, true, true},
		{"a COD receipt is primary", func(o *server.SampledOp) { o.Kind = syncproto.KindCODReceipt }, true, true},
		{"a callback outcome is primary", func(o *server.SampledOp) { o.Kind = syncproto.KindCallbackOutcome }, true, true},
		{"a vehicle log is a candidate, not primary", func(o *server.SampledOp) { o.Kind = syncproto.KindVehicleLog }, true, false},
		{"a rejected op is not", func(o *server.SampledOp) { o.Status = syncproto.StatusRejected }, false, false},
		{"an op of the month before is not", func(o *server.SampledOp) { o.RecordedAt = "2026-10-31T23:59:59Z" }, false, false},
		{"an op at the month's end is not", func(o *server.SampledOp) { o.RecordedAt = "2026-12-01T00:00:00Z" }, false, false},
		{"an op without a record is not", func(o *server.SampledOp) { o.Ref = "" }, false, false},
		{"an op with an unreadable time is not", func(o *server.SampledOp) { o.RecordedAt = "soon" }, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := op
			tt.edit(&o)
			c, ok := server.SampleCandidateOf(o, start, end)
			if ok != tt.ok || c.Primary != tt.primary || (ok && (c.CourierID != "u1" || c.Ref != "pk-1" || c.Kind != o.Kind)) {
				t.Fatalf("%+v %v", c, ok)
			}
		})
	}
}

func TestActionFilterMatch(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	overdue := server.CorrectiveAction{Status: server.ActionOpen, DueBy: now.Add(-time.Hour)}
	onTime := server.CorrectiveAction{Status: server.ActionOpen, DueBy: now.Add(time.Hour)}
	closedAt := now.Add(-time.Minute)
	closed := server.CorrectiveAction{Status: server.ActionClosed, DueBy: now.Add(-time.Hour), ClosedAt: &closedAt}
	for _, tt := range []struct {
		name string
		f    server.ActionFilter
		a    server.CorrectiveAction
		want bool
	}{
		{"no filter keeps any action", server.ActionFilter{}, closed, true},
		{"status open keeps an open one", server.ActionFilter{Status: server.ActionOpen}, onTime, true},
		{"status open drops a closed one", server.ActionFilter{Status: server.ActionOpen}, closed, false},
		{"overdue keeps one past its due date", server.ActionFilter{Overdue: true}, overdue, true},
		{"overdue drops one still in time", server.ActionFilter{Overdue: true}, onTime, false},
		{"overdue drops one closed before now", server.ActionFilter{Overdue: true}, closed, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.a
			if got := tt.f.Match(&a, now); got != tt.want || a.Overdue != a.OverdueAt(now) {
				t.Fatalf("got %v (overdue %v)", got, a.Overdue)
			}
		})
	}
}

func TestABlobIsHeldWholeUnlessUploading(t *testing.T) {
	for state, whole := range map[string]bool{server.BlobUploading: false, server.BlobStored: true} {
		if m := (server.BlobMeta{State: state}); m.HeldWhole() != whole {
			t.Errorf("%s: %v", state, !whole)
		}
	}
}
