package server

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// memClaims is the claim workflow's transaction held in memory: the rules
// are tested without any store.
type memClaims struct {
	pickups map[string]*ClaimFacts
	claims  map[string]*Claim
	events  []AuditEvent
}

func (m *memClaims) PickupFacts(w string) (*ClaimFacts, error) { return m.pickups[w], nil }
func (m *memClaims) ComplaintExists(id string) (bool, error)   { return id == "cp-1", nil }
func (m *memClaims) Claim(id string) (*Claim, error) {
	if c, ok := m.claims[id]; ok {
		cp := *c
		return &cp, nil
	}
	return nil, nil
}
func (m *memClaims) InsertClaim(c *Claim) error {
	c.ClaimID = "cl-" + strconv.Itoa(len(m.claims)+1)
	cp := *c
	m.claims[c.ClaimID] = &cp
	return nil
}
func (m *memClaims) UpdateClaim(_, c *Claim) error { cp := *c; m.claims[c.ClaimID] = &cp; return nil }
func (m *memClaims) Audit(e AuditEvent) error      { m.events = append(m.events, e); return nil }

func codeOf(err error) syncproto.Code {
	var pe *syncproto.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestClaimWorkflowAcrossBothDeadlines(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	m := &memClaims{pickups: map[string]*ClaimFacts{"WB-000001": {PickupRef: "pk-1", CourierID: "u7", RecordedAt: t0.AddDate(0, 0, -3),
		DeclaredValueCents: 50_000, FreightCents: cents(1_000)}}, claims: map[string]*Claim{}}
	rules := DefaultClaimRules()
	disp := Principal{UserID: "u2", Role: syncproto.RoleDispatcher}
	sup := Principal{UserID: "u3", Role: syncproto.RoleSupervisor}
	req := &NewClaim{Waybill: "WB-000001", Type: ClaimLoss, ClaimedCents: cents(40_000), FiledAt: t0.Format(time.RFC3339)}
	c, err := FileClaim(m, disp, req, rules, t0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if c.Recommendation.AmountCents != 3_000 || c.Recommendation.Rule != RuleUninsuredFreightCap || c.AtRisk || c.Breached {
		t.Fatalf("filed: %+v", c)
	}
	clock := func(at time.Time) *Claim {
		got, _ := m.Claim(c.ClaimID)
		got.Clock(at, rules)
		return got
	}
	if v := clock(t0.Add(19 * time.Hour)); !v.AtRisk || v.Breached || v.Overdue(t0.Add(19*time.Hour)) {
		t.Fatalf("ack at risk: %+v", v)
	}
	if v := clock(t0.Add(25 * time.Hour)); v.AtRisk || !v.Breached || !v.Overdue(t0.Add(25*time.Hour)) {
		t.Fatalf("ack breached: %+v", v)
	}
	// Acknowledged on time, the decision deadline is the one pending.
	if _, err := DecideClaim(m, sup, c.ClaimID, &ClaimDecide{AcceptRecommendation: true}, rules, t0.Add(time.Hour)); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("decide before acknowledgement: %v", err)
	}
	if _, err := AcknowledgeClaim(m, disp, c.ClaimID, rules, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if v := clock(t0.AddDate(0, 0, 26)); !v.AtRisk || v.Breached {
		t.Fatalf("decide at risk: %+v", v)
	}
	if v := clock(t0.AddDate(0, 0, 31)); v.AtRisk || !v.Breached {
		t.Fatalf("decide breached: %+v", v)
	}
	// Decided late: stays breached after.
	d, err := DecideClaim(m, sup, c.ClaimID, &ClaimDecide{AmountCents: cents(5_000), Reason: "receipt shows higher value"}, rules, t0.AddDate(0, 0, 31))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Breached || d.Decision.AmountCents != 5_000 || !d.Decision.Overridden || *d.Decision.RecommendedCents != 3_000 || d.DecidedOnTime() {
		t.Fatalf("decided: %+v %+v", d, d.Decision)
	}
	last := m.events[len(m.events)-1]
	if last.Action != ActionClaimOverride || !strings.Contains(last.Detail, "receipt shows higher value") {
		t.Fatalf("override event: %+v", last)
	}
	// Payout: equal to the decision only, once.
	if _, err := PayClaim(m, sup, c.ClaimID, &ClaimPay{AmountCents: cents(3_000), Reference: "bank-1"}, rules, t0.AddDate(0, 0, 32)); codeOf(err) != syncproto.CodeUnprocessable {
		t.Fatalf("wrong amount: %v", err)
	}
	if _, err := PayClaim(m, sup, c.ClaimID, &ClaimPay{AmountCents: cents(5_000), Reference: "bank-1"}, rules, t0.AddDate(0, 0, 32)); err != nil {
		t.Fatal(err)
	}
	before := *m.claims[c.ClaimID]
	if _, err := PayClaim(m, sup, c.ClaimID, &ClaimPay{AmountCents: cents(5_000), Reference: "bank-2"}, rules, t0.AddDate(0, 0, 33)); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("second payout: %v", err)
	}
	if after := m.claims[c.ClaimID]; after.Payout.Reference != before.Payout.Reference || len(after.History) != 3 {
		t.Fatalf("second payout changed the claim: %+v", after)
	}
}

func TestFilingAClaimIsRefused(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	m := &memClaims{pickups: map[string]*ClaimFacts{"WB-000001": {RecordedAt: t0.AddDate(-1, 0, -1)}, "WB-000002": {RecordedAt: t0}},
		claims: map[string]*Claim{}}
	file := func(waybill string, mod func(*NewClaim)) error {
		r := &NewClaim{Waybill: waybill, Type: ClaimDamage, ClaimedCents: cents(100), FiledAt: t0.Format(time.RFC3339)}
		if mod != nil {
			mod(r)
		}
		_, err := FileClaim(m, Principal{UserID: "u2"}, r, DefaultClaimRules(), t0, time.Minute)
		return err
	}
	cases := []struct {
		name    string
		waybill string
		mod     func(*NewClaim)
		code    syncproto.Code
	}{
		{"after the claim window", "WB-000001", nil, syncproto.CodeClaimWindowClosed},
		{"for a waybill never picked up", "WB-999999", nil, syncproto.CodeUnprocessable},
		{"naming an unknown complaint", "WB-000002", func(r *NewClaim) { r.ComplaintID = "cp-9" }, syncproto.CodeUnprocessable},
		{"in the future", "WB-000002", func(r *NewClaim) { r.FiledAt = t0.Add(time.Hour).Format(time.RFC3339) }, syncproto.CodeInvalidRequest},
		{"above 10^12", "WB-000002", func(r *NewClaim) { r.ClaimedCents = cents(1_000_000_000_001) }, syncproto.CodeInvalidRequest},
		{"with an unknown exemption", "WB-000002", func(r *NewClaim) { r.Exemption = "act_of_god" }, syncproto.CodeInvalidRequest},
		{"with a bad evidence digest", "WB-000002", func(r *NewClaim) { r.Evidence = []string{"xyz"} }, syncproto.CodeInvalidRequest},
		{"of an unknown type", "WB-000002", func(r *NewClaim) { r.Type = "theft" }, syncproto.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := file(tc.waybill, tc.mod); codeOf(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
	if len(m.claims) != 0 {
		t.Fatal("a refused claim was stored")
	}
	if err := file("WB-000002", func(r *NewClaim) { r.ComplaintID = "cp-1" }); err != nil {
		t.Fatal(err)
	}
}

func TestDecideRequestShapes(t *testing.T) {
	r := DefaultClaimRules()
	for _, bad := range []ClaimDecide{{}, {AcceptRecommendation: true, AmountCents: cents(1)}, {AmountCents: cents(1)},
		{AmountCents: cents(-1), Reason: "x"}, {AcceptRecommendation: true, Exemption: "nope"}} {
		if err := bad.Check(r); codeOf(err) != syncproto.CodeInvalidRequest {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	for _, bad := range []ClaimPay{{}, {AmountCents: cents(1)}, {AmountCents: cents(-1), Reference: "r"}} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	f := ClaimFilter{Status: ClaimPaid, Overdue: true}
	if f.Check() == nil {
		t.Error("overdue paid claims accepted")
	}
}
