package server

import (
	"context"

	"github.com/courier-sync/courier-sync/syncproto"
)

// ActionTextReveal is the audit action of a read of free text in the clear.
const ActionTextReveal = "text.reveal"

// Free text (complaint descriptions and transition notes, callback reasons
// and outcome notes, damage descriptions) is sealed at rest like contact
// data. Views show it through RedactText; the full text is read through a
// TextReader, and every such read is an audit event.

// FreeText is the full free text of one record.
type FreeText = syncproto.FreeText

// TextNote is one note of a record's history: a complaint's transition
// note or a callback attempt's outcome note.
type TextNote = syncproto.TextNote

// TextReader reveals the sealed free text of a record to a dispatcher,
// writing an audit event in the same transaction. An unknown id →
// not_found; purged text reads as empty.
type TextReader interface {
	ComplaintText(ctx context.Context, p Principal, complaintID string) (*FreeText, error)
	CallbackText(ctx context.Context, p Principal, taskID string) (*FreeText, error)
	DamageText(ctx context.Context, p Principal, reportID string) (*FreeText, error)
}
