package syncproto

import "time"

// ClaimDecision is a claim's decision (and, without Overridden, By and At,
// its recommendation): the amount, the rule and rule-set version that
// gave it, every input it used and the evidence digests.
type ClaimDecision struct {
	Recommendation
	RuleSetVersion string      `json:"rule_set_version"`
	Inputs         ClaimInputs `json:"inputs"`
	Evidence       []string    `json:"evidence"`
	Overridden     bool        `json:"overridden"`
	Reason         string      `json:"reason,omitempty"`
	// RecommendedCents is what the rule said when a supervisor overrode it.
	RecommendedCents *int64     `json:"recommended_cents,omitempty"`
	By               string     `json:"by,omitempty"`
	At               *time.Time `json:"at,omitempty"`
}

// ClaimPayout is the payment of a decided claim.
type ClaimPayout struct {
	AmountCents int64     `json:"amount_cents"`
	Reference   string    `json:"reference"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// ClaimStep is one transition in a claim's history.
type ClaimStep struct {
	To   string    `json:"to"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
}

// Claim is the claim view of PROTOCOL.md, also the stored record (AtRisk
// and Breached are recomputed at every read by Clock).
type Claim struct {
	ClaimID        string         `json:"claim_id"`
	Waybill        string         `json:"waybill"`
	Type           string         `json:"type"`
	ClaimedCents   int64          `json:"claimed_cents"`
	FiledAt        time.Time      `json:"filed_at"`
	Status         string         `json:"status"`
	AckDueBy       time.Time      `json:"ack_due_by"`
	DecideDueBy    time.Time      `json:"decide_due_by"`
	AtRisk         bool           `json:"at_risk"`
	Breached       bool           `json:"breached"`
	Recommendation *ClaimDecision `json:"recommendation,omitempty"`
	Decision       *ClaimDecision `json:"decision,omitempty"`
	Payout         *ClaimPayout   `json:"payout,omitempty"`
	ComplaintID    string         `json:"complaint_id,omitempty"`
	Evidence       []string       `json:"evidence"`
	TotalLoss      bool           `json:"total_loss"`
	Exemption      string         `json:"exemption,omitempty"`
	CourierID      string         `json:"courier_id,omitempty"`
	AcknowledgedAt *time.Time     `json:"acknowledged_at,omitempty"`
	DecidedAt      *time.Time     `json:"decided_at,omitempty"`
	History        []ClaimStep    `json:"history"`
	FiledBy        string         `json:"filed_by"`
	CreatedAt      time.Time      `json:"created_at"`
}

// NewClaim is the body of POST /v1/claims. Exemption (optional) is a
// reason code of the rule set given when the claim is filed; TotalLoss
// (optional) makes a damage or shortage claim a total loss.
type NewClaim struct {
	Waybill      string   `json:"waybill"`
	Type         string   `json:"type"`
	ClaimedCents *int64   `json:"claimed_cents"`
	FiledAt      string   `json:"filed_at"`
	ComplaintID  string   `json:"complaint_id,omitempty"`
	Evidence     []string `json:"evidence,omitempty"`
	Exemption    string   `json:"exemption,omitempty"`
	TotalLoss    bool     `json:"total_loss,omitempty"`
}

// ClaimDecide is the body of POST /v1/claims/{id}/decide: either
// accept_recommendation, or amount_cents with a written reason (an
// override). Exemption (optional) names the reason code the decision
// applies, replacing the one given when the claim was filed.
type ClaimDecide struct {
	AcceptRecommendation bool   `json:"accept_recommendation"`
	AmountCents          *int64 `json:"amount_cents,omitempty"`
	Reason               string `json:"reason,omitempty"`
	Exemption            string `json:"exemption,omitempty"`
}

// ClaimPay is the body of POST /v1/claims/{id}/payout.
type ClaimPay struct {
	AmountCents *int64 `json:"amount_cents"`
	Reference   string `json:"reference"`
}

// ClaimList is the body of GET /v1/claims, in filing order.
type ClaimList struct {
	Claims  []Claim `json:"claims"`
	Cursor  string  `json:"cursor"`
	HasMore bool    `json:"has_more"`
}

// ClaimInputs are the facts a recommendation uses: the claim, and a
// snapshot of the pickup taken when the claim was filed, so a later
// correction of the pickup does not change the decision.
type ClaimInputs struct {
	Type               string    `json:"type"`
	ClaimedCents       int64     `json:"claimed_cents"`
	TotalLoss          bool      `json:"total_loss"`
	Exemption          string    `json:"exemption,omitempty"`
	Insured            bool      `json:"insured"`
	InsuredValueCents  int64     `json:"insured_value_cents"`
	DeclaredValueCents int64     `json:"declared_value_cents"`
	FreightCents       *int64    `json:"freight_cents,omitempty"`
	PickupRef          string    `json:"pickup_ref"`
	PickupRecordedAt   time.Time `json:"pickup_recorded_at"`
}

// Recommendation is what a rule says to pay.
type Recommendation struct {
	AmountCents int64  `json:"amount_cents"`
	Rule        string `json:"rule"`
	Exemption   string `json:"exemption,omitempty"`
	// Capped is true when a cap or proportion paid less than claimed.
	Capped bool `json:"capped"`
	// Note explains an exemption that did not apply.
	Note string `json:"note,omitempty"`
}
