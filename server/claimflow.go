package server

import (
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// ClaimFacts are what the claim rules read of a waybill's pickup.
type ClaimFacts struct {
	PickupRef          string
	CourierID          string
	RecordedAt         time.Time
	Insured            bool
	InsuredValueCents  int64
	DeclaredValueCents int64
	FreightCents       *int64
}

// ClaimTx is what the claim workflow reads and writes inside one store
// write transaction: the store gives it, the rules below decide.
type ClaimTx interface {
	// PickupFacts returns the facts of a waybill's pickup, nil if none.
	PickupFacts(waybill string) (*ClaimFacts, error)
	// ComplaintExists reports whether a complaint id is known.
	ComplaintExists(id string) (bool, error)
	// Claim returns a stored claim, nil if unknown.
	Claim(id string) (*Claim, error)
	// InsertClaim stores a new claim and gives it its ClaimID.
	InsertClaim(c *Claim) error
	// UpdateClaim replaces a stored claim (old is its previous state, for
	// the indexes).
	UpdateClaim(old, c *Claim) error
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// FileClaim decides a new claim: the waybill's pickup must exist (else
// unprocessable, naming the waybill field), the claim must be filed within
// the window after the pickup's recorded_at (else claim_window_closed),
// and the recommendation is made from a snapshot of the pickup. A filed_at
// before the pickup's recorded_at is accepted: recorded_at is the device's
// clock, which may run ahead (skew is flagged, never corrected).
func FileClaim(tx ClaimTx, p Principal, r *NewClaim, rules ClaimRules, now time.Time, skew time.Duration) (*Claim, error) {
	filed, err := r.Check(rules, now, skew)
	if err != nil {
		return nil, err
	}
	facts, err := tx.PickupFacts(r.Waybill)
	if err != nil {
		return nil, err
	}
	if facts == nil {
		return nil, syncproto.Errorf(syncproto.CodeUnprocessable, "waybill: no pickup is recorded for this waybill")
	}
	if filed.After(facts.RecordedAt.Add(rules.Window())) {
		return nil, syncproto.Errorf(syncproto.CodeClaimWindowClosed,
			"filed more than %d days after the pickup", rules.WindowDays)
	}
	if r.ComplaintID != "" {
		ok, err := tx.ComplaintExists(r.ComplaintID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, syncproto.Errorf(syncproto.CodeUnprocessable, "complaint_id: no such complaint")
		}
	}
	in := ClaimInputs{Type: r.Type, ClaimedCents: *r.ClaimedCents, TotalLoss: r.TotalLoss, Exemption: r.Exemption,
		Insured: facts.Insured, InsuredValueCents: facts.InsuredValueCents, DeclaredValueCents: facts.DeclaredValueCents,
		FreightCents: facts.FreightCents, PickupRef: facts.PickupRef, PickupRecordedAt: facts.RecordedAt}
	evidence := append([]string{}, r.Evidence...)
	c := &Claim{Waybill: r.Waybill, Type: r.Type, ClaimedCents: in.ClaimedCents, FiledAt: filed, Status: ClaimFiled,
		AckDueBy: filed.Add(time.Duration(rules.AckDueHours) * time.Hour), DecideDueBy: filed.AddDate(0, 0, rules.DecideDueDays),
		ComplaintID: r.ComplaintID, Evidence: evidence, TotalLoss: r.TotalLoss, Exemption: r.Exemption,
		CourierID: facts.CourierID, History: []ClaimStep{}, FiledBy: p.UserID, CreatedAt: now}
	c.Recommendation = recommendation(rules, in, evidence)
	if err := tx.InsertClaim(c); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionClaimFile, c.ClaimID, now)
	e.Detail = "type " + r.Type + ", claimed " + strconv.FormatInt(in.ClaimedCents, 10)
	if r.Exemption != "" {
		e.Detail += ", exemption " + r.Exemption
	}
	if err := tx.Audit(e); err != nil {
		return nil, err
	}
	c.Clock(now, rules)
	return c, nil
}

func recommendation(rules ClaimRules, in ClaimInputs, evidence []string) *ClaimDecision {
	return &ClaimDecision{Recommendation: Recommend(rules, in), RuleSetVersion: rules.Version, Inputs: in, Evidence: evidence}
}

// loadClaim reads a claim and checks it is in status want.
func loadClaim(tx ClaimTx, id, want, hint string) (*Claim, error) {
	c, err := tx.Claim(id)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, ErrNotFound
	}
	if c.Status != want {
		return nil, Conflict("claim is " + c.Status + "; " + hint)
	}
	return c, nil
}

