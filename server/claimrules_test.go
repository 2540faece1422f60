package server

import (
	"strings"
	"testing"
)

func cents(v int64) *int64 { return &v }

// TestClaimRulesWorkedCases is the table of worked cases: each names the
// rule that applies under the default rule set (3× freight, 10,000 fen
// fixed cap, delay refunds the freight, force majeure does not exempt an
// insured parcel).
func TestClaimRulesWorkedCases(t *testing.T) {
	insured := func(typ string, claimed, insuredV, declared int64) ClaimInputs {
		return ClaimInputs{Type: typ, ClaimedCents: claimed, Insured: true, InsuredValueCents: insuredV, DeclaredValueCents: declared}
	}
	uninsured := func(typ string, claimed int64, freight *int64) ClaimInputs {
		return ClaimInputs{Type: typ, ClaimedCents: claimed, DeclaredValueCents: 50_000, FreightCents: freight}
	}
	with := func(in ClaimInputs, f func(*ClaimInputs)) ClaimInputs { f(&in); return in }
	exempt := func(code string) func(*ClaimInputs) { return func(in *ClaimInputs) { in.Exemption = code } }
	cases := []struct {
		name      string
		in        ClaimInputs
		rule      string
		amount    int64
		exemption string
		capped    bool
	}{
		{"insured total loss pays the claim when under the insured value", insured(ClaimLoss, 40_000, 50_000, 60_000), RuleInsuredTotalLoss, 40_000, "", false},
		{"insured total loss above the insured value pays the insured value", insured(ClaimLoss, 90_000, 50_000, 100_000), RuleInsuredTotalLoss, 50_000, "", true},
		{"insured damage marked total loss pays min(claimed, insured)", with(insured(ClaimDamage, 80_000, 70_000, 80_000), func(in *ClaimInputs) { in.TotalLoss = true }), RuleInsuredTotalLoss, 70_000, "", true},
		{"insured partial damage pays in proportion to the insured value", insured(ClaimDamage, 30_000, 50_000, 100_000), RuleInsuredPartialLoss, 15_000, "", true},
		{"insured partial damage fully insured pays the claim", insured(ClaimDamage, 30_000, 100_000, 100_000), RuleInsuredPartialLoss, 30_000, "", false},
		{"insured shortage proportion rounds down to the fen", insured(ClaimShortage, 10_001, 1, 3), RuleInsuredPartialLoss, 3_333, "", true},
		{"insured partial damage with no declared value pays up to the insured value", insured(ClaimDamage, 30_000, 20_000, 0), RuleInsuredPartialLoss, 20_000, "", true},
		{"insured proportion of huge amounts does not overflow", insured(ClaimDamage, 1_000_000_000_000, 999_999_999_999, 1_000_000_000_000), RuleInsuredPartialLoss, 999_999_999_999, "", true},
		{"force majeure on an insured parcel is not exempt", with(insured(ClaimLoss, 40_000, 50_000, 60_000), exempt(ExemptForceMajeure)), RuleInsuredTotalLoss, 40_000, "", false},
		{"force majeure on an uninsured parcel pays 0", with(uninsured(ClaimLoss, 40_000, cents(1_000)), exempt(ExemptForceMajeure)), RuleExempt, 0, ExemptForceMajeure, true},
		{"uninsured loss under 3× freight pays the claim", uninsured(ClaimLoss, 2_500, cents(1_000)), RuleUninsuredFreightCap, 2_500, "", false},
		{"uninsured loss above 3× freight pays 3× freight", uninsured(ClaimLoss, 40_000, cents(1_000)), RuleUninsuredFreightCap, 3_000, "", true},
		{"uninsured damage with unknown freight is capped at the fixed cap", uninsured(ClaimDamage, 40_000, nil), RuleUninsuredFixedCap, 10_000, "", true},
		{"uninsured damage under the fixed cap pays the claim", uninsured(ClaimDamage, 9_999, nil), RuleUninsuredFixedCap, 9_999, "", false},
		{"uninsured shortage with a zero freight counts the freight unknown", uninsured(ClaimShortage, 12_000, cents(0)), RuleUninsuredFixedCap, 10_000, "", true},
		{"delay refunds the freight", uninsured(ClaimDelay, 5_000, cents(1_200)), RuleDelayFreightRefund, 1_200, "", true},
		{"delay claimed under the freight pays the claim", uninsured(ClaimDelay, 800, cents(1_200)), RuleDelayFreightRefund, 800, "", false},
		{"delay of an insured parcel also refunds the freight", with(insured(ClaimDelay, 5_000, 50_000, 50_000), func(in *ClaimInputs) { in.FreightCents = cents(900) }), RuleDelayFreightRefund, 900, "", true},
		{"delay with unknown freight pays 0 by rule", uninsured(ClaimDelay, 5_000, nil), RuleDelayFreightUnknown, 0, "", true},
		{"prohibited goods exempt an insured parcel", with(insured(ClaimLoss, 40_000, 50_000, 60_000), exempt(ExemptProhibitedGoods)), RuleExempt, 0, ExemptProhibitedGoods, true},
		{"the goods' own nature exempts a shortage", with(uninsured(ClaimShortage, 4_000, cents(1_000)), exempt(ExemptGoodsNature)), RuleExempt, 0, ExemptGoodsNature, true},
		{"wrong recipient details exempt", with(uninsured(ClaimLoss, 4_000, cents(1_000)), exempt(ExemptWrongRecipientDetails)), RuleExempt, 0, ExemptWrongRecipientDetails, true},
		{"late at the customer's request exempts a delay", with(uninsured(ClaimDelay, 1_000, cents(1_000)), exempt(ExemptLateAtCustomerRequest)), RuleExempt, 0, ExemptLateAtCustomerRequest, true},
		{"another customer cause exempts an insured damage", with(insured(ClaimDamage, 1_000, 5_000, 5_000), exempt(ExemptOtherCustomerCause)), RuleExempt, 0, ExemptOtherCustomerCause, true},
	}
	rules := DefaultClaimRules()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Recommend(rules, tc.in)
			if got.Rule != tc.rule || got.AmountCents != tc.amount || got.Exemption != tc.exemption || got.Capped != tc.capped {
				t.Fatalf("got %+v, want rule %s amount %d exemption %q capped %v", got, tc.rule, tc.amount, tc.exemption, tc.capped)
			}
		})
	}
	if len(cases) < 20 {
		t.Fatalf("only %d worked cases", len(cases))
	}
}

