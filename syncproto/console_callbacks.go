package syncproto

import "time"

// NewCallback is the body of POST /v1/callbacks.
type NewCallback struct {
	CourierID   string   `json:"courier_id"`
	Waybill     string   `json:"waybill"`
	Reason      string   `json:"reason"`
	Customer    Customer `json:"customer"`
	DueBy       string   `json:"due_by,omitempty"`
	ComplaintID string   `json:"complaint_id,omitempty"`
}

// CallbackPatch is the body of PATCH /v1/callbacks/{task_id}: with the
// version the caller last saw, exactly one of: status "cancelled" (cancel),
// courier_id (reassign), or reviewed true (clear review_needed).
type CallbackPatch struct {
	Version   *int64 `json:"version"`
	Status    string `json:"status,omitempty"`
	CourierID string `json:"courier_id,omitempty"`
	Reviewed  bool   `json:"reviewed,omitempty"`
}

// CallbackAttempt is one recorded call of a task.
type CallbackAttempt struct {
	OutcomeID    string    `json:"outcome_id"`
	CourierID    string    `json:"courier_id"`
	Result       string    `json:"result"`
	Resolved     bool      `json:"resolved"`
	Satisfaction *int      `json:"satisfaction,omitempty"`
	Note         string    `json:"note,omitempty"`
	RecordedAt   time.Time `json:"recorded_at"`
	ReceivedAt   time.Time `json:"received_at"`
	Flags        []string  `json:"flags,omitempty"`
}

// CallbackView is the dispatcher's view of a task: the protocol's task view
// plus the attempts, due-time state and review flags. Contact is masked.
type CallbackView struct {
	TaskID      string            `json:"task_id"`
	CourierID   string            `json:"courier_id"`
	Waybill     string            `json:"waybill"`
	Reason      string            `json:"reason"`
	Status      string            `json:"status"`
	DueBy       time.Time         `json:"due_by"`
	Overdue     bool              `json:"overdue"`
	Contact     Contact           `json:"contact"`
	Version     int64             `json:"version"`
	Flags       []string          `json:"flags"`
	Outcomes    []CallbackAttempt `json:"outcomes"`
	ComplaintID string            `json:"complaint_id,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	ClosedAt    *time.Time        `json:"closed_at,omitempty"`
}

// CallbackList is a page of tasks.
type CallbackList struct {
	Callbacks []CallbackView `json:"callbacks"`
	Cursor    string         `json:"cursor"`
	HasMore   bool           `json:"has_more"`
}

// RevealedContact is the unmasked contact of a task, for its courier to
// call. The device must forget it at ExpiresAt (and when the task closes).
type RevealedContact struct {
	Phone     string    `json:"phone"`
	Name      string    `json:"name"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PurgeReport counts what a personal-data purge erased (or, in a dry run,
// would erase). It never carries the data itself.
type PurgeReport struct {
	DryRun bool `json:"dry_run"`
	// Cutoff: records of parcels whose last event is before it are
	// purged.
	Cutoff time.Time `json:"cutoff"`
	// Counts by kind: "pickups" (sender and recipient), "complaints"
	// (customer), "callback_tasks" (contact), "callback_notes" (free-text
	// notes of callback outcomes), "feed_entries" (masked contact in
	// couriers' pull feeds).
	Counts map[string]int `json:"counts"`
}
