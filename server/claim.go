package server

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Claim statuses, in the only order a claim moves through them.
const (
	ClaimFiled        = syncproto.ClaimFiled
	ClaimAcknowledged = syncproto.ClaimAcknowledged
	ClaimDecided      = syncproto.ClaimDecided
	ClaimPaid         = syncproto.ClaimPaid
)

// Audit actions of claims.
const (
	ActionClaimFile        = "claim.file"
	ActionClaimAcknowledge = "claim.acknowledge"
	ActionClaimDecide      = "claim.decide"
	ActionClaimOverride    = "claim.override"
	ActionClaimPayout      = "claim.payout"
)

// maxEvidence bounds a claim's evidence digests.
const maxEvidence = 20

// ClaimDecision is a claim's decision (and, without Overridden, By and At,
// its recommendation): the amount, the rule and rule-set version that
// gave it, every input it used and the evidence digests.
type ClaimDecision = syncproto.ClaimDecision

// ClaimPayout is the payment of a decided claim.
type ClaimPayout = syncproto.ClaimPayout

// ClaimStep is one transition in a claim's history.
type ClaimStep = syncproto.ClaimStep

// Claim is the claim view of PROTOCOL.md, also the stored record (AtRisk
// and Breached are recomputed at every read by Clock).
type Claim syncproto.Claim

// Clock sets AtRisk and Breached at now. The deadline pending is the
// acknowledgement's while filed, the decision's while acknowledged, none
// after. Breached: an acknowledgement or a decision made late (or still
// missing past its deadline), so a late step stays breached.
func (c *Claim) Clock(now time.Time, r ClaimRules) {
	ackEnd, decEnd := now, now
	if c.AcknowledgedAt != nil {
		ackEnd = *c.AcknowledgedAt
	}
	if c.DecidedAt != nil {
		decEnd = *c.DecidedAt
	}
	c.Breached = ackEnd.After(c.AckDueBy) || decEnd.After(c.DecideDueBy)
	c.AtRisk = false
	switch c.Status {
	case ClaimFiled:
		from := c.FiledAt.Add(time.Duration(r.AckAtRiskHours) * time.Hour)
		c.AtRisk = !now.Before(from) && !now.After(c.AckDueBy)
	case ClaimAcknowledged:
		from := c.FiledAt.Add(time.Duration(r.DecideAtRiskDays) * 24 * time.Hour)
		c.AtRisk = !now.Before(from) && !now.After(c.DecideDueBy)
	}
	if c.Breached {
		c.AtRisk = false
	}
}

// Overdue reports whether the deadline pending at now has passed.
func (c *Claim) Overdue(now time.Time) bool {
	switch c.Status {
	case ClaimFiled:
		return now.After(c.AckDueBy)
	case ClaimAcknowledged:
		return now.After(c.DecideDueBy)
	}
	return false
}

// DecidedOnTime reports whether the claim was decided by its deadline.
func (c *Claim) DecidedOnTime() bool {
	return c.DecidedAt != nil && !c.DecidedAt.After(c.DecideDueBy)
}

// NewClaim is the body of POST /v1/claims. Exemption (optional) is a
// reason code of the rule set given when the claim is filed; TotalLoss
// (optional) makes a damage or shortage claim a total loss.
type NewClaim syncproto.NewClaim

// Check validates the request's shape and returns filed_at; filed_at more
// than skew in the future is refused.
func (r *NewClaim) Check(rules ClaimRules, now time.Time, skew time.Duration) (time.Time, error) {
	if !syncproto.ValidWaybill(r.Waybill) {
		return time.Time{}, Invalid("waybill: 6–32 of [A-Za-z0-9-]")
	}
	switch r.Type {
	case ClaimDelay, ClaimLoss, ClaimDamage, ClaimShortage:
	default:
		return time.Time{}, Invalid("type: one of delay, loss, damage, shortage")
	}
	if r.ClaimedCents == nil || *r.ClaimedCents < 1 || *r.ClaimedCents > maxCents {
		return time.Time{}, Invalid("claimed_cents: 1..10^12")
	}
	filed, ok := syncproto.ParseOpTime(r.FiledAt)
	if !ok {
		return time.Time{}, Invalid("filed_at: an RFC 3339 time with offset")
	}
	if filed.After(now.Add(skew)) {
		return time.Time{}, Invalid("filed_at: in the future")
	}
	if r.ComplaintID != "" && !ValidRecordID(r.ComplaintID) {
		return time.Time{}, Invalid("complaint_id: 1–64 of [A-Za-z0-9_-]")
	}
	if len(r.Evidence) > maxEvidence {
		return time.Time{}, Invalid("evidence: at most 20 digests")
	}
	for _, d := range r.Evidence {
		if !syncproto.ValidDigest(d) {
			return time.Time{}, Invalid("evidence: lowercase hex SHA-256 digests")
		}
	}
	if err := checkExemption(rules, r.Exemption); err != nil {
		return time.Time{}, err
	}
	return filed, nil
}

