package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// simClaims is how many compensation claims the supervisor files in its
// final round (fewer when the run picked up fewer parcels).
const simClaims = 6

// claimStats counts what the supervisor did with claims.
type claimStats struct {
	Filed, Acknowledged, Decided, Overridden, Exempted, Paid int
	PaidCents                                                int64
	WrongAmountTried, WrongAmountRefused                     int
	RepayTried, RepayRefused                                 int
	// Checked of the claims read back as the run left them; Audited
	// overrides found in the audit trail with their reason.
	Checked, Right, Audited int
}

// claimView is the part of the claim view the simulator reads.
type claimView struct {
	ClaimID        string `json:"claim_id"`
	Waybill        string `json:"waybill"`
	Status         string `json:"status"`
	ClaimedCents   int64  `json:"claimed_cents"`
	Recommendation *struct {
		AmountCents    int64  `json:"amount_cents"`
		Rule           string `json:"rule"`
		RuleSetVersion string `json:"rule_set_version"`
	} `json:"recommendation"`
	Decision *struct {
		AmountCents    int64  `json:"amount_cents"`
		Rule           string `json:"rule"`
		RuleSetVersion string `json:"rule_set_version"`
		Exemption      string `json:"exemption"`
		Overridden     bool   `json:"overridden"`
		Reason         string `json:"reason"`
	} `json:"decision"`
	Payout *struct {
		AmountCents int64 `json:"amount_cents"`
	} `json:"payout"`
}

// simClaim is what the supervisor expects of one claim at the end.
type simClaim struct {
	ID         string
	Status     string
	Amount     int64
	Overridden bool
	Reason     string
}

// claimWaybills returns up to n waybills the couriers picked up.
func (sv *supervisor) claimWaybills(n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		more := false
		for _, c := range sv.f.couriers {
			if i < len(c.gen.pickups) {
				more = true
				if len(out) < n {
					out = append(out, c.gen.pickups[i].waybill)
				}
			}
		}
		if !more {
			break
		}
	}
	return out
}

// claimsRound files claims on the run's parcels, acknowledges and decides
// them (some overridden with a reason, one exempted), and pays those with
// something to pay: once with a wrong amount (refused 422), once right,
// once again (refused 409).
func (sv *supervisor) claimsRound(ctx context.Context) error {
	types := []string{"loss", "damage", "shortage", "delay"}
	for i, wb := range sv.claimWaybills(simClaims) {
		claimed := int64(1_000 + sv.r.IntN(200_000))
		body := map[string]any{"waybill": wb, "type": types[i%len(types)], "claimed_cents": claimed,
			"filed_at": time.Now().Format(time.RFC3339)}
		var v claimView
		if err := sv.s.authed(ctx, http.MethodPost, "/v1/claims", body, &v); err != nil {
			if err := sv.faults.soft(err, "file a claim on %s", wb); err != nil {
				return err
			}
			continue
		}
		sv.stats.Claims.Filed++
		if v.Recommendation == nil || v.Recommendation.Rule == "" || v.Recommendation.RuleSetVersion == "" {
			sv.faults.add("claim %s filed without a recommendation by rule", v.ClaimID)
		}
		if err := sv.decideAndPay(ctx, i, &v); err != nil {
			return err
		}
	}
	return nil
}

func (sv *supervisor) decideAndPay(ctx context.Context, i int, v *claimView) error {
	path := "/v1/claims/" + url.PathEscape(v.ClaimID)
	if err := sv.s.authed(ctx, http.MethodPost, path+"/acknowledge", nil, v); err != nil {
		return sv.faults.soft(err, "acknowledge claim %s", v.ClaimID)
	}
	sv.stats.Claims.Acknowledged++
	want := simClaim{ID: v.ClaimID, Status: "decided"}
	decide := map[string]any{"accept_recommendation": true}
	switch i % 3 {
	case 1:
		want.Overridden, want.Reason = true, fmt.Sprintf("sim %s: repair invoice checked", sv.runID)
		decide = map[string]any{"amount_cents": v.ClaimedCents / 2, "reason": want.Reason}
	case 2:
		decide["exemption"] = "goods_nature"
	}
	if err := sv.s.authed(ctx, http.MethodPost, path+"/decide", decide, v); err != nil {
		return sv.faults.soft(err, "decide claim %s", v.ClaimID)
	}
	sv.stats.Claims.Decided++
	if v.Decision == nil {
		sv.faults.add("claim %s decided without a decision", v.ClaimID)
		return nil
	}
	want.Amount = v.Decision.AmountCents
	if want.Overridden {
		sv.stats.Claims.Overridden++
	}
	if v.Decision.Exemption != "" {
		sv.stats.Claims.Exempted++
	}
	if want.Amount > 0 {
		if err := sv.pay(ctx, path, v, want.Amount); err != nil {
			return err
		}
		want.Status = "paid"
	}
	sv.claims = append(sv.claims, want)
	return nil
}

