package bolt_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

const inspSeed = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// inspectionFixture: courier A with 8 pickups and 2 COD receipts in March,
// B with one damage report in March and pickups in February, C with only
// a vehicle log in March.
func inspectionFixture(t *testing.T) (*bolt.DB, *dsClock, [3]*dsDevice) {
	clock := newDSClock("2026-04-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a, b, c := newDSDevice(t, db, "courier-a"), newDSDevice(t, db, "courier-b"), newDSDevice(t, db, "courier-c")
	for i := 0; i < 8; i++ {
		a.push("pickup", dsTime(fmt.Sprintf("2026-03-%02dT10:00:00+08:00", i+1)), pickup(fmt.Sprintf("WB-IA-%03d", i)))
	}
	a.push("cod_receipt", dsTime("2026-03-10T10:00:00+08:00"), dsReceipt("WB-IA-001", "R-IA-1", 100))
	a.push("cod_receipt", dsTime("2026-03-11T10:00:00+08:00"), dsReceipt("WB-IA-002", "R-IA-2", 100))
	b.push("pickup", dsTime("2026-02-20T10:00:00+08:00"), pickup("WB-IB-001"))
	b.push("damage_report", dsTime("2026-03-05T10:00:00+08:00"), map[string]any{"waybill": "WB-IB-001", "stage": "transit",
		"severity": "minor", "description": "dent", "photos": []string{"a3f1c9b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f"}})
	c.push("vehicle_log", dsTime("2026-03-07T10:00:00+08:00"), map[string]any{"vehicle_id": "VAN-1", "type": "odometer", "odometer_km": 10})
	return db, clock, [3]*dsDevice{a, b, c}
}

func TestInspectionSampleIsReproducibleAndCoversEveryActiveCourier(t *testing.T) {
	db, _, d := inspectionFixture(t)
	in, err := db.OpenInspection(bg, dsSupervisor, &server.NewInspection{Month: "2026-03", Seed: inspSeed})
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, it := range in.Items {
		per[it.CourierID]++
	}
	if per[d[0].p.UserID] != 5 || per[d[1].p.UserID] != 1 || per[d[2].p.UserID] != 1 || len(in.Couriers) != 3 || in.Status != server.InspectionOpen {
		t.Fatalf("sample %+v (per courier %v)", in, per)
	}
	_, err = db.OpenInspection(bg, dsSupervisor, &server.NewInspection{Month: "2026-03"})
	dsWantCode(t, err, syncproto.CodeConflict)

	again, _, _ := inspectionFixture(t)
	in2, err := again.OpenInspection(bg, dsSupervisor, &server.NewInspection{Month: "2026-03", Seed: inspSeed})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in.Items, in2.Items) || in2.Seed != inspSeed {
		t.Fatalf("same seed, other sample:\n%+v\n%+v", in.Items, in2.Items)
	}
}

func TestCorrectiveActionsShowInTheReportUntilClosed(t *testing.T) {
	db, clock, _ := inspectionFixture(t)
	in, err := db.OpenInspection(bg, dsSupervisor, &server.NewInspection{Month: "2026-03"})
	if err != nil {
		t.Fatal(err)
	}
	report := func(month string) *server.QualityReport {
		rep, err := db.QualityReport(bg, month)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := report("2026-03"); !rep.InspectionMissing || rep.InspectionsDone != 0 {
		t.Fatalf("open inspection: %+v", rep)
	}
	var actionID string
	for i, it := range in.Items {
		mark := &server.ItemMark{Result: server.ItemPass}
		if i == 0 {
			mark = &server.ItemMark{Result: server.ItemFail, Finding: "receipt without signature"}
		}
		got, err := db.MarkItem(bg, dsSupervisor, in.InspectionID, it.ItemID, mark)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			actionID = got.Items[0].ActionID
		}
		in = got
	}
	_, err = db.MarkItem(bg, dsSupervisor, in.InspectionID, in.Items[0].ItemID, &server.ItemMark{Result: server.ItemPass})
	dsWantCode(t, err, syncproto.CodeConflict)
	rep := report("2026-03")
	if in.Status != server.InspectionCompleted || rep.InspectionMissing || rep.InspectionsDone != 1 || rep.InspectionItemsChecked != int64(len(in.Items)) ||
		rep.InspectionFailures != 1 || rep.CorrectiveActionsOpen != 0 {
		t.Fatalf("completed: %+v", rep.QualityFigures)
	}
	// Actions are open or overdue as of the report's time, like every
	// past-due figure: the one opened on 2 April shows from April on.
	if rep := report("2026-04"); rep.CorrectiveActionsOpen != 1 || rep.CorrectiveActionsOverdue != 0 || !rep.InspectionMissing {
		t.Fatalf("April: %+v", rep.QualityFigures)
	}
	if rep := report("2026-02"); !rep.InspectionMissing {
		t.Fatal("February has no inspection and is not flagged")
	}
	clock.Set(dsTime("2026-04-20T09:00:00+08:00"))
	if rep := report("2026-04"); rep.CorrectiveActionsOpen != 1 || rep.CorrectiveActionsOverdue != 1 {
		t.Fatalf("overdue action not reported: %+v", rep.QualityFigures)
	}
	l, err := db.ListActions(bg, server.ActionFilter{Overdue: true})
	if err != nil || len(l.Actions) != 1 || l.Actions[0].ActionID != actionID || l.Actions[0].Owner != in.Items[0].CourierID {
		t.Fatalf("overdue list %+v, %v", l, err)
	}
	if _, err := db.CloseAction(bg, dsSupervisor, actionID, &server.ActionClose{Note: "retrained"}); err != nil {
		t.Fatal(err)
	}
	_, err = db.CloseAction(bg, dsSupervisor, actionID, &server.ActionClose{})
	dsWantCode(t, err, syncproto.CodeConflict)
	if rep := report("2026-04"); rep.CorrectiveActionsOpen != 0 || rep.CorrectiveActionsOverdue != 0 {
		t.Fatalf("closed action still reported: %+v", rep.QualityFigures)
	}
}
