package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// inspectionBehaviours cover server.InspectionService (and through it the
// store's server.InspectionTx).
var inspectionBehaviours = []behaviour{
	{"a month's sample covers every active courier, is kept as drawn, and a month opens once", inspectionSample},
	{"marking items completes the inspection; a failure opens a corrective action until closed", inspectionActions},
}

const inspSeed = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// inspectionFixture records February's work: courier A with 8 pickups and
// 2 COD receipts, B with one damage report, C with only a vehicle log;
// then moves the clock to 2 March.
func inspectionFixture(w *world) [3]*device {
	a, b, c := w.courier("courier-a"), w.courier("courier-b"), w.courier("courier-c")
	w.clock.Set(time.Date(2026, 2, 1, 9, 0, 0, 0, Start.Location()))
	day := func(d int) time.Time { return time.Date(2026, 2, d, 10, 0, 0, 0, Start.Location()) }
	for i := 0; i < 8; i++ {
		w.clock.Set(day(i + 1))
		a.apply(syncproto.KindPickup, pickup(fmt.Sprintf("WB-IA-%03d", i), 100))
	}
	w.clock.Set(day(10))
	a.apply(syncproto.KindCODReceipt, receipt("WB-IA-001", "R-IA-1", 100))
	a.apply(syncproto.KindCODReceipt, receipt("WB-IA-002", "R-IA-2", 100))
	b.apply(syncproto.KindDamageReport, map[string]any{"waybill": "WB-IA-003", "stage": syncproto.StageTransit,
		"severity": syncproto.SeverityMinor, "description": "dent", "photos": []string{digest(0xa3)}})
	c.apply(syncproto.KindVehicleLog, odometer("VAN-1", 10))
	w.clock.Set(Start)
	return [3]*device{a, b, c}
}

func inspectionSample(t *testing.T, w *world) {
	d := inspectionFixture(w)
	in, err := w.s.Inspections.OpenInspection(w.ctx, w.sup, &server.NewInspection{Month: "2026-02", Seed: inspSeed})
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, it := range in.Items {
		per[it.CourierID]++
	}
	n := server.DefaultSettings().InspectionItems
	if per[d[0].p.UserID] != n || per[d[1].p.UserID] != 1 || per[d[2].p.UserID] != 1 || len(in.Couriers) != 3 || in.Status != syncproto.InspectionOpen || in.Seed != inspSeed {
		t.Fatalf("sample %+v (per courier %v)", in, per)
	}
	_, err = w.s.Inspections.OpenInspection(w.ctx, w.sup, &server.NewInspection{Month: "2026-02"})
	wantCode(t, err, syncproto.CodeConflict)
	got, err := w.s.Inspections.Inspection(w.ctx, in.InspectionID)
	if err != nil || !reflect.DeepEqual(itemRefs(got.Items), itemRefs(in.Items)) {
		t.Fatalf("stored inspection %+v, %v", got, err)
	}
	_, err = w.s.Inspections.Inspection(w.ctx, "in-1999-01")
	wantCode(t, err, syncproto.CodeNotFound)
	if _, err := w.s.Inspections.OpenInspection(w.ctx, w.sup, &server.NewInspection{Month: "2026-01", Seed: inspSeed}); err != nil {
		t.Fatal(err)
	}
	l, err := w.s.Inspections.ListInspections(w.ctx, "", 10)
	if err != nil || len(l.Inspections) != 2 || l.Inspections[0].Month != "2026-02" {
		t.Fatalf("inspections %+v, %v; want newest month first", l, err)
	}
}

func inspectionActions(t *testing.T, w *world) {
	inspectionFixture(w)
	in, err := w.s.Inspections.OpenInspection(w.ctx, w.sup, &server.NewInspection{Month: "2026-02", Seed: inspSeed})
	if err != nil {
		t.Fatal(err)
	}
	var actionID string
	for i, it := range in.Items {
		mark := &server.ItemMark{Result: syncproto.ItemPass}
		if i == 0 {
			mark = &server.ItemMark{Result: syncproto.ItemFail, Finding: "receipt without signature"}
		}
		got, err := w.s.Inspections.MarkItem(w.ctx, w.sup, in.InspectionID, it.ItemID, mark)
		if err != nil {
			t.Fatal(err)
		}
		in = got
	}
	actionID = in.Items[0].ActionID
	if in.Status != syncproto.InspectionCompleted || in.CompletedAt == nil || actionID == "" {
		t.Fatalf("marked inspection %+v", in)
	}
	_, err = w.s.Inspections.MarkItem(w.ctx, w.sup, in.InspectionID, in.Items[0].ItemID, &server.ItemMark{Result: syncproto.ItemPass})
	wantCode(t, err, syncproto.CodeConflict)
	open, err := w.s.Inspections.ListActions(w.ctx, server.ActionFilter{Status: syncproto.ActionOpen, Limit: 10})
	if err != nil || len(open.Actions) != 1 || open.Actions[0].ActionID != actionID || open.Actions[0].Status != syncproto.ActionOpen {
		t.Fatalf("open actions %+v, %v", open, err)
	}
	w.clock.Set(open.Actions[0].DueBy.Add(time.Hour))
	if od, err := w.s.Inspections.ListActions(w.ctx, server.ActionFilter{Overdue: true, Limit: 10}); err != nil || len(od.Actions) != 1 || !od.Actions[0].Overdue {
		t.Fatalf("overdue actions %+v, %v", od, err)
	}
	closed, err := w.s.Inspections.CloseAction(w.ctx, w.sup, actionID, &server.ActionClose{Note: "signatures checked"})
	if err != nil || closed.Status != syncproto.ActionClosed || closed.ClosedBy != w.sup.UserID || closed.ClosedAt == nil {
		t.Fatalf("close %+v, %v", closed, err)
	}
	_, err = w.s.Inspections.CloseAction(w.ctx, w.sup, actionID, &server.ActionClose{Note: "again"})
	wantCode(t, err, syncproto.CodeConflict)
	if od, err := w.s.Inspections.ListActions(w.ctx, server.ActionFilter{Overdue: true, Limit: 10}); err != nil || len(od.Actions) != 0 {
		t.Fatalf("a closed action is still overdue: %+v, %v", od, err)
	}
}

// itemRefs is what an item is: its id, courier, kind and record.
func itemRefs(items []server.InspectionItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ItemID+"/"+it.CourierID+"/"+it.Kind+"/"+it.Ref+"/"+it.Result)
	}
	return out
}