func TestForceMajeureOnAnInsuredParcelSaysWhyItIsNotExempt(t *testing.T) {
	in := ClaimInputs{Type: ClaimLoss, ClaimedCents: 100, Insured: true, InsuredValueCents: 100, Exemption: ExemptForceMajeure}
	got := Recommend(DefaultClaimRules(), in)
	if !strings.Contains(got.Note, "does not exempt an insured parcel") || got.Exemption != "" {
		t.Fatalf("%+v", got)
	}
}

// A company changes its caps in configuration and sees what changes.
func TestClaimRulesFromConfigurationChangeTheCaps(t *testing.T) {
	r, err := ParseClaimRules([]byte(`{"version":"acme-2","uninsured_freight_percent":500,"uninsured_fixed_cap_cents":20000}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.WindowDays != 365 || len(r.Exemptions) != 6 {
		t.Fatalf("defaults lost: %+v", r)
	}
	in := ClaimInputs{Type: ClaimLoss, ClaimedCents: 40_000, FreightCents: cents(1_000)}
	if got := Recommend(r, in); got.AmountCents != 5_000 {
		t.Fatalf("5× freight: %+v", got)
	}
	in.FreightCents = nil
	if got := Recommend(r, in); got.AmountCents != 20_000 {
		t.Fatalf("fixed cap: %+v", got)
	}
	for _, bad := range []string{`{"version":""}`, `{"bogus":1}`, `{"claim_window_days":0}`, `{"ack_due_hours":2,"ack_at_risk_hours":2}`,
		`{"uninsured_fixed_cap_cents":-1}`, `{"exemptions":{"bad code!":{}}}`, `not json`} {
		if _, err := ParseClaimRules([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
