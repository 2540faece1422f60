package server

import (
	"context"
	"time"
)

// AuditEvent is one entry of the audit trail: a state change, or a read of
// unmasked personal data. It names records by id, never by their contents.
type AuditEvent struct {
	Actor    string    `json:"actor"`
	Role     string    `json:"role"`
	Action   string    `json:"action"`
	Object   string    `json:"object"`
	At       time.Time `json:"at"`
	DeviceID string    `json:"device_id,omitempty"`
	IP       string    `json:"ip,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// NewEvent returns an event by p at now.
func NewEvent(p Principal, action, object string, now time.Time) AuditEvent {
	return AuditEvent{Actor: p.UserID, Role: p.Role, Action: action, Object: object, At: now, DeviceID: p.DeviceID, IP: p.IP}
}

// EventFilter selects audit events.
type EventFilter struct {
	Actor  string
	Action string
	Cursor string
	Limit  int
}

// EventList is a page of audit events.
type EventList struct {
	Events  []AuditEvent `json:"events"`
	Cursor  string       `json:"cursor"`
	HasMore bool         `json:"has_more"`
}

// EventLog is the audit trail of state changes and personal-data reads.
type EventLog interface {
	// RecordEvent appends an event on its own (for reads; state changes
	// write theirs in the same transaction as the change).
	RecordEvent(ctx context.Context, e AuditEvent) error
	// ListEvents lists events oldest first; a malformed cursor →
	// invalid_request.
	ListEvents(ctx context.Context, f EventFilter) (*EventList, error)
}
