package server_test

import (
	"math"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// novemberTally is the tally of November 2026 (Shanghai) made at now.
func novemberTally(t *testing.T, now time.Time) *server.QualityTally {
	t.Helper()
	q, err := server.NewQualityTally("2026-11", now, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// line returns a courier's figures in the report, nil if absent.
func line(rep *server.QualityReport, id string) *server.QualityFigures {
	for i := range rep.ByCourier {
		if rep.ByCourier[i].CourierID == id {
			return &rep.ByCourier[i].QualityFigures
		}
	}
	return nil
}

func TestQualityTallyPeriod(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, shanghai)
	for _, tt := range []struct {
		name, month, want string
		current           bool
		asOf              time.Time
	}{
		{"no month is the current month, as of now", "", "2026-12", true, now},
		{"an earlier month is as of its end", "2026-11", "2026-11", false, time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, err := server.NewQualityTally(tt.month, now, shanghai)
			if err != nil || q.Month != tt.want || q.Current != tt.current || !q.AsOf.Equal(tt.asOf) {
				t.Fatalf("%+v %v", q, err)
			}
		})
	}
	for _, month := range []string{"2027-01", "2026-13", "26-11", "2026-1"} {
		t.Run(month+" is refused", func(t *testing.T) {
			if _, err := server.NewQualityTally(month, now, shanghai); codeOf(err) != syncproto.CodeInvalidRequest {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestQualityTallyCounts(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, shanghai)
	q := novemberTally(t, now)
	end := q.End
	q.AddPickups("u2", 150)
	q.AddPickups("u10", 50)
	q.AddScores("u2", 4, 3)
	q.AddComplaint("u2", false)
	q.AddComplaint("u10", true) // exempted: the company's only
	q.AddComplaint("", false)
	// Past due at as_of (the month's end): open and due before; closed after.
	q.AddComplaintPastDue("u2", false, end.Add(-time.Hour), time.Time{})
	q.AddComplaintPastDue("u2", false, end.Add(-time.Hour), end.Add(time.Hour))
	q.AddComplaintPastDue("u2", false, end.Add(-time.Hour), end.Add(-time.Minute)) // closed in time
	q.AddComplaintPastDue("u2", false, end, time.Time{})                           // not yet due
	q.AddComplaintPastDue("u10", true, end.Add(-time.Hour), time.Time{})
	rep := q.Report(true, shanghai)
	u2, u10 := line(rep, "u2"), line(rep, "u10")
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"company pickups", rep.Pickups, 200},
		{"u2 pickups", u2.Pickups, 150},
		{"company complaints count the exempted", rep.Complaints, 3},
		{"a courier's line leaves out an exempted complaint", u10.Complaints, 0},
		{"company past due", rep.ComplaintsPastDue, 3},
		{"u2 past due", u2.ComplaintsPastDue, 2},
		{"u10 past due (exempted)", u10.ComplaintsPastDue, 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	if *rep.ComplaintRatePercent != 1.5 || *u2.SatisfactionSharePercent != 75 || rep.InspectionMissing {
		t.Fatalf("rates %v %v", *rep.ComplaintRatePercent, *u2.SatisfactionSharePercent)
	}
	if rep.ByCourier[0].CourierID != "u2" || rep.ByCourier[1].CourierID != "u10" {
		t.Fatalf("order %+v", rep.ByCourier)
	}
	if !q.ReadsClosedComplaints() || novemberTally(t, time.Date(2026, 11, 20, 0, 0, 0, 0, shanghai)).ReadsClosedComplaints() {
		t.Fatal("closed complaints are read for an earlier month only")
	}
}

func TestQualityTallyCOD(t *testing.T) {
	s := server.DefaultSettings()
	s.Location = shanghai
	nov := server.MonthIndex(time.Date(2026, 11, 15, 0, 0, 0, 0, shanghai), shanghai)
	t.Run("month indexes number calendar months in the company zone", func(t *testing.T) {
		if nov != 2026*12+10 || !server.MonthOfIndex(nov, shanghai).Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai)) {
			t.Fatalf("nov %d", nov)
		}
		utcEve := time.Date(2026, 10, 31, 20, 0, 0, 0, time.UTC) // 1 November in Shanghai
		if server.MonthIndex(utcEve, shanghai) != nov {
			t.Fatal("the company zone decides the month")
		}
	})
	t.Run("for an earlier month, receipts collected a month before are due by its end", func(t *testing.T) {
		q := novemberTally(t, time.Date(2026, 12, 6, 0, 0, 0, 0, shanghai))
		scan := q.CODPastDueScan(s)
		if scan.LastWholeMonth != nov-1 || scan.Entries {
			t.Fatalf("scan %+v", scan)
		}
		q.AddCODPastDue("u1", 2, 500)
		q.AddCODSettledLater(nov+1, "u1", 1, 100) // settled in December: unsettled at the end of November
		q.AddCODSettledLater(nov, "u1", 1, 100)   // settled in November
		rep := q.Report(false, shanghai)
		if rep.CODPastDueCount != 3 || rep.CODPastDueCents != 600 || line(rep, "u1").CODPastDueCents != 600 || !rep.InspectionMissing {
			t.Fatalf("%+v", rep.QualityFigures)
		}
	})
	t.Run("for the current month, last month's receipts are read one by one against now", func(t *testing.T) {
		now := time.Date(2026, 11, 20, 12, 0, 0, 0, shanghai)
		q := novemberTally(t, now)
		scan := q.CODPastDueScan(s)
		if scan.LastWholeMonth != nov-2 || !scan.Entries || !scan.From.Equal(server.MonthOfIndex(nov-1, shanghai)) || !scan.To.Equal(q.Start) {
			t.Fatalf("scan %+v", scan)
		}
		q.AddCODEntry(time.Date(2026, 10, 19, 12, 0, 0, 0, shanghai), false, "u1", 100, s) // due 19 Nov: past
		q.AddCODEntry(time.Date(2026, 10, 21, 12, 0, 0, 0, shanghai), false, "u1", 100, s) // due 21 Nov: not yet
		q.AddCODEntry(time.Date(2026, 10, 1, 12, 0, 0, 0, shanghai), true, "u1", 100, s)   // voided
		if rep := q.Report(true, shanghai); rep.CODPastDueCount != 1 || rep.CODPastDueCents != 100 {
			t.Fatalf("%+v", rep.QualityFigures)
		}
	})
	t.Run("sums saturate instead of wrapping", func(t *testing.T) {
		q := novemberTally(t, time.Date(2026, 12, 6, 0, 0, 0, 0, shanghai))
		q.AddCODPastDue("u1", 1, math.MaxInt64)
		q.AddCODPastDue("u1", 1, 1)
		q.AddCODPastDue("u2", 1, math.MinInt64)
		q.AddCODPastDue("u2", 1, -1)
		rep := q.Report(true, shanghai)
		if line(rep, "u1").CODPastDueCents != math.MaxInt64 || line(rep, "u2").CODPastDueCents != math.MinInt64 {
			t.Fatalf("%+v", rep.ByCourier)
		}
	})
}

func TestQualityTallyClaimsInspectionsVehicles(t *testing.T) {
	q := novemberTally(t, time.Date(2026, 12, 6, 0, 0, 0, 0, shanghai))
	asOf := q.AsOf
	at := func(d time.Duration) *time.Time { x := asOf.Add(d); return &x }
	q.AddClaimFiled(&server.Claim{CourierID: "u1"})
	q.AddClaimFiled(&server.Claim{})
	q.AddClaimPaid(&server.Claim{CourierID: "u1", Payout: &server.ClaimPayout{At: asOf.Add(-time.Hour), AmountCents: 700}})
	q.AddClaimPaid(&server.Claim{CourierID: "u1", Payout: &server.ClaimPayout{At: asOf, AmountCents: 50}}) // December
	q.AddClaimPaid(&server.Claim{CourierID: "u1"})
	due := asOf.Add(-48 * time.Hour)
	q.AddClaimDecisionDue(&server.Claim{CourierID: "u1", DecideDueBy: due, DecidedAt: at(-72 * time.Hour)}) // on time
	q.AddClaimDecisionDue(&server.Claim{CourierID: "u1", DecideDueBy: due, DecidedAt: at(-time.Hour)})      // late
	q.AddClaimDecisionDue(&server.Claim{CourierID: "u1", DecideDueBy: due})                                 // past due, undecided
	q.AddClaimDecisionDue(&server.Claim{CourierID: "u1", DecideDueBy: asOf.Add(time.Hour)})                 // not due yet
	q.AddClaimDecisionDue(&server.Claim{CourierID: "u1", DecideDueBy: due, DecidedAt: at(time.Hour)})       // decided after as_of
	done := q.AddInspection(&server.Inspection{Status: server.InspectionCompleted, Couriers: []string{"u1", "u2"},
		Items: []server.InspectionItem{{CourierID: "u1", Result: server.ItemPass}, {CourierID: "u2", Result: server.ItemFail},
			{CourierID: "u2", Result: server.ItemPending}}})
	q.AddAction(&server.CorrectiveAction{CourierID: "u2", OpenedAt: asOf.Add(-96 * time.Hour), DueBy: asOf.Add(-time.Hour)})
	q.AddAction(&server.CorrectiveAction{CourierID: "u2", OpenedAt: asOf.Add(-96 * time.Hour), DueBy: asOf.Add(time.Hour)})
	q.AddAction(&server.CorrectiveAction{CourierID: "u2", OpenedAt: asOf.Add(time.Hour)}) // opened later
	q.AddVehicle(&server.Vehicle{VehicleID: "V1", Reasons: []string{server.ReasonOpenDefects}})
	q.AddVehicle(&server.Vehicle{VehicleID: "V2", Reasons: []string{}})
	q.AddDriver("u1", "V1")
	q.AddDriver("u2", "V1")
	q.AddDriver("u2", "V2")
	rep := q.Report(done, shanghai)
	u1, u2 := line(rep, "u1"), line(rep, "u2")
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"claims filed", rep.ClaimsFiled, 2},
		{"u1 claims filed", u1.ClaimsFiled, 1},
		{"claims paid in the month", rep.ClaimsPaidCents, 700},
		{"decisions due", rep.ClaimDecisionsDue, 4},
		{"decided on time", rep.ClaimsDecidedOnTime, 1},
		{"inspections done", rep.InspectionsDone, 1},
		{"u2 inspections done", u2.InspectionsDone, 1},
		{"items checked", rep.InspectionItemsChecked, 2},
		{"u2 failures", u2.InspectionFailures, 1},
		{"actions open", rep.CorrectiveActionsOpen, 2},
		{"actions overdue", u2.CorrectiveActionsOverdue, 1},
		{"vehicles needing attention", rep.VehiclesNeedingAttention, 1},
		{"u1 drove one", u1.VehiclesNeedingAttention, 1},
		{"u2 drove one of two", u2.VehiclesNeedingAttention, 1},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	if !done || rep.InspectionMissing || *rep.ClaimsDecidedOnTimePercent != 25 {
		t.Fatalf("done %v %+v", done, rep)
	}
	if q.AddInspection(&server.Inspection{Status: server.InspectionOpen}) {
		t.Fatal("an open inspection is not done")
	}
}

func TestReportIndexCounts(t *testing.T) {
	for _, tt := range []struct {
		name, kind, status, at string
		counts                 bool
	}{
		{"an applied pickup counts", syncproto.KindPickup, syncproto.StatusApplied, "2026-11-05T10:00:00Z", true},
		{"a rejected pickup does not", syncproto.KindPickup, syncproto.StatusRejected, "2026-11-05T10:00:00Z", false},
		{"another kind does not", syncproto.KindCODReceipt, syncproto.StatusApplied, "2026-11-05T10:00:00Z", false},
		{"an unreadable time does not", syncproto.KindPickup, syncproto.StatusApplied, "yesterday", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			at, ok := server.PickupCounted(tt.kind, tt.status, tt.at)
			if ok != tt.counts || (ok && !at.Equal(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC))) {
				t.Fatalf("%v %v", at, ok)
			}
		})
	}
	score := func(n int) *int { return &n }
	for _, tt := range []struct {
		name              string
		score             *int
		scores, satisfied int64
	}{
		{"no score adds nothing", nil, 0, 0},
		{"a 3 is a score, not satisfied", score(3), 1, 0},
		{"a 4 is satisfied", score(4), 1, 1},
		{"a 5 is satisfied", score(5), 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if s, h := server.ScoreCounts(tt.score); s != tt.scores || h != tt.satisfied {
				t.Fatalf("%d %d", s, h)
			}
		})
	}
}
