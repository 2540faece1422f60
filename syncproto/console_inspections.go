package syncproto

import "time"

// ServiceInspectionItem is one sampled record and what the inspector found.
type ServiceInspectionItem struct {
	ItemID    string     `json:"item_id"`
	CourierID string     `json:"courier_id"`
	Kind      string     `json:"kind"`
	Ref       string     `json:"ref"`
	Result    string     `json:"result"`
	Finding   string     `json:"finding,omitempty"`
	MarkedBy  string     `json:"marked_by,omitempty"`
	MarkedAt  *time.Time `json:"marked_at,omitempty"`
	ActionID  string     `json:"action_id,omitempty"`
}

// ServiceInspection is a month's service-quality inspection (id "in-YYYY-MM").
type ServiceInspection struct {
	InspectionID    string                  `json:"inspection_id"`
	Month           string                  `json:"month"`
	Seed            string                  `json:"seed"`
	ItemsPerCourier int                     `json:"items_per_courier"`
	Status          string                  `json:"status"`
	Couriers        []string                `json:"couriers"`
	Items           []ServiceInspectionItem `json:"items"`
	OpenedBy        string                  `json:"opened_by"`
	OpenedAt        time.Time               `json:"opened_at"`
	CompletedAt     *time.Time              `json:"completed_at,omitempty"`
}

// CorrectiveAction is what a failed item opens, followed until closed.
type CorrectiveAction struct {
	ActionID     string     `json:"action_id"`
	InspectionID string     `json:"inspection_id"`
	ItemID       string     `json:"item_id"`
	CourierID    string     `json:"courier_id"`
	Owner        string     `json:"owner"`
	Finding      string     `json:"finding"`
	DueBy        time.Time  `json:"due_by"`
	Status       string     `json:"status"`
	Overdue      bool       `json:"overdue"`
	OpenedBy     string     `json:"opened_by"`
	OpenedAt     time.Time  `json:"opened_at"`
	ClosedBy     string     `json:"closed_by,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Note         string     `json:"note,omitempty"`
}

// NewInspection is the body of POST /v1/inspections. Seed (optional, 64
// hex digits) redraws a sample an auditor wants to check; without it the
// server makes a random one and stores it.
type NewInspection struct {
	Month string `json:"month"`
	Seed  string `json:"seed,omitempty"`
}

// ItemMark is the body of POST /v1/inspections/{id}/items/{item_id}. A
// fail needs a finding; its corrective action's owner (a user id) and
// due_by default to the item's courier and a week from now.
type ItemMark struct {
	Result  string `json:"result"`
	Finding string `json:"finding"`
	Owner   string `json:"owner,omitempty"`
	DueBy   string `json:"due_by,omitempty"`
}

// ActionClose is the body of POST
// /v1/inspections/corrective-actions/{action_id}/close.
type ActionClose struct {
	Note string `json:"note"`
}

// ServiceInspectionList is the body of GET /v1/inspections.
type ServiceInspectionList struct {
	Inspections []ServiceInspection `json:"inspections"`
	Cursor      string              `json:"cursor"`
	HasMore     bool                `json:"has_more"`
}

// ActionList is the body of GET /v1/inspections/corrective-actions.
type ActionList struct {
	Actions []CorrectiveAction `json:"corrective_actions"`
	Cursor  string             `json:"cursor"`
	HasMore bool               `json:"has_more"`
}
