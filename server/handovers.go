package server

import (
	"context"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// HandoverFilter selects hand-overs for GET /v1/cod/handovers.
type HandoverFilter struct {
	CourierID string
	// From and To bound the hand-over time: From ≤ at < To (zero: open).
	From, To time.Time
	Cursor   string
	Limit    int
}

// HandoverList is the body of GET /v1/cod/handovers.
type HandoverList = syncproto.HandoverList

// HandoverLog lists confirmed cash hand-overs.
type HandoverLog interface {
	// ListHandovers lists hand-overs oldest first. Errors:
	// invalid_request (cursor).
	ListHandovers(ctx context.Context, f HandoverFilter) (*HandoverList, error)
}

// Matches applies the filter's courier and time conditions to a hand-over.
func (f *HandoverFilter) Matches(h *Handover) bool {
	switch {
	case f.CourierID != "" && h.CourierID != f.CourierID:
	case !f.From.IsZero() && h.At.Before(f.From):
	case !f.To.IsZero() && !h.At.Before(f.To):
	default:
		return true
	}
	return false
}
