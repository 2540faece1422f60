package server

import (
	"context"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// AuditEvent is one entry of the audit trail: a state change, or a read of
// unmasked personal data. It names records by id, never by their contents.
type AuditEvent = syncproto.AuditEvent

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
type EventList = syncproto.EventList

// EventLog is the audit trail of state changes and personal-data reads.
type EventLog interface {
	// RecordEvent appends an event on its own (for reads; state changes
	// write theirs in the same transaction as the change).
	RecordEvent(ctx context.Context, e AuditEvent) error
	// ListEvents lists events oldest first; a malformed cursor →
	// invalid_request.
	ListEvents(ctx context.Context, f EventFilter) (*EventList, error)
}