// AcknowledgeClaim acknowledges a filed claim.
func AcknowledgeClaim(tx ClaimTx, p Principal, id string, rules ClaimRules, now time.Time) (*Claim, error) {
	c, err := loadClaim(tx, id, ClaimFiled, "only a filed claim can be acknowledged")
	if err != nil {
		return nil, err
	}
	old := *c
	c.Status, c.AcknowledgedAt = ClaimAcknowledged, &now
	c.History = append(c.History, ClaimStep{To: ClaimAcknowledged, By: p.UserID, At: now})
	if err := tx.UpdateClaim(&old, c); err != nil {
		return nil, err
	}
	if err := tx.Audit(NewEvent(p, ActionClaimAcknowledge, c.ClaimID, now)); err != nil {
		return nil, err
	}
	c.Clock(now, rules)
	return c, nil
}

// DecideClaim decides an acknowledged claim. The rule runs again on the
// inputs snapshot taken at filing (with the decide request's exemption,
// if any) under the current rule set; accepting takes its amount, an
// override takes the supervisor's amount (at most the claimed amount) and
// reason, audited with the reason in the event's detail.
func DecideClaim(tx ClaimTx, p Principal, id string, r *ClaimDecide, rules ClaimRules, now time.Time) (*Claim, error) {
	if err := r.Check(rules); err != nil {
		return nil, err
	}
	c, err := loadClaim(tx, id, ClaimAcknowledged, "only an acknowledged claim can be decided")
	if err != nil {
		return nil, err
	}
	if r.AmountCents != nil && *r.AmountCents > c.ClaimedCents {
		return nil, syncproto.Errorf(syncproto.CodeUnprocessable, "amount_cents: more than the claimed amount")
	}
	old := *c
	in := c.Recommendation.Inputs
	if r.Exemption != "" {
		in.Exemption, c.Exemption = r.Exemption, r.Exemption
	}
	rec := recommendation(rules, in, c.Evidence)
	d := *rec
	d.By, d.At = p.UserID, &now
	action, detail := ActionClaimDecide, d.Rule+", "+strconv.FormatInt(d.AmountCents, 10)
	if r.AmountCents != nil {
		recommended := d.AmountCents
		d.AmountCents, d.Overridden, d.Reason, d.RecommendedCents = *r.AmountCents, true, r.Reason, &recommended
		action = ActionClaimOverride
		detail = "recommended " + strconv.FormatInt(recommended, 10) + " (" + d.Rule + "), decided " +
			strconv.FormatInt(d.AmountCents, 10) + ": " + r.Reason
	}
	if d.Exemption != "" {
		detail += "; exemption " + d.Exemption
	}
	c.Recommendation, c.Decision, c.Status, c.DecidedAt = rec, &d, ClaimDecided, &now
	c.History = append(c.History, ClaimStep{To: ClaimDecided, By: p.UserID, At: now, Note: r.Reason})
	if err := tx.UpdateClaim(&old, c); err != nil {
		return nil, err
	}
	e := NewEvent(p, action, c.ClaimID, now)
	e.Detail = detail
	if err := tx.Audit(e); err != nil {
		return nil, err
	}
	c.Clock(now, rules)
	return c, nil
}

// PayClaim pays a decided claim the decision's amount, once: paid already
// → conflict and nothing changes; another amount → unprocessable; a
// decision of 0 has nothing to pay → conflict.
func PayClaim(tx ClaimTx, p Principal, id string, r *ClaimPay, rules ClaimRules, now time.Time) (*Claim, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	c, err := loadClaim(tx, id, ClaimDecided, "only a decided claim can be paid, once")
	if err != nil {
		return nil, err
	}
	if c.Decision.AmountCents == 0 {
		return nil, Conflict("the decision pays nothing")
	}
	if *r.AmountCents != c.Decision.AmountCents {
		return nil, syncproto.Errorf(syncproto.CodeUnprocessable, "amount_cents: must equal the decision's amount")
	}
	old := *c
	c.Status = ClaimPaid
	c.Payout = &ClaimPayout{AmountCents: *r.AmountCents, Reference: r.Reference, By: p.UserID, At: now}
	c.History = append(c.History, ClaimStep{To: ClaimPaid, By: p.UserID, At: now})
	if err := tx.UpdateClaim(&old, c); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionClaimPayout, c.ClaimID, now)
	e.Detail = "paid " + strconv.FormatInt(c.Payout.AmountCents, 10)
	if err := tx.Audit(e); err != nil {
		return nil, err
	}
	c.Clock(now, rules)
	return c, nil
}
