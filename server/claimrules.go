package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Claim types (PROTOCOL.md "Claims").
const (
	ClaimDelay    = "delay"
	ClaimLoss     = "loss"
	ClaimDamage   = "damage"
	ClaimShortage = "shortage"
)

// Exemption reason codes: a claim exempted by one of them pays 0, the
// exemption named in the decision (unless the rule set says the exemption
// does not reach insured parcels, as for force majeure).
const (
	ExemptForceMajeure          = "force_majeure"
	ExemptProhibitedGoods       = "prohibited_goods"
	ExemptGoodsNature           = "goods_nature"
	ExemptWrongRecipientDetails = "wrong_recipient_details"
	ExemptLateAtCustomerRequest = "late_at_customer_request"
	ExemptOtherCustomerCause    = "other_customer_cause"
)

// Names of the claim rules a recommendation can follow.
const (
	RuleExempt              = "exempt"
	RuleInsuredTotalLoss    = "insured_total_loss"
	RuleInsuredPartialLoss  = "insured_partial_loss"
	RuleUninsuredFreightCap = "uninsured_freight_cap"
	RuleUninsuredFixedCap   = "uninsured_fixed_cap"
	RuleDelayFreightRefund  = "delay_freight_refund"
	RuleDelayFreightUnknown = "delay_freight_unknown"
)

// maxCents bounds every amount of the claim workflow (10^12 minor units).
const maxCents = 1_000_000_000_000

// ExemptionRule says how one exemption reason acts.
type ExemptionRule struct {
	// ExemptsInsured is false when the reason does not exempt an insured
	// parcel (force majeure: the insurance covers it).
	ExemptsInsured bool `json:"exempts_insured"`
}

// ClaimRules is a versioned claim rule set: caps, multiples, windows and
// deadlines, loaded from configuration (JSON) so a company changes its
// caps without code. Multiples are in per cent (300 = 3×) so the rules
// stay integer arithmetic.
type ClaimRules struct {
	// Version names the rule set; every decision records it.
	Version string `json:"version"`
	// WindowDays: a claim filed more than this many days after the
	// pickup's recorded_at is refused (claim_window_closed).
	WindowDays int `json:"claim_window_days"`
	// AckDueHours and DecideDueDays run from filed_at; AckAtRiskHours and
	// DecideAtRiskDays are when the pending deadline turns at risk.
	AckDueHours      int `json:"ack_due_hours"`
	AckAtRiskHours   int `json:"ack_at_risk_hours"`
	DecideDueDays    int `json:"decide_due_days"`
	DecideAtRiskDays int `json:"decide_at_risk_days"`
	// UninsuredFreightPercent caps an uninsured claim at this share of
	// the freight (300: 3× the freight) when the freight is known.
	UninsuredFreightPercent int64 `json:"uninsured_freight_percent"`
	// UninsuredFixedCapCents caps an uninsured claim when the freight is
	// unknown.
	UninsuredFixedCapCents int64 `json:"uninsured_fixed_cap_cents"`
	// DelayFreightPercent is the share of the freight a delay refunds
	// (100: the freight).
	DelayFreightPercent int64 `json:"delay_freight_percent"`
	// Exemptions are the reason codes a claim may be exempted by.
	Exemptions map[string]ExemptionRule `json:"exemptions"`
}

// DefaultClaimRules returns the rule set of PROTOCOL.md's defaults.
func DefaultClaimRules() ClaimRules {
	return ClaimRules{
		Version: "default-2026-12", WindowDays: 365,
		AckDueHours: 24, AckAtRiskHours: 18, DecideDueDays: 30, DecideAtRiskDays: 25,
		UninsuredFreightPercent: 300, UninsuredFixedCapCents: 10_000, DelayFreightPercent: 100,
		Exemptions: map[string]ExemptionRule{
			ExemptForceMajeure:          {ExemptsInsured: false},
			ExemptProhibitedGoods:       {ExemptsInsured: true},
			ExemptGoodsNature:           {ExemptsInsured: true},
			ExemptWrongRecipientDetails: {ExemptsInsured: true},
			ExemptLateAtCustomerRequest: {ExemptsInsured: true},
			ExemptOtherCustomerCause:    {ExemptsInsured: true},
		},
	}
}

// ParseClaimRules reads a rule set from JSON. Fields the document leaves
// out keep their defaults; an unknown field or a value out of range is an
// error.
func ParseClaimRules(data []byte) (ClaimRules, error) {
	r := DefaultClaimRules()
	r.Exemptions = nil
	if err := decodeStrict(data, &r); err != nil {
		return ClaimRules{}, fmt.Errorf("claim rules: %w", err)
	}
	if r.Exemptions == nil {
		r.Exemptions = DefaultClaimRules().Exemptions
	}
	return r, r.Check()
}

