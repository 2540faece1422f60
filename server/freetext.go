package server

import (
	"context"
	"time"
)

// ActionTextReveal is the audit action of a read of free text in the clear.
const ActionTextReveal = "text.reveal"

// Free text (complaint descriptions and transition notes, callback reasons
// and outcome notes, damage descriptions) is sealed at rest like contact
// data. Views show it through RedactText; the full text is read through a
// TextReader, and every such read is an audit event.

// FreeText is the full free text of one record.
type FreeText struct {
	Object string     `json:"object"`
	Text   string     `json:"text"`
	Notes  []TextNote `json:"notes"`
}

// TextNote is one note of a record's history: a complaint's transition
// note or a callback attempt's outcome note.
type TextNote struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Note string    `json:"note"`
}

// TextReader reveals the sealed free text of a record to a dispatcher,
// writing an audit event in the same transaction. An unknown id →
// not_found; purged text reads as empty.
type TextReader interface {
	ComplaintText(ctx context.Context, p Principal, complaintID string) (*FreeText, error)
	CallbackText(ctx context.Context, p Principal, taskID string) (*FreeText, error)
	DamageText(ctx context.Context, p Principal, reportID string) (*FreeText, error)
}
