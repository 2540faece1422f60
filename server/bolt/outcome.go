package bolt

import (
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// outcomeRecord is a stored callback outcome.
type outcomeRecord struct {
	recordMeta
	Outcome *syncproto.CallbackOutcome `json:"outcome"`
	// NoteSealed is the note, sealed (Outcome.Note is empty but in
	// records written before free text was sealed).
	NoteSealed []byte `json:"note_sealed,omitempty"`
}

// taskRecord is a callback task as stored in bucketTasks, keyed by task id.
// The customer's contact is sealed; only its masked form is shown. Op
// intake reads task_id, courier_id, prev_couriers and status.
type taskRecord struct {
	TaskID       string      `json:"task_id"`
	CourierID    string      `json:"courier_id"`
	PrevCouriers []string    `json:"prev_couriers,omitempty"`
	Status       string      `json:"status"`
	Seq          uint64      `json:"seq"`
	Waybill      string      `json:"waybill"`
	Reason       string      `json:"reason"` // empty but in records written before free text was sealed
	ReasonSealed []byte      `json:"reason_sealed,omitempty"`
	DueBy        time.Time   `json:"due_by"`
	Contact      sealedParty `json:"contact"`
	Version      int64       `json:"version"`
	Flags        []string    `json:"flags,omitempty"`
	ComplaintID  string      `json:"complaint_id,omitempty"`
	Attempts     []attempt   `json:"attempts,omitempty"`
	CreatedBy    string      `json:"created_by"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	ClosedAt     *time.Time  `json:"closed_at,omitempty"`
}

// attempt is one callback outcome as the task keeps it.
type attempt struct {
	OutcomeID    string    `json:"outcome_id"`
	CourierID    string    `json:"courier_id"`
	Result       string    `json:"result"`
	Resolved     bool      `json:"resolved"`
	Satisfaction *int      `json:"satisfaction,omitempty"`
	Note         string    `json:"note,omitempty"` // empty but in records written before free text was sealed
	NoteSealed   []byte    `json:"note_sealed,omitempty"`
	RecordedAt   time.Time `json:"recorded_at"`
	ReceivedAt   time.Time `json:"received_at"`
	Flags        []string  `json:"flags,omitempty"`
}

func getTask(tx *bbolt.Tx, id string) (*taskRecord, error) {
	v := tx.Bucket(bucketTasks).Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	t := new(taskRecord)
	return t, json.Unmarshal(v, t)
}

func putTask(tx *bbolt.Tx, t *taskRecord) error {
	return putJSON(tx.Bucket(bucketTasks), []byte(t.TaskID), t)
}

// callbackOutcome applies a callback_outcome op (rules:
// server.RecordCallbackOutcome); the note was sealed before the
// transaction.
func (a *applier) callbackOutcome(po *pendingOp, p *syncproto.CallbackOutcome) (string, []string, *syncproto.Error, error) {
	ct := a.db.callbackTx(a.tx)
	ct.note, ct.out = po.text, &outcomeOp{a: a, po: po, p: p}
	return server.RecordCallbackOutcome(ct, server.OutcomeOp{CourierID: a.courier, DeviceID: a.device, Outcome: p,
		RecordedAt: po.recordedAt}, a.now)
}
