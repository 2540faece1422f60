package bolt

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// The full free text of a record is read in the writer's transaction with
// its audit event, so no text is shown without the event on disk; it is
// opened after the commit, outside the transaction.

// sealedTexts is what a reveal takes out of the transaction.
type sealedTexts struct {
	text       []byte
	legacyText string
	notes      []sealedNote
}

type sealedNote struct {
	note   server.TextNote // Note holds a legacy plain note, if any
	sealed []byte
}

// ComplaintText implements server.TextReader.
func (d *DB) ComplaintText(ctx context.Context, p server.Principal, id string) (*server.FreeText, error) {
	return d.revealText(p, id, func(tx *bbolt.Tx) (*sealedTexts, error) {
		r, err := getComplaint(tx, id)
		if err != nil || r == nil {
			return nil, err
		}
		out := &sealedTexts{text: r.Text, legacyText: r.Complaint.Description}
		for i, s := range r.History {
			out.notes = append(out.notes, sealedNote{server.TextNote{At: s.At, By: s.By, Note: s.Note}, r.stepNote(i)})
		}
		return out, nil
	})
}

// CallbackText implements server.TextReader.
func (d *DB) CallbackText(ctx context.Context, p server.Principal, id string) (*server.FreeText, error) {
	return d.revealText(p, id, func(tx *bbolt.Tx) (*sealedTexts, error) {
		t, err := getTask(tx, id)
		if err != nil || t == nil {
			return nil, err
		}
		out := &sealedTexts{text: t.ReasonSealed, legacyText: t.Reason}
		for _, a := range t.Attempts {
			out.notes = append(out.notes, sealedNote{server.TextNote{At: a.RecordedAt, By: a.CourierID, Note: a.Note}, a.NoteSealed})
		}
		return out, nil
	})
}

// DamageText implements server.TextReader.
func (d *DB) DamageText(ctx context.Context, p server.Principal, id string) (*server.FreeText, error) {
	return d.revealText(p, id, func(tx *bbolt.Tx) (*sealedTexts, error) {
		n, err := strconv.ParseUint(strings.TrimPrefix(id, "dr-"), 10, 64)
		if !strings.HasPrefix(id, "dr-") || err != nil {
			return nil, nil
		}
		v := tx.Bucket(bucketDamage).Get(u64(n))
		if v == nil {
			return nil, nil
		}
		var r damageRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, err
		}
		return &sealedTexts{text: r.Text, legacyText: r.Report.Description}, nil
	})
}

// revealText runs find and writes the audit event in one write
// transaction (find returning nil → not_found), then opens the text.
func (d *DB) revealText(p server.Principal, id string, find func(tx *bbolt.Tx) (*sealedTexts, error)) (*server.FreeText, error) {
	now := d.now()
	st, err := decide(d, func(tx *bbolt.Tx) (*sealedTexts, error) {
		st, err := find(tx)
		if err != nil {
			return nil, err
		}
		if st == nil {
			return nil, server.ErrNotFound
		}
		return st, appendEvent(tx, server.NewEvent(p, server.ActionTextReveal, id, now))
	})
	if err != nil {
		return nil, err
	}
	out := &server.FreeText{Object: id, Text: d.openText(st.text, st.legacyText), Notes: []server.TextNote{}}
	for _, n := range st.notes {
		n.note.Note = d.openText(n.sealed, n.note.Note)
		out.Notes = append(out.Notes, n.note)
	}
	return out, nil
}

var _ server.TextReader = (*DB)(nil)