func checkExemption(rules ClaimRules, code string) error {
	if _, ok := rules.Exemptions[code]; code != "" && !ok {
		return Invalid("exemption: not a reason code of the claim rule set")
	}
	return nil
}

// ClaimDecide is the body of POST /v1/claims/{id}/decide: either
// accept_recommendation, or amount_cents with a written reason (an
// override). Exemption (optional) names the reason code the decision
// applies, replacing the one given when the claim was filed.
type ClaimDecide syncproto.ClaimDecide

// Check validates the request's shape.
func (r *ClaimDecide) Check(rules ClaimRules) error {
	if r.AcceptRecommendation == (r.AmountCents != nil) {
		return Invalid("give either accept_recommendation:true or amount_cents with a reason")
	}
	if r.AmountCents != nil {
		if *r.AmountCents < 0 || *r.AmountCents > maxCents {
			return Invalid("amount_cents: 0..10^12")
		}
		if r.Reason == "" {
			return Invalid("reason: required when overriding the recommendation")
		}
	}
	if !utf8.ValidString(r.Reason) || utf8.RuneCountInString(r.Reason) > syncproto.MaxTextRunes {
		return Invalid("reason: valid UTF-8, at most 2000 characters")
	}
	return checkExemption(rules, r.Exemption)
}

// ClaimPay is the body of POST /v1/claims/{id}/payout.
type ClaimPay syncproto.ClaimPay

// Check validates the request's shape.
func (r *ClaimPay) Check() error {
	if r.AmountCents == nil || *r.AmountCents < 0 || *r.AmountCents > maxCents {
		return Invalid("amount_cents: 0..10^12")
	}
	if r.Reference == "" || len(r.Reference) > 128 || !utf8.ValidString(r.Reference) {
		return Invalid("reference: 1–128 bytes of UTF-8")
	}
	return nil
}

// ClaimFilter selects claims. Overdue: the deadline pending has passed.
type ClaimFilter struct {
	Status  string
	Overdue bool
	Waybill string
	Cursor  string
	Limit   int
}

// Check validates the filter.
func (f *ClaimFilter) Check() error {
	switch f.Status {
	case "", ClaimFiled, ClaimAcknowledged, ClaimDecided, ClaimPaid:
	default:
		return Invalid("status: one of filed, acknowledged, decided, paid")
	}
	if f.Overdue && (f.Status == ClaimDecided || f.Status == ClaimPaid) {
		return Invalid("overdue: only filed or acknowledged claims can be overdue")
	}
	if f.Waybill != "" && !syncproto.ValidWaybill(f.Waybill) {
		return Invalid("waybill: 6–32 of [A-Za-z0-9-]")
	}
	return nil
}

// Match reports whether c passes the filter at now.
func (f *ClaimFilter) Match(c *Claim, now time.Time) bool {
	return (f.Status == "" || c.Status == f.Status) && (!f.Overdue || c.Overdue(now)) &&
		(f.Waybill == "" || c.Waybill == f.Waybill)
}

// ClaimList is the body of GET /v1/claims, in filing order.
type ClaimList struct {
	Claims  []Claim `json:"claims"`
	Cursor  string  `json:"cursor"`
	HasMore bool    `json:"has_more"`
}

// ClaimService runs the claim workflow.
type ClaimService interface {
	// FileClaim records a claim. Malformed → invalid_request; no pickup
	// of the waybill or an unknown complaint → unprocessable; filed after
	// the claim window → claim_window_closed.
	FileClaim(ctx context.Context, p Principal, r *NewClaim) (*Claim, error)
	// Claim returns one claim; unknown → not_found.
	Claim(ctx context.Context, id string) (*Claim, error)
	// ListClaims lists claims in filing order.
	ListClaims(ctx context.Context, f ClaimFilter) (*ClaimList, error)
	// AcknowledgeClaim acknowledges a filed claim; any other status →
	// conflict.
	AcknowledgeClaim(ctx context.Context, p Principal, id string) (*Claim, error)
	// DecideClaim decides an acknowledged claim; any other status →
	// conflict; an override above the claimed amount → unprocessable.
	DecideClaim(ctx context.Context, p Principal, id string, r *ClaimDecide) (*Claim, error)
	// PayClaim pays a decided claim: an amount other than the decision's
	// → unprocessable; paid already, or not decided → conflict.
	PayClaim(ctx context.Context, p Principal, id string, r *ClaimPay) (*Claim, error)
}
