package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func claimBody(wb, typ string, cents int64, filed time.Time) map[string]any {
	return map[string]any{"waybill": wb, "type": typ, "claimed_cents": cents, "filed_at": filed.Format(time.RFC3339)}
}

func TestClaimsOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "zhang")
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	sup := h.user(t, "sup", syncproto.RoleSupervisor)
	insured, plain := waybill(), waybill()
	applied(t, c.pushOK(t, c.op("pickup", pickup(insured)))[0]) // declared 129900, insured 100000
	applied(t, c.pushOK(t, c.op("pickup", with(with(pickup(plain), "insured", false), "freight_cents", 1200)))[0])
	now := h.clock.Now()

	var partial, loss server.Claim
	t.Run("filing recommends by rule from the pickup", func(t *testing.T) {
		h.do(t, "POST", "/v1/claims", disp.access, with(claimBody(insured, "damage", 50_000, now), "evidence", []string{digest("photo")})).decode(t, 201, &partial)
		d := partial.Recommendation
		// 50000 × 100000 ÷ 129900 = 38491.14… → 38491, rounded down.
		if partial.Status != server.ClaimFiled || d == nil || d.Rule != server.RuleInsuredPartialLoss || d.AmountCents != 38_491 ||
			d.RuleSetVersion == "" || !d.Inputs.Insured || d.Inputs.DeclaredValueCents != 129_900 || len(d.Evidence) != 1 {
			t.Fatalf("claim = %s", show(partial))
		}
		if !partial.AckDueBy.Equal(now.Add(24*time.Hour)) || !partial.DecideDueBy.Equal(now.AddDate(0, 0, 30)) || partial.AtRisk || partial.Breached {
			t.Fatalf("clocks = %s", show(partial))
		}
		h.do(t, "POST", "/v1/claims", disp.access, claimBody(plain, "loss", 90_000, now)).decode(t, 201, &loss)
		if loss.Recommendation.Rule != server.RuleUninsuredFreightCap || loss.Recommendation.AmountCents != 3_600 {
			t.Fatalf("uninsured = %s", show(loss.Recommendation))
		}
	})
	t.Run("an unknown waybill is refused naming the waybill", func(t *testing.T) {
		r := h.do(t, "POST", "/v1/claims", disp.access, claimBody("NEVER-SEEN-1", "loss", 100, now))
		r.wantError(t, 422, syncproto.CodeUnprocessable)
		if !strings.Contains(string(r.body), "waybill") {
			t.Fatalf("error = %s", r.body)
		}
	})
	t.Run("deciding needs acknowledgement first, then a supervisor", func(t *testing.T) {
		h.do(t, "POST", "/v1/claims/"+partial.ClaimID+"/decide", sup.access, map[string]any{"accept_recommendation": true}).wantError(t, 409, syncproto.CodeConflict)
		h.do(t, "POST", "/v1/claims/"+partial.ClaimID+"/acknowledge", disp.access, nil).decode(t, 200, &partial)
		h.do(t, "POST", "/v1/claims/"+partial.ClaimID+"/acknowledge", disp.access, nil).wantError(t, 409, syncproto.CodeConflict)
		h.do(t, "POST", "/v1/claims/"+partial.ClaimID+"/decide", disp.access, map[string]any{"accept_recommendation": true}).wantError(t, 403, syncproto.CodeForbidden)
		h.do(t, "POST", "/v1/claims/"+partial.ClaimID+"/decide", sup.access, map[string]any{"amount_cents": 1}).wantError(t, 400, syncproto.CodeInvalidRequest)
		h.do(t, "POST", "/v1/claims/"+partial.ClaimID+"/decide", sup.access, map[string]any{"amount_cents": 40_000, "reason": "repair invoice 40000"}).decode(t, 200, &partial)
		d := partial.Decision
		if partial.Status != server.ClaimDecided || d == nil || !d.Overridden || d.AmountCents != 40_000 || *d.RecommendedCents != 38_491 || d.Reason != "repair invoice 40000" {
			t.Fatalf("decision = %s", show(partial))
		}
		var ev server.EventList
		h.do(t, "GET", "/v1/audit/events?action="+server.ActionClaimOverride, sup.access, nil).decode(t, 200, &ev)
		if len(ev.Events) != 1 || ev.Events[0].Object != partial.ClaimID || !strings.Contains(ev.Events[0].Detail, "repair invoice 40000") {
			t.Fatalf("override events = %s", show(ev))
		}
	})
	t.Run("an exemption given at decision pays 0 and is named", func(t *testing.T) {
		h.do(t, "POST", "/v1/claims/"+loss.ClaimID+"/acknowledge", disp.access, nil).decode(t, 200, &loss)
		h.do(t, "POST", "/v1/claims/"+loss.ClaimID+"/decide", sup.access, map[string]any{"accept_recommendation": true, "exemption": "force_majeure"}).decode(t, 200, &loss)
		if loss.Decision.AmountCents != 0 || loss.Decision.Rule != server.RuleExempt || loss.Decision.Exemption != "force_majeure" || loss.Decision.Overridden {
			t.Fatalf("decision = %s", show(loss.Decision))
		}
		h.do(t, "POST", "/v1/claims/"+loss.ClaimID+"/payout", sup.access, map[string]any{"amount_cents": 0, "reference": "none"}).wantError(t, 409, syncproto.CodeConflict)
	})
	t.Run("payout equals the decision, once", func(t *testing.T) {
		path := "/v1/claims/" + partial.ClaimID + "/payout"
		h.do(t, "POST", path, sup.access, map[string]any{"amount_cents": 38_491, "reference": "BANK-1"}).wantError(t, 422, syncproto.CodeUnprocessable)
		h.do(t, "POST", path, sup.access, map[string]any{"amount_cents": 40_000, "reference": "BANK-1"}).decode(t, 200, &partial)
		if partial.Status != server.ClaimPaid || partial.Payout == nil || partial.Payout.AmountCents != 40_000 {
			t.Fatalf("paid = %s", show(partial))
		}
		h.do(t, "POST", path, sup.access, map[string]any{"amount_cents": 40_000, "reference": "BANK-2"}).wantError(t, 409, syncproto.CodeConflict)
		var again server.Claim
		h.do(t, "GET", "/v1/claims/"+partial.ClaimID, disp.access, nil).decode(t, 200, &again)
		if again.Payout.Reference != "BANK-1" || len(again.History) != 3 {
			t.Fatalf("a second payout changed the claim: %s", show(again))
		}
	})
	t.Run("lists filter by status, waybill and overdue; unknown parameters are refused", func(t *testing.T) {
		var l server.ClaimList
		h.do(t, "GET", "/v1/claims?status=paid", disp.access, nil).decode(t, 200, &l)
		if len(l.Claims) != 1 || l.Claims[0].ClaimID != partial.ClaimID {
			t.Fatalf("paid = %s", show(l))
		}
		h.do(t, "GET", "/v1/claims?waybill="+plain, disp.access, nil).decode(t, 200, &l)
		if len(l.Claims) != 1 || l.Claims[0].ClaimID != loss.ClaimID {
			t.Fatalf("by waybill = %s", show(l))
		}
		var open server.Claim
		h.do(t, "POST", "/v1/claims", disp.access, claimBody(plain, "delay", 5_000, now)).decode(t, 201, &open)
		h.do(t, "GET", "/v1/claims?overdue=true", disp.access, nil).decode(t, 200, &l)
		if len(l.Claims) != 0 {
			t.Fatalf("overdue now = %s", show(l))
		}
		h.clock.Advance(25 * time.Hour)
		disp, sup = h.login(t, "disp", "disp-2"), h.login(t, "sup", "sup-2") // tokens expired
		h.do(t, "GET", "/v1/claims?overdue=true", disp.access, nil).decode(t, 200, &l)
		if len(l.Claims) != 1 || l.Claims[0].ClaimID != open.ClaimID || !l.Claims[0].Breached {
			t.Fatalf("overdue after a day = %s", show(l))
		}
		h.do(t, "GET", "/v1/claims?bogus=1", disp.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
	t.Run("the quality report counts claims filed, paid and decided on time", func(t *testing.T) {
		var rep server.QualityReport
		h.do(t, "GET", "/v1/reports/quality", sup.access, nil).decode(t, 200, &rep)
		if rep.ClaimsFiled != 3 || rep.ClaimsPaidCents != 40_000 {
			t.Fatalf("report = %s", show(rep.QualityFigures))
		}
	})
	t.Run("a claim after the window is refused", func(t *testing.T) {
		h.clock.Advance(366 * 24 * time.Hour)
		disp = h.login(t, "disp", "disp-3")
		h.do(t, "POST", "/v1/claims", disp.access, claimBody(plain, "loss", 100, h.clock.Now())).wantError(t, 422, syncproto.CodeClaimWindowClosed)
	})
}