func (sv *supervisor) pay(ctx context.Context, path string, v *claimView, amount int64) error {
	ref := "SIM-" + sv.runID + "-" + v.ClaimID
	sv.stats.Claims.WrongAmountTried++
	err := sv.s.authed(ctx, http.MethodPost, path+"/payout", map[string]any{"amount_cents": amount + 1, "reference": ref}, nil)
	switch {
	case statusOf(err) == http.StatusUnprocessableEntity:
		sv.stats.Claims.WrongAmountRefused++
	case err == nil:
		sv.faults.add("claim %s was paid an amount other than its decision", v.ClaimID)
		return nil
	default:
		return sv.faults.soft(err, "pay claim %s a wrong amount: want 422", v.ClaimID)
	}
	if err := sv.s.authed(ctx, http.MethodPost, path+"/payout", map[string]any{"amount_cents": amount, "reference": ref}, v); err != nil {
		return sv.faults.soft(err, "pay claim %s", v.ClaimID)
	}
	sv.stats.Claims.Paid++
	sv.stats.Claims.PaidCents += amount
	sv.stats.Claims.RepayTried++
	err = sv.s.authed(ctx, http.MethodPost, path+"/payout", map[string]any{"amount_cents": amount, "reference": ref + "-AGAIN"}, nil)
	switch {
	case statusOf(err) == http.StatusConflict:
		sv.stats.Claims.RepayRefused++
	case err == nil:
		sv.faults.add("claim %s was paid twice", v.ClaimID)
	default:
		return sv.faults.soft(err, "pay claim %s again: want 409", v.ClaimID)
	}
	return nil
}

// checkClaims reads every claim of the run back and the override events
// of the audit trail: status, amount and override as the run left them.
func (sv *supervisor) checkClaims(ctx context.Context) error {
	events, err := listAll[auditEventView](ctx, sv.s, "/v1/audit/events", url.Values{"action": {"claim.override"}}, "events")
	if err != nil {
		return sv.faults.soft(err, "list claim overrides")
	}
	details := map[string]string{}
	for _, e := range events {
		details[e.Object] = e.Detail
	}
	for _, want := range sv.claims {
		sv.stats.Claims.Checked++
		var v claimView
		if err := sv.s.authed(ctx, http.MethodGet, "/v1/claims/"+url.PathEscape(want.ID), nil, &v); err != nil {
			if err := sv.faults.soft(err, "read claim %s", want.ID); err != nil {
				return err
			}
			continue
		}
		ok := v.Status == want.Status && v.Decision != nil && v.Decision.AmountCents == want.Amount && v.Decision.Overridden == want.Overridden &&
			(want.Status != "paid" || (v.Payout != nil && v.Payout.AmountCents == want.Amount))
		if !ok {
			sv.faults.add("claim %s: status %s, want %s with %d", want.ID, v.Status, want.Status, want.Amount)
			continue
		}
		sv.stats.Claims.Right++
		if want.Overridden {
			if d, found := details[want.ID]; found && strings.Contains(d, want.Reason) {
				sv.stats.Claims.Audited++
			} else {
				sv.faults.add("override of claim %s not audited with its reason", want.ID)
			}
		}
	}
	return nil
}

// auditEventView is the part of an audit event the simulator reads.
type auditEventView struct {
	Action string `json:"action"`
	Object string `json:"object"`
	Detail string `json:"detail"`
}
