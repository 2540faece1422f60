package syncproto

import "time"

// ComplaintStep is one transition in a complaint's history.
type ComplaintStep struct {
	To   string    `json:"to"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note"`
	// ExemptCourier is set when the step changed the courier-fault
	// exemption.
	ExemptCourier *bool `json:"exempt_courier,omitempty"`
}

// ComplaintView is the complaint view of PROTOCOL.md: customer data masked,
// history of transitions only (not the creation).
type ComplaintView struct {
	ComplaintID string          `json:"complaint_id"`
	Category    string          `json:"category"`
	Description string          `json:"description"`
	Channel     string          `json:"channel"`
	Status      string          `json:"status"`
	ReceivedAt  time.Time       `json:"received_at"`
	DueBy       time.Time       `json:"due_by"`
	AtRisk      bool            `json:"at_risk"`
	Breached    bool            `json:"breached"`
	CourierID   string          `json:"courier_id,omitempty"`
	Waybill     string          `json:"waybill,omitempty"`
	Customer    Contact         `json:"customer"`
	History     []ComplaintStep `json:"history"`
	Exempted    bool            `json:"exempted"`
	ClosedAt    *time.Time      `json:"closed_at,omitempty"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	// CallbackIDs are the callback tasks made from this complaint.
	CallbackIDs []string `json:"callback_ids"`
}

// NewComplaint is the body of POST /v1/complaints. CourierID names the
// courier concerned; without it, the courier who picked up the waybill.
type NewComplaint struct {
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Customer    Customer `json:"customer"`
	ReceivedAt  string   `json:"received_at"`
	Channel     string   `json:"channel"`
	Waybill     string   `json:"waybill,omitempty"`
	CourierID   string   `json:"courier_id,omitempty"`
}

// ComplaintTransition is the body of POST /v1/complaints/{id}/transition.
type ComplaintTransition struct {
	To            string `json:"to"`
	Note          string `json:"note"`
	ExemptCourier *bool  `json:"exempt_courier,omitempty"`
}

// ComplaintList is the body of GET /v1/complaints, sorted by due_by.
type ComplaintList struct {
	Complaints []ComplaintView `json:"complaints"`
	Cursor     string          `json:"cursor"`
	HasMore    bool            `json:"has_more"`
}
