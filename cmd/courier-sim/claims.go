package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
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
	types := []string{syncproto.CategoryLoss, syncproto.CategoryDamage, syncproto.CategoryShortage, syncproto.CategoryDelay}
	for i, wb := range sv.claimWaybills(simClaims) {
		claimed := int64(1_000 + sv.r.IntN(200_000))
		v, err := sv.s.FileClaim(ctx, &syncproto.NewClaim{Waybill: wb, Type: types[i%len(types)], ClaimedCents: &claimed,
			FiledAt: time.Now().Format(time.RFC3339)})
		if err != nil {
			if err := sv.faults.soft(err, "file a claim on %s", wb); err != nil {
				return err
			}
			continue
		}
		sv.stats.Claims.Filed++
		if v.Recommendation == nil || v.Recommendation.Rule == "" || v.Recommendation.RuleSetVersion == "" {
			sv.faults.add("claim %s filed without a recommendation by rule", v.ClaimID)
		}
		if err := sv.decideAndPay(ctx, i, v); err != nil {
			return err
		}
	}
	return nil
}

func (sv *supervisor) decideAndPay(ctx context.Context, i int, v *syncproto.Claim) error {
	id := v.ClaimID
	v, err := sv.s.AcknowledgeClaim(ctx, id)
	if err != nil {
		return sv.faults.soft(err, "acknowledge claim %s", id)
	}
	sv.stats.Claims.Acknowledged++
	want := simClaim{ID: id, Status: syncproto.ClaimDecided}
	decide := &syncproto.ClaimDecide{AcceptRecommendation: true}
	switch i % 3 {
	case 1:
		want.Overridden, want.Reason = true, fmt.Sprintf("sim %s: repair invoice checked", sv.runID)
		half := v.ClaimedCents / 2
		decide = &syncproto.ClaimDecide{AmountCents: &half, Reason: want.Reason}
	case 2:
		decide.Exemption = "goods_nature"
	}
	if v, err = sv.s.DecideClaim(ctx, id, decide); err != nil {
		return sv.faults.soft(err, "decide claim %s", id)
	}
	sv.stats.Claims.Decided++
	if v.Decision == nil {
		sv.faults.add("claim %s decided without a decision", id)
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
		if err := sv.pay(ctx, id, want.Amount); err != nil {
			return err
		}
		want.Status = syncproto.ClaimPaid
	}
	sv.claims = append(sv.claims, want)
	return nil
}

func (sv *supervisor) pay(ctx context.Context, id string, amount int64) error {
	ref := "SIM-" + sv.runID + "-" + id
	sv.stats.Claims.WrongAmountTried++
	wrong := amount + 1
	_, err := sv.s.PayClaim(ctx, id, &syncproto.ClaimPay{AmountCents: &wrong, Reference: ref})
	switch {
	case client.StatusOf(err) == http.StatusUnprocessableEntity:
		sv.stats.Claims.WrongAmountRefused++
	case err == nil:
		sv.faults.add("claim %s was paid an amount other than its decision", id)
		return nil
	default:
		return sv.faults.soft(err, "pay claim %s a wrong amount: want 422", id)
	}
	if _, err := sv.s.PayClaim(ctx, id, &syncproto.ClaimPay{AmountCents: &amount, Reference: ref}); err != nil {
		return sv.faults.soft(err, "pay claim %s", id)
	}
	sv.stats.Claims.Paid++
	sv.stats.Claims.PaidCents += amount
	sv.stats.Claims.RepayTried++
	_, err = sv.s.PayClaim(ctx, id, &syncproto.ClaimPay{AmountCents: &amount, Reference: ref + "-AGAIN"})
	switch {
	case client.StatusOf(err) == http.StatusConflict:
		sv.stats.Claims.RepayRefused++
	case err == nil:
		sv.faults.add("claim %s was paid twice", id)
	default:
		return sv.faults.soft(err, "pay claim %s again: want 409", id)
	}
	return nil
}

// checkClaims reads every claim of the run back and the override events
// of the audit trail: status, amount and override as the run left them.
func (sv *supervisor) checkClaims(ctx context.Context) error {
	events, err := sv.s.AllAuditEvents(ctx, url.Values{"action": {"claim.override"}})
	if err != nil {
		return sv.faults.soft(err, "list claim overrides")
	}
	details := map[string]string{}
	for _, e := range events {
		details[e.Object] = e.Detail
	}
	for _, want := range sv.claims {
		sv.stats.Claims.Checked++
		v, err := sv.s.Claim(ctx, want.ID)
		if err != nil {
			if err := sv.faults.soft(err, "read claim %s", want.ID); err != nil {
				return err
			}
			continue
		}
		ok := v.Status == want.Status && v.Decision != nil && v.Decision.AmountCents == want.Amount && v.Decision.Overridden == want.Overridden &&
			(want.Status != syncproto.ClaimPaid || (v.Payout != nil && v.Payout.AmountCents == want.Amount))
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
