package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// syncBehaviours cover server.SyncService.Push: exactly-once intake.
var syncBehaviours = []behaviour{
	{"a resent op gets its original result marked duplicate, and one effect", resentOpsKeepTheirResults},
	{"an op id reused with other content is op_id_conflict and changes nothing", reusedOpIDConflicts},
	{"concurrent pushes sent twice apply every op exactly once", concurrentPushesApplyOnce},
	{"one bad op never fails its neighbours", badOpSparesNeighbours},
	{"a second pickup of a waybill and a second receipt number are refused", duplicateWaybillAndReceipt},
	{"an uninspected pickup is inspection_required", uninspectedPickupRefused},
	{"a skewed device clock is flagged and its times corrected; a future date without sent_at is refused", skewedClocks},
	{"a resend after the record moved on still gets its original result", resendAfterChange},
	{"the same ops pushed twice at once are applied once", samePushAtOnce},
	{"an amount over 10^12 cents is validation_failed", amountsBounded},
}

func resentOpsKeepTheirResults(t *testing.T, w *world) {
	c := w.courier("resend")
	ops := []syncproto.Op{
		c.op(syncproto.KindPickup, w.now(), pickup("SF10000001", 0)),
		c.op(syncproto.KindPickup, w.now(), pickup("SF10000001", 0)),
		c.op(syncproto.KindCallbackOutcome, w.now(), outcomePayload("cb-1", syncproto.ResultReached, true)),
		c.op(syncproto.KindCODReceipt, w.now(), receipt("SF10000001", "R-1", 700)),
	}
	first := c.send(ops...)
	again := c.send(ops...)
	for i := range first {
		if first[i].Duplicate || !again[i].Duplicate {
			t.Fatalf("op %d: duplicate flags first=%v again=%v", i, first[i].Duplicate, again[i].Duplicate)
		}
		again[i].Duplicate = false
		if !reflect.DeepEqual(first[i], again[i]) {
			t.Fatalf("op %d: resend got %+v, first time %+v", i, again[i], first[i])
		}
	}
	want := []string{"applied", "rejected:duplicate_waybill", "rejected:not_assigned", "applied"}
	for i, r := range first {
		if outcome(r) != want[i] || r.OpID != ops[i].OpID || r.Seq != ops[i].Seq {
			t.Fatalf("op %d: %+v, want %s", i, r, want[i])
		}
	}
	if first[0].Ref == "" || first[3].Ref == "" {
		t.Fatalf("applied ops name their records: %+v", first)
	}
	if tot := w.ledger(server.LedgerFilter{}).Totals; tot.Count != 1 || tot.CollectedCents != 700 {
		t.Fatalf("ledger after a resent receipt: %+v, want one receipt of 700", tot)
	}
	l, err := w.s.Audit.ListOps(w.ctx, server.AuditFilter{Limit: 100})
	if err != nil || len(l.Ops) != 4 {
		t.Fatalf("ListOps = %+v, %v; want the 4 ops once each", l, err)
	}
}

func reusedOpIDConflicts(t *testing.T, w *world) {
	c, other := w.courier("conflict"), w.courier("conflict-2")
	orig := c.op(syncproto.KindPickup, w.now(), pickup("SF20000001", 0))
	if r := c.send(orig)[0]; r.Status != syncproto.StatusApplied {
		t.Fatalf("original: %s", outcome(r))
	}
	variants := map[string]func(o *syncproto.Op){
		"another payload": func(o *syncproto.Op) { o.Payload = []byte(`{"waybill":"SF20000002"}`) },
		"another kind":    func(o *syncproto.Op) { o.Kind = syncproto.KindComplaint },
		"another seq":     func(o *syncproto.Op) { o.Seq = 2 },
	}
	for _, name := range []string{"another payload", "another kind", "another seq"} {
		o := orig
		variants[name](&o)
		if got := outcome(c.send(o)[0]); got != "rejected:op_id_conflict" {
			t.Fatalf("an op id reused with %s: %s", name, got)
		}
	}
	if got := outcome(other.send(orig)[0]); got != "rejected:op_id_conflict" {
		t.Fatalf("an op id reused from another device: %s", got)
	}
	l, err := w.s.Audit.ListOps(w.ctx, server.AuditFilter{Limit: 100})
	if err != nil || len(l.Ops) != 1 || l.Ops[0].Status != syncproto.StatusApplied || l.Ops[0].OpID != orig.OpID {
		t.Fatalf("ops after conflicts: %+v, %v; want the original only", l, err)
	}
	if r := c.send(orig)[0]; !r.Duplicate || r.Status != syncproto.StatusApplied {
		t.Fatalf("the original resent after the conflicts: %+v", r)
	}
}

func badOpSparesNeighbours(t *testing.T, w *world) {
	c := w.courier("mixed")
	bad := pickup("SF30000002", 0)
	bad["weight_g"] = -1
	res := c.send(
		c.op(syncproto.KindPickup, w.now(), pickup("SF30000001", 0)),
		c.op(syncproto.KindPickup, w.now(), bad),
		c.op("teleport", w.now(), map[string]any{}),
		c.op(syncproto.KindPickup, w.now(), pickup("SF30000003", 0)),
	)
	got := []string{outcome(res[0]), outcome(res[1]), outcome(res[2]), outcome(res[3])}
	want := []string{"applied", "rejected:validation_failed", "rejected:unknown_kind", "applied"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("results %v, want %v", got, want)
	}
	for _, wb := range []string{"SF30000001", "SF30000003"} {
		if p, err := w.s.Parcels.Parcel(w.ctx, wb); err != nil || p.Pickup == nil {
			t.Fatalf("Parcel(%s) = %+v, %v", wb, p, err)
		}
	}
	_, err := w.s.Parcels.Parcel(w.ctx, "SF30000002")
	wantCode(t, err, syncproto.CodeNotFound)
}

