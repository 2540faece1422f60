package bolt_test

import (
	"encoding/json"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

func i64(v int64) *int64 { return &v }

func with(p map[string]any, key string, v any) map[string]any {
	p[key] = v
	return p
}

func TestClaimDecisionKeepsItsInputsAfterThePickupIsCorrected(t *testing.T) {
	clock := newDSClock("2026-03-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "courier-a")
	a.push("pickup", dsTime("2026-03-01T10:00:00+08:00"), with(pickup("WB-CL-001"), "freight_cents", 1500))
	c, err := db.FileClaim(bg, dsDispatcher, &server.NewClaim{Waybill: "WB-CL-001", Type: server.ClaimDamage,
		ClaimedCents: i64(60_000), FiledAt: "2026-03-02T09:00:00+08:00"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AcknowledgeClaim(bg, dsDispatcher, c.ClaimID); err != nil {
		t.Fatal(err)
	}
	d, err := db.DecideClaim(bg, dsSupervisor, c.ClaimID, &server.ClaimDecide{AcceptRecommendation: true})
	if err != nil {
		t.Fatal(err)
	}
	before := *d.Decision
	if err := db.CorrectPickup("WB-CL-001", func(p *syncproto.Pickup) {
		p.DeclaredValueCents, p.FreightCents = i64(1), i64(1)
	}); err != nil {
		t.Fatal(err)
	}
	after, err := db.Claim(bg, c.ClaimID)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after.Decision)
	if string(b1) != string(b2) || after.Decision.RuleSetVersion != server.DefaultClaimRules().Version ||
		after.Decision.Inputs.PickupRef == "" || *after.Decision.Inputs.FreightCents != 1500 {
		t.Fatalf("decision changed with the pickup:\nbefore %+v\nafter  %+v", before, *after.Decision)
	}
}

func TestClaimRulesComeFromSettings(t *testing.T) {
	rules, err := server.ParseClaimRules([]byte(`{"version":"acme-7","claim_window_days":30,"uninsured_fixed_cap_cents":500}`))
	if err != nil {
		t.Fatal(err)
	}
	s := server.DefaultSettings()
	s.Claims = rules
	clock := newDSClock("2026-03-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now, Settings: s})
	a := newDSDevice(t, db, "courier-a")
	a.push("pickup", dsTime("2026-03-01T10:00:00+08:00"), with(pickup("WB-CL-002"), "insured", false))
	c, err := db.FileClaim(bg, dsDispatcher, &server.NewClaim{Waybill: "WB-CL-002", Type: server.ClaimLoss, ClaimedCents: i64(9_000), FiledAt: "2026-03-02T09:00:00+08:00"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Recommendation.AmountCents != 500 || c.Recommendation.RuleSetVersion != "acme-7" {
		t.Fatalf("recommendation = %+v", c.Recommendation)
	}
	clock.Set(dsTime("2026-04-05T09:00:00+08:00"))
	_, err = db.FileClaim(bg, dsDispatcher, &server.NewClaim{Waybill: "WB-CL-002", Type: server.ClaimLoss, ClaimedCents: i64(9_000), FiledAt: "2026-04-05T09:00:00+08:00"})
	dsWantCode(t, err, syncproto.CodeClaimWindowClosed)
}

func TestClaimFiguresOfTheQualityReport(t *testing.T) {
	clock := newDSClock("2026-03-01T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "courier-a")
	for _, wb := range []string{"WB-CR-001", "WB-CR-002", "WB-CR-003"} {
		a.push("pickup", dsTime("2026-01-20T10:00:00+08:00"), pickup(wb))
	}
	file := func(wb, at string) string {
		clock.Set(dsTime(at))
		c, err := db.FileClaim(bg, dsDispatcher, &server.NewClaim{Waybill: wb, Type: server.ClaimLoss, ClaimedCents: i64(1_000), FiledAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AcknowledgeClaim(bg, dsDispatcher, c.ClaimID); err != nil {
			t.Fatal(err)
		}
		return c.ClaimID
	}
	decideAt := func(id, at string) {
		clock.Set(dsTime(at))
		if _, err := db.DecideClaim(bg, dsSupervisor, id, &server.ClaimDecide{AcceptRecommendation: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Filed in February, due in March: one decided on time, one late, one
	// never; the on-time one is paid in March.
	onTime, late := file("WB-CR-001", "2026-02-05T10:00:00+08:00"), file("WB-CR-002", "2026-02-06T10:00:00+08:00")
	file("WB-CR-003", "2026-02-07T10:00:00+08:00")
	decideAt(onTime, "2026-03-01T10:00:00+08:00")
	decideAt(late, "2026-03-20T10:00:00+08:00")
	clock.Set(dsTime("2026-03-21T10:00:00+08:00"))
	if _, err := db.PayClaim(bg, dsSupervisor, onTime, &server.ClaimPay{AmountCents: i64(1_000), Reference: "B-1"}); err != nil {
		t.Fatal(err)
	}
	clock.Set(dsTime("2026-04-10T10:00:00+08:00"))
	feb, err := db.QualityReport(bg, "2026-02")
	if err != nil {
		t.Fatal(err)
	}
	if feb.ClaimsFiled != 3 || feb.ClaimsPaidCents != 0 || feb.ClaimsDecidedOnTimePercent != nil {
		t.Fatalf("February: %+v", feb.QualityFigures)
	}
	mar, err := db.QualityReport(bg, "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if mar.ClaimsFiled != 0 || mar.ClaimsPaidCents != 1_000 || mar.ClaimsDecidedOnTimePercent == nil || *mar.ClaimsDecidedOnTimePercent != 33.33 {
		t.Fatalf("March: %+v", mar.QualityFigures)
	}
	if len(mar.ByCourier) != 1 || mar.ByCourier[0].ClaimsPaidCents != 1_000 || mar.ByCourier[0].CourierID != a.p.UserID {
		t.Fatalf("March by courier: %+v", mar.ByCourier)
	}
}

// Two supervisors paying one claim at once: one payout, one 409.
func TestTwoPayoutsAtOnceOneWins(t *testing.T) {
	clock := newDSClock("2026-03-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "courier-a")
	a.push("pickup", dsTime("2026-03-01T10:00:00+08:00"), pickup("WB-CL-009"))
	c, err := db.FileClaim(bg, dsDispatcher, &server.NewClaim{Waybill: "WB-CL-009", Type: server.ClaimLoss, ClaimedCents: i64(700), FiledAt: "2026-03-02T09:00:00+08:00"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AcknowledgeClaim(bg, dsDispatcher, c.ClaimID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideClaim(bg, dsSupervisor, c.ClaimID, &server.ClaimDecide{AcceptRecommendation: true}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := db.PayClaim(bg, dsSupervisor, c.ClaimID, &server.ClaimPay{AmountCents: i64(700), Reference: "B"})
			errs <- err
		}()
	}
	ok, conflicts := 0, 0
	for i := 0; i < 2; i++ {
		switch err := <-errs; {
		case err == nil:
			ok++
		default:
			dsWantCode(t, err, syncproto.CodeConflict)
			conflicts++
		}
	}
	if ok != 1 || conflicts != 1 {
		t.Fatalf("%d paid, %d refused", ok, conflicts)
	}
	ev, err := db.ListEvents(bg, server.EventFilter{Action: server.ActionClaimPayout, Limit: 10})
	if err != nil || len(ev.Events) != 1 {
		t.Fatalf("payout events %+v, %v", ev, err)
	}
}
