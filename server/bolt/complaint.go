package bolt

import (
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// complaintRecord is a stored complaint, keyed by u64(N) for id "cp-N";
// the customer lives sealed beside the payload. recordMeta's CourierID is
// the courier concerned (the one who recorded a complaint op; for a
// dispatcher's complaint, the one named or who picked up the waybill).
type complaintRecord struct {
	recordMeta
	Complaint *syncproto.Complaint `json:"complaint"`
	Customer  sealedParty          `json:"customer"`
	// Text is the description, sealed (Complaint.Description is empty
	// but in records written before free text was sealed); StepNotes
	// are the History notes, sealed, index for index.
	Text      []byte                 `json:"text_sealed,omitempty"`
	StepNotes [][]byte               `json:"step_notes_sealed,omitempty"`
	Channel   string                 `json:"channel"`
	Seq       uint64                 `json:"seq"`
	Status    string                 `json:"status"`
	Received  time.Time              `json:"received"`
	DueBy     time.Time              `json:"due_by"`
	History   []server.ComplaintStep `json:"history,omitempty"`
	Exempted  bool                   `json:"exempted,omitempty"`
	ClosedAt  *time.Time             `json:"closed_at,omitempty"`
	CreatedBy string                 `json:"created_by"`
	CreatedAt time.Time              `json:"created_at"`
	Version   int64                  `json:"version"`
}

// addStep appends a transition with its sealed note.
func (r *complaintRecord) addStep(step server.ComplaintStep, note []byte) {
	for len(r.StepNotes) < len(r.History) {
		r.StepNotes = append(r.StepNotes, nil)
	}
	r.History = append(r.History, step)
	r.StepNotes = append(r.StepNotes, note)
}

// stepNote returns the sealed note of History[i] (nil for none or a note
// kept plain by an older release).
func (r *complaintRecord) stepNote(i int) []byte {
	if i < len(r.StepNotes) {
		return r.StepNotes[i]
	}
	return nil
}

// maskedHistory is r's history as views show it: notes masked.
func (d *DB) maskedHistory(r *complaintRecord) []server.ComplaintStep {
	out := append([]server.ComplaintStep{}, r.History...)
	for i := range out {
		out[i].Note = d.maskedText(r.stepNote(i), out[i].Note, r.Customer)
	}
	return out
}
