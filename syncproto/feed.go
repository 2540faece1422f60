package syncproto

import "time"

// CODBalance is the data of a "cod_balance" change: a courier's
// cash-on-delivery custody position, in minor units of the currency
// (amounts of several currencies are not mixed in practice; CNY).
type CODBalance struct {
	CourierID               string    `json:"courier_id"`
	CollectedCents          int64     `json:"collected_cents"`
	HandedOverCents         int64     `json:"handed_over_cents"`
	InHandCents             int64     `json:"in_hand_cents"`
	SettledCents            int64     `json:"settled_cents"`
	OutstandingCents        int64     `json:"outstanding_cents"`
	AwaitingSettlementCents int64     `json:"awaiting_settlement_cents"`
	InHandCount             int64     `json:"in_hand_count"`
	AsOf                    time.Time `json:"as_of"`
}

// ComplaintChange is the data of a "complaint" change: what a handheld needs
// to show one of its courier's complaints offline. AtRiskFrom and DueBy let
// it work out the deadline state without the server; status "closed" tells
// it to drop the complaint.
type ComplaintChange struct {
	ComplaintID string     `json:"complaint_id"`
	Category    string     `json:"category"`
	Description string     `json:"description"`
	Status      string     `json:"status"`
	ReceivedAt  time.Time  `json:"received_at"`
	AtRiskFrom  time.Time  `json:"at_risk_from"`
	DueBy       time.Time  `json:"due_by"`
	Waybill     string     `json:"waybill,omitempty"`
	Customer    Contact    `json:"customer"`
	Exempted    bool       `json:"exempted"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	Version     int64      `json:"version"`
}
