package bolt_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

// reportFixture builds March 2026 (Shanghai) for two couriers, A and B,
// with records on both sides of the month's edges. The figures the tests
// expect are worked out by hand in the comments.
func reportFixture(t *testing.T) (*bolt.DB, *dsClock, *dsDevice, *dsDevice) {
	t.Helper()
	clock := newDSClock("2026-01-01T08:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now, SkewLimit: futureHistory})
	a, b := newDSDevice(t, db, "courier-a"), newDSDevice(t, db, "courier-b")
	set := func(s string) { clock.Set(dsTime(s)) }
	tm := dsTime

	// Vehicles, registered on 1 January with 90 days / 10,000 km.
	for _, id := range []string{"V1", "V2", "V3"} {
		register(t, db, id, 10_000, 90)
	}
	a.push("vehicle_log", tm("2026-01-01T08:00:00+08:00"), serviceLog("V1", 1000)) // due 1 April 08:00
	a.push("vehicle_log", tm("2026-03-20T10:00:00+08:00"), odometer("V1", 5000))   // A drove V1 in March
	a.push("vehicle_log", tm("2026-03-01T09:00:00+08:00"), serviceLog("V2", 2000)) // A drove V2 in March
	b.push("vehicle_log", tm("2026-03-15T09:00:00+08:00"), inspectionLog("V2", 2100, "horn"))
	b.push("vehicle_log", tm("2026-03-10T09:00:00+08:00"), serviceLog("V3", 3000)) // fine
	set("2026-04-05T09:00:00+08:00")
	register(t, db, "V4", 10_000, 90) // registered after March: not in March's figures
	set("2026-04-02T09:00:00+08:00")
	df, err := db.VehicleDefects(bg, "V2", "", 10)
	if err != nil || len(df.Defects) != 1 {
		t.Fatalf("V2 defects: %+v, %v", df, err)
	}
	if _, err := db.CertifyDefect(bg, dsSupervisor, "V2", df.Defects[0].DefectID, &server.CertifyDefect{Resolution: "repaired", Note: "new horn"}); err != nil {
		t.Fatal(err)
	}

	// Pickups by recorded_at: A 3 in March (one at 00:05 on 1 March, still
	// February in UTC; one at 23:50 on 31 March), B 2; one each side.
	for i, at := range []string{"2026-02-28T23:59:00+08:00", "2026-03-01T00:05:00+08:00", "2026-03-15T12:00:00+08:00", "2026-03-31T23:50:00+08:00", "2026-04-01T00:01:00+08:00"} {
		a.push("pickup", tm(at), dsPickup(fmt.Sprintf("WB-PA-%03d", i), 0))
	}
	for i, at := range []string{"2026-03-03T10:00:00+08:00", "2026-03-04T10:00:00+08:00"} {
		b.push("pickup", tm(at), dsPickup(fmt.Sprintf("WB-PB-%03d", i), 0))
	}

	// Complaints.
	transition := func(id string, to ...string) {
		for _, s := range to {
			if _, err := db.TransitionComplaint(bg, dsDispatcher, id, &server.ComplaintTransition{To: s}); err != nil {
				t.Fatal(err)
			}
		}
	}
	dispatch := func(received, courier string) string {
		r := newComplaint(received, server.ChannelPhone)
		r.CourierID = courier
		c, err := db.CreateComplaint(bg, dsDispatcher, r)
		if err != nil {
			t.Fatal(err)
		}
		return c.ComplaintID
	}
	set("2026-03-31T23:40:00+08:00")
	a.push("complaint", clock.Now(), complaintOp(tm("2026-03-31T23:30:00+08:00"))) // March, due 7 April
	dispatch("2026-03-20T10:00:00+08:00", a.p.UserID)                              // March, open, due 27 March: past due
	set("2026-03-06T09:00:00+08:00")
	onTime := b.push("complaint", clock.Now(), complaintOp(tm("2026-03-05T10:00:00+08:00"))).Ref
	set("2026-03-10T09:00:00+08:00")
	transition(onTime, "verified", "handled", "closed") // closed in time
	set("2026-03-11T09:00:00+08:00")
	exempt := dispatch("2026-03-10T10:00:00+08:00", b.p.UserID) // March, open, due 17 March: past due, B exempted
	yes := true
	if _, err := db.TransitionComplaint(bg, dsDispatcher, exempt, &server.ComplaintTransition{To: "verified", Note: "weather", ExemptCourier: &yes}); err != nil {
		t.Fatal(err)
	}
	set("2026-02-26T11:00:00+08:00")
	late := dispatch("2026-02-26T10:00:00+08:00", a.p.UserID) // February; due 5 March, closed 5 April: past due at March's end
	set("2026-04-05T09:00:00+08:00")
	transition(late, "verified", "handled", "closed")
	set("2026-04-01T00:40:00+08:00")
	dispatch("2026-04-01T00:30:00+08:00", "") // April, nobody's

	// Satisfaction: in March A scores 5 and 3, B 4, and A has an unscored
	// no-answer; in April A scores 1.
	score := func(d *dsDevice, at string, result string, score int) {
		set(at)
		task, err := db.CreateCallback(bg, dsDispatcher, &server.NewCallback{CourierID: d.p.UserID, Waybill: "WB-PA-001",
			Reason: "follow up", Customer: syncproto.Customer{Name: "张伟", Phone: "13812345678"}})
		if err != nil {
			t.Fatal(err)
		}
		o := map[string]any{"task_id": task.TaskID, "result": result, "resolved": result == "reached", "note": "called"}
		if score > 0 {
			o["satisfaction"] = score
		}
		d.push("callback_outcome", clock.Now(), o)
	}
	score(a, "2026-03-12T10:00:00+08:00", "reached", 5)
	score(a, "2026-03-13T10:00:00+08:00", "reached", 3)
	score(a, "2026-03-14T10:00:00+08:00", "no_answer", 0)
	score(b, "2026-03-31T23:00:00+08:00", "reached", 4)
	score(a, "2026-04-01T10:00:00+08:00", "reached", 1)

	// COD (due one month after collection).
	rc := func(d *dsDevice, at, no string, cents int64) {
		d.push("cod_receipt", tm(at), dsReceipt("WB-COD-"+no, no, cents))
	}
	rc(a, "2026-02-10T10:00:00+08:00", "A-FEB10", 1000) // open: past due
	rc(a, "2026-02-20T10:00:00+08:00", "A-FEB20", 2000) // settled 3 April: past due at March's end
	rc(a, "2026-02-25T10:00:00+08:00", "A-FEB25", 500)  // settled 20 March: not
	rc(a, "2026-02-28T23:30:00+08:00", "A-FEB28", 300)  // reversed: never owed
	rc(b, "2026-01-15T10:00:00+08:00", "B-JAN15", 700)  // handed over, unsettled: past due
	rc(b, "2026-03-05T10:00:00+08:00", "B-MAR05", 900)  // due 5 April: not at March's end
	rc(b, "2026-02-27T10:00:00+08:00", "B-FEB27", 400)  // corrected to 450: past due
	set("2026-03-18T09:00:00+08:00")
	for _, h := range []struct {
		d   *dsDevice
		nos []string
	}{{a, []string{"A-FEB20", "A-FEB25"}}, {b, []string{"B-JAN15"}}} {
		if _, err := db.HandOver(bg, dsDispatcher, &server.HandoverRequest{CourierID: h.d.p.UserID, ReceiptNos: h.nos, CountedCents: i64p(0)}); err != nil {
			t.Fatal(err)
		}
	}
	set("2026-03-20T09:00:00+08:00")
	if _, err := db.Settle(bg, dsSupervisor, &server.SettlementRequest{ReceiptNos: []string{"A-FEB25"}, Reference: "S1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reverse(bg, dsSupervisor, &server.ReversalRequest{ReceiptNo: "A-FEB28", Reason: "test receipt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reverse(bg, dsSupervisor, &server.ReversalRequest{ReceiptNo: "B-FEB27", Reason: "miscounted", CorrectedAmountCents: i64p(450)}); err != nil {
		t.Fatal(err)
	}
	set("2026-04-03T09:00:00+08:00")
	if _, err := db.Settle(bg, dsSupervisor, &server.SettlementRequest{ReceiptNos: []string{"A-FEB20"}, Reference: "S2"}); err != nil {
		t.Fatal(err)
	}
	set("2026-04-10T12:00:00+08:00")
	return db, clock, a, b
}

func figures(pickups, complaints, scores, satisfied, cpPastDue, codCount, codCents, vehicles int64) server.QualityFigures {
	f := server.QualityFigures{QualityFigures: syncproto.QualityFigures{Pickups: pickups, Complaints: complaints, SatisfactionScores: scores,
		ComplaintsPastDue: cpPastDue, CODPastDueCount: codCount, CODPastDueCents: codCents, VehiclesNeedingAttention: vehicles}, SatisfiedScores: satisfied}
	f.Finish()
	return f
}

func TestQualityReportOfAHandComputedMonth(t *testing.T) {
	db, _, a, b := reportFixture(t)
	rep, err := db.QualityReport(bg, "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	// Company: 5 pickups; 4 complaints received in March (the exempted one
	// counts for the company); 3 scores, 2 of them 4–5; past due at
	// 1 April 00:00: complaints of 20 March, 26 February (closed late)
	// and the exempted one; COD A-FEB10 1000, A-FEB20 2000, B-JAN15 700,
	// B-FEB27's correction 450; vehicles V1 (service due 1 April 08:00)
	// and V2 (horn certified 2 April).
	want := figures(5, 4, 3, 2, 3, 4, 4150, 2)
	if !reflect.DeepEqual(rep.QualityFigures, want) {
		t.Fatalf("company figures\n got %+v\nwant %+v", rep.QualityFigures, want)
	}
	if rep.ComplaintRatePercent == nil || *rep.ComplaintRatePercent != 80 || *rep.ComplaintsPerMillion != 800_000 || *rep.SatisfactionSharePercent != 66.67 {
		t.Fatalf("rates %v %% / %v per million / %v %% satisfied", *rep.ComplaintRatePercent, *rep.ComplaintsPerMillion, *rep.SatisfactionSharePercent)
	}
	if !rep.AsOf.Equal(dsTime("2026-04-01T00:00:00+08:00")) {
		t.Fatalf("as_of %s, want the end of March", rep.AsOf)
	}
	wantBy := []server.CourierQuality{
		// A: 3 pickups, 2 complaints, scores 5 and 3, past due: two
		// complaints, A-FEB10 and A-FEB20; drove V1 and V2.
		{CourierID: a.p.UserID, QualityFigures: figures(3, 2, 2, 1, 2, 2, 3000, 2)},
		// B: 2 pickups, 1 complaint (the exempted one is not B's), score
		// 4, no complaint past due of B's own, B-JAN15 and the 450
		// correction; drove V2 and V3 (V3 fine).
		{CourierID: b.p.UserID, QualityFigures: figures(2, 1, 1, 1, 0, 2, 1150, 1)},
	}
	if !reflect.DeepEqual(rep.ByCourier, wantBy) {
		t.Fatalf("by courier\n got %+v\nwant %+v", rep.ByCourier, wantBy)
	}

	t.Run("the current month's past-due figures are as of now", func(t *testing.T) {
		rep, err := db.QualityReport(bg, "2026-04")
		if err != nil {
			t.Fatal(err)
		}
		// At 10 April 12:00: complaints open past due: 20 March (A),
		// 10 March (exempt), 31 March 23:30 (A, due 7 April), 1 April
		// (nobody's, due 8 April). COD: A-FEB10 1000, B-JAN15 700, the
		// 450 correction, B-MAR05 900 (due 5 April). Vehicles: V1 only.
		// April's pickups: A's one at 00:01; score: A's 1.
		want := figures(1, 1, 1, 0, 4, 4, 3050, 1)
		if !reflect.DeepEqual(rep.QualityFigures, want) {
			t.Fatalf("April\n got %+v\nwant %+v", rep.QualityFigures, want)
		}
		if !rep.AsOf.Equal(dsTime("2026-04-10T12:00:00+08:00")) {
			t.Fatalf("as_of %s, want now", rep.AsOf)
		}
	})
	t.Run("the CSV carries the same figures", func(t *testing.T) {
		var buf bytes.Buffer
		if err := rep.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(rows) != 4 {
			t.Fatalf("csv rows %v, %v", rows, err)
		}
		if got := fmt.Sprint(rows[1]); got != "[2026-03  5 4 80.00 800000.00 3 66.67 3 4 4150 2 0 0 n/a 0 0 0 0 0]" {
			t.Fatalf("company row %s", got)
		}
		if rows[2][1] != a.p.UserID || rows[3][1] != b.p.UserID {
			t.Fatalf("courier rows %v", rows[2:])
		}
	})
	t.Run("months are checked", func(t *testing.T) {
		for _, m := range []string{"2026-13", "March", "2026-3", "2026-05"} {
			_, err := db.QualityReport(bg, m)
			dsWantCode(t, err, syncproto.CodeInvalidRequest)
		}
	})
}