// Check validates the rule set's ranges.
func (r *ClaimRules) Check() error {
	switch {
	case r.Version == "" || len(r.Version) > 64:
		return fmt.Errorf("claim rules: version: 1–64 characters")
	case r.WindowDays < 1 || r.WindowDays > 3650:
		return fmt.Errorf("claim rules: claim_window_days: 1..3650")
	case r.AckDueHours < 1 || r.AckAtRiskHours < 0 || r.AckAtRiskHours >= r.AckDueHours:
		return fmt.Errorf("claim rules: ack_due_hours ≥ 1, 0 ≤ ack_at_risk_hours < ack_due_hours")
	case r.DecideDueDays < 1 || r.DecideAtRiskDays < 0 || r.DecideAtRiskDays >= r.DecideDueDays:
		return fmt.Errorf("claim rules: decide_due_days ≥ 1, 0 ≤ decide_at_risk_days < decide_due_days")
	case r.UninsuredFreightPercent < 0 || r.UninsuredFreightPercent > 100_000,
		r.DelayFreightPercent < 0 || r.DelayFreightPercent > 100_000:
		return fmt.Errorf("claim rules: percentages 0..100000")
	case r.UninsuredFixedCapCents < 0 || r.UninsuredFixedCapCents > maxCents:
		return fmt.Errorf("claim rules: uninsured_fixed_cap_cents 0..10^12")
	}
	for code := range r.Exemptions {
		if !ValidRecordID(code) {
			return fmt.Errorf("claim rules: exemption codes: [A-Za-z0-9_-]")
		}
	}
	return nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Window is the claim window after a pickup's recorded_at.
func (r *ClaimRules) Window() time.Duration { return time.Duration(r.WindowDays) * 24 * time.Hour }

// ClaimInputs are the facts a recommendation uses: the claim, and a
// snapshot of the pickup taken when the claim was filed, so a later
// correction of the pickup does not change the decision.
type ClaimInputs = syncproto.ClaimInputs

// Recommendation is what a rule says to pay.
type Recommendation = syncproto.Recommendation

// Recommend applies the rule set to a claim. Amounts are integer minor
// units; a proportion is rounded down to the fen (never more than the
// exact share). A loss is a total loss; damage and shortage are partial
// unless TotalLoss is set. A freight of 0 or none counts as unknown.
func Recommend(r ClaimRules, in ClaimInputs) Recommendation {
	var note string
	if ex, ok := r.Exemptions[in.Exemption]; ok && in.Exemption != "" {
		if !in.Insured || ex.ExemptsInsured {
			return Recommendation{Rule: RuleExempt, Exemption: in.Exemption, Capped: in.ClaimedCents > 0}
		}
		note = in.Exemption + " does not exempt an insured parcel"
	}
	rec := recommend(r, in)
	rec.Note = note
	rec.Capped = rec.AmountCents < in.ClaimedCents
	return rec
}

func recommend(r ClaimRules, in ClaimInputs) Recommendation {
	freight := int64(0)
	if in.FreightCents != nil {
		freight = *in.FreightCents
	}
	switch {
	case in.Type == ClaimDelay && freight > 0:
		return Recommendation{Rule: RuleDelayFreightRefund, AmountCents: min(in.ClaimedCents, percentOf(freight, r.DelayFreightPercent))}
	case in.Type == ClaimDelay:
		return Recommendation{Rule: RuleDelayFreightUnknown}
	case in.Insured && (in.Type == ClaimLoss || in.TotalLoss):
		return Recommendation{Rule: RuleInsuredTotalLoss, AmountCents: min(in.ClaimedCents, in.InsuredValueCents)}
	case in.Insured:
		amount := in.ClaimedCents
		if in.DeclaredValueCents > 0 {
			amount = min(amount, mulDiv(in.ClaimedCents, in.InsuredValueCents, in.DeclaredValueCents))
		} else {
			amount = min(amount, in.InsuredValueCents)
		}
		return Recommendation{Rule: RuleInsuredPartialLoss, AmountCents: amount}
	case freight > 0:
		return Recommendation{Rule: RuleUninsuredFreightCap, AmountCents: min(in.ClaimedCents, percentOf(freight, r.UninsuredFreightPercent))}
	default:
		return Recommendation{Rule: RuleUninsuredFixedCap, AmountCents: min(in.ClaimedCents, r.UninsuredFixedCapCents)}
	}
}

// percentOf returns amount × percent ÷ 100, rounded down.
func percentOf(amount, percent int64) int64 { return mulDiv(amount, percent, 100) }

// mulDiv returns a × b ÷ c rounded down, without overflow (a, b ≤ 10^12
// make a product up to 10^24); a result beyond int64 is clamped.
func mulDiv(a, b, c int64) int64 {
	q := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	q.Quo(q, big.NewInt(c))
	if !q.IsInt64() {
		return 1<<63 - 1
	}
	return q.Int64()
}
