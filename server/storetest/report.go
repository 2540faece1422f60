package storetest

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// reportBehaviours cover server.ReportService.
var reportBehaviours = []behaviour{
	{"the quality report of a hand-computed month, company and per courier", qualityReport},
	{"report months are checked", reportMonths},
}

// at is a time in the company time zone.
func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, Start.Location())
}

// reportFixture records February 2026 (and its edges) for couriers A and B.
func reportFixture(w *world) (a, b *device) {
	a, b = w.courier("courier-a"), w.courier("courier-b")
	on := func(t time.Time, d *device, kind string, payload any) syncproto.PushResult {
		w.clock.Set(t)
		return d.apply(kind, payload)
	}
	// January: A collects 700 (due 20 February, never settled).
	on(at(1, 20, 10, 0), a, syncproto.KindPickup, pickup("WB-RP-J01", 700))
	on(at(1, 20, 10, 5), a, syncproto.KindCODReceipt, receipt("WB-RP-J01", "R-JAN", 700))
	// February: A 2 pickups (one at 23:59 on the 28th), B 1; A's complaint
	// of 10 February, still open (due 17 February).
	on(at(2, 10, 10, 0), a, syncproto.KindPickup, pickup("WB-RP-001", 0))
	on(at(2, 10, 11, 0), b, syncproto.KindPickup, pickup("WB-RP-002", 0))
	on(at(2, 10, 12, 0), a, syncproto.KindComplaint, complaintPayload("WB-RP-001", at(2, 10, 12, 0)))
	on(at(2, 28, 23, 59), a, syncproto.KindPickup, pickup("WB-RP-003", 0))
	// Scores: A's 5, B's 3.
	w.clock.Set(at(2, 11, 9, 0))
	ta, tb := w.callback(a.p.UserID, "WB-RP-001"), w.callback(b.p.UserID, "WB-RP-002")
	on(at(2, 11, 10, 0), a, syncproto.KindCallbackOutcome, outcomePayload(ta.TaskID, syncproto.ResultReached, true))
	score3 := outcomePayload(tb.TaskID, syncproto.ResultReached, true)
	score3["satisfaction"] = 3
	on(at(2, 11, 11, 0), b, syncproto.KindCallbackOutcome, score3)
	// March: B's pickup at 00:05 on the 1st is not February's.
	on(at(3, 1, 0, 5), b, syncproto.KindPickup, pickup("WB-RP-004", 0))
	w.clock.Set(Start)
	return a, b
}

func qualityReport(t *testing.T, w *world) {
	a, b := reportFixture(w)
	rep, err := w.s.Reports.QualityReport(w.ctx, "2026-02")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.From.Equal(at(2, 1, 0, 0)) || !rep.To.Equal(at(3, 1, 0, 0)) || !rep.AsOf.Equal(at(3, 1, 0, 0)) || rep.Month != "2026-02" {
		t.Fatalf("report bounds %s – %s as of %s", rep.From, rep.To, rep.AsOf)
	}
	f := rep.QualityFigures
	if f.Pickups != 3 || f.Complaints != 1 || f.SatisfactionScores != 2 || f.SatisfiedScores != 1 || f.ComplaintsPastDue != 1 ||
		f.CODPastDueCount != 1 || f.CODPastDueCents != 700 || f.VehiclesNeedingAttention != 0 || f.ClaimsFiled != 0 {
		t.Fatalf("company figures %+v", f)
	}
	if f.SatisfactionSharePercent == nil || *f.SatisfactionSharePercent != 50 || f.ComplaintRatePercent == nil || *f.ComplaintRatePercent < 33.3 || *f.ComplaintRatePercent > 33.34 {
		t.Fatalf("shares: satisfied %v %%, complaint rate %v %%", f.SatisfactionSharePercent, f.ComplaintRatePercent)
	}
	if !rep.InspectionMissing {
		t.Fatal("a month without a completed inspection is not flagged")
	}
	by := map[string]server.QualityFigures{}
	for _, c := range rep.ByCourier {
		by[c.CourierID] = c.QualityFigures
	}
	if fa := by[a.p.UserID]; fa.Pickups != 2 || fa.Complaints != 1 || fa.SatisfactionScores != 1 || fa.ComplaintsPastDue != 1 || fa.CODPastDueCents != 700 {
		t.Fatalf("A's figures %+v", fa)
	}
	if fb := by[b.p.UserID]; fb.Pickups != 1 || fb.Complaints != 0 || fb.SatisfactionScores != 1 || fb.SatisfiedScores != 0 || fb.CODPastDueCount != 0 {
		t.Fatalf("B's figures %+v", fb)
	}
}

func reportMonths(t *testing.T, w *world) {
	for _, m := range []string{"2026-13", "March", "2026-3", "2026-04"} {
		_, err := w.s.Reports.QualityReport(w.ctx, m)
		wantCode(t, err, syncproto.CodeInvalidRequest)
	}
	cur, err := w.s.Reports.QualityReport(w.ctx, "")
	if err != nil || cur.Month != "2026-03" || !cur.AsOf.Equal(w.now()) {
		t.Fatalf("the current month's report %+v, %v", cur, err)
	}
}