func duplicateWaybillAndReceipt(t *testing.T, w *world) {
	a, b := w.courier("dup-a"), w.courier("dup-b")
	a.apply(syncproto.KindPickup, pickup("SF40000001", 900))
	a.apply(syncproto.KindCODReceipt, receipt("SF40000001", "R-DUP", 900))
	if got := outcome(b.send(b.op(syncproto.KindPickup, w.now(), pickup("SF40000001", 900)))[0]); got != "rejected:duplicate_waybill" {
		t.Fatalf("another courier's pickup of the waybill: %s", got)
	}
	if got := outcome(b.send(b.op(syncproto.KindCODReceipt, w.now(), receipt("SF40000001", "R-DUP", 900)))[0]); got != "rejected:duplicate_receipt" {
		t.Fatalf("a second receipt R-DUP: %s", got)
	}
	if tot := w.ledger(server.LedgerFilter{}).Totals; tot.CollectedCents != 900 {
		t.Fatalf("collected %d, want 900 once", tot.CollectedCents)
	}
}

func uninspectedPickupRefused(t *testing.T, w *world) {
	c := w.courier("uninspected")
	p := pickup("SF50000001", 0)
	p["inspected"] = false
	if got := outcome(c.send(c.op(syncproto.KindPickup, w.now(), p))[0]); got != "rejected:inspection_required" {
		t.Fatalf("got %s", got)
	}
	_, err := w.s.Parcels.Parcel(w.ctx, "SF50000001")
	wantCode(t, err, syncproto.CodeNotFound)
}

func skewedClocks(t *testing.T, w *world) {
	c := w.courier("skewed")
	now := w.now()
	behind := now.Add(-2 * time.Hour) // the device's clock runs two hours slow
	req := &syncproto.PushRequest{DeviceID: c.p.DeviceID, SentAt: behind.Format(time.RFC3339), Ops: []syncproto.Op{
		c.op(syncproto.KindPickup, behind.Add(-time.Minute), pickup("SF80000001", 500)),
		c.op(syncproto.KindCODReceipt, behind.Add(-time.Minute), receipt("SF80000001", "R-SKEW", 500)),
	}}
	resp, err := w.s.Sync.Push(w.ctx, c.p, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Results {
		if r.Status != syncproto.StatusApplied || !contains(r.Flags, server.FlagClockSkew) {
			t.Fatalf("result %+v, want applied and flagged clock_skew", r)
		}
	}
	if e := w.ledger(server.LedgerFilter{}).Entries; len(e) != 1 || !e[0].CollectedAt.Equal(behind.Add(-time.Minute)) {
		t.Fatalf("collected_at is the device's recorded_at: %+v", e)
	}
	l, err := w.s.Audit.ListOps(w.ctx, server.AuditFilter{Limit: 10})
	if err != nil || len(l.Ops) != 2 || l.Ops[0].RecordedAtCorrected == nil || !l.Ops[0].RecordedAtCorrected.Equal(now.Add(-time.Minute)) {
		t.Fatalf("ops %+v, %v; want recorded_at corrected by the measured skew", l, err)
	}
	res := c.send(
		c.op(syncproto.KindPickup, now.Add(time.Hour), pickup("SF80000002", 0)),
		c.op(syncproto.KindPickup, now, pickup("SF80000003", 0)),
	)
	if outcome(res[0]) != "rejected:validation_failed" || outcome(res[1]) != "applied" || contains(res[1].Flags, server.FlagClockSkew) {
		t.Fatalf("results %s %+v, want the future op refused and its neighbour applied unflagged", outcome(res[0]), res[1])
	}
}

func resendAfterChange(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	task := w.callback(a.p.UserID, "SF81000001")
	o := a.op(syncproto.KindCallbackOutcome, w.now(), outcomePayload(task.TaskID, syncproto.ResultNoAnswer, false))
	first := a.send(o)[0]
	if _, err := w.patch(task.TaskID, server.CallbackPatch{Version: ptr(w.task(task.TaskID).Version), CourierID: b.p.UserID}); err != nil {
		t.Fatal(err)
	}
	again := a.send(o)[0]
	if !again.Duplicate || again.Status != first.Status || again.Ref != first.Ref || len(again.Flags) != len(first.Flags) {
		t.Fatalf("resend after reassignment %+v, first %+v", again, first)
	}
	if v := w.task(task.TaskID); len(v.Outcomes) != 1 {
		t.Fatalf("the resend added an outcome: %+v", v.Outcomes)
	}
}

func amountsBounded(t *testing.T, w *world) {
	c := w.courier("bounds")
	big := pickup("SF82000001", 0)
	big["declared_value_cents"] = int64(1_000_000_000_001)
	ok := pickup("SF82000002", 1_000_000_000_000)
	res := c.send(
		c.op(syncproto.KindPickup, w.now(), big),
		c.op(syncproto.KindPickup, w.now(), ok),
		c.op(syncproto.KindCODReceipt, w.now(), receipt("SF82000002", "R-BIG", 1_000_000_000_001)),
	)
	if got := []string{outcome(res[0]), outcome(res[1]), outcome(res[2])}; fmt.Sprint(got) != "[rejected:validation_failed applied rejected:validation_failed]" {
		t.Fatalf("results %v", got)
	}
	if tot := w.ledger(server.LedgerFilter{}).Totals; tot.Count != 0 {
		t.Fatalf("an over-limit receipt reached the ledger: %+v", tot)
	}
}
