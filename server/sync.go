package server

import (
	"context"

	"github.com/courier-sync/courier-sync/syncproto"
)

// SyncService takes pushes from device outboxes and serves the pull feed.
type SyncService interface {
	// Push applies the ops of req for the courier p, each at most once,
	// and returns after every applied op is on disk. Op-level errors
	// (validation_failed, unknown_kind, op_id_conflict, duplicate_waybill,
	// duplicate_receipt, inspection_required, odometer_regression,
	// not_assigned) travel inside the results; the returned error is only
	// for failures of the whole request.
	Push(ctx context.Context, p Principal, req *syncproto.PushRequest) (*syncproto.PushResponse, error)
	// Pull returns up to limit changes of p's feed after cursor. A cursor
	// from another store or a compacted history → ErrCursorExpired; a
	// malformed one → invalid_request.
	Pull(ctx context.Context, p Principal, cursor string, limit int) (*syncproto.PullResponse, error)
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	DeviceID string
	Cursor   string
	Limit    int
}

// AuditService lists what the server took from devices.
type AuditService interface {
	// ListOps lists ops in the order the server took them; a malformed
	// cursor → invalid_request.
	ListOps(ctx context.Context, f AuditFilter) (*syncproto.AuditOpList, error)
}
