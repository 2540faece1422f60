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

// callbackOutcome applies a callback_outcome op. The assigned courier's
// outcome on an open task is an attempt: resolved closes the task (done),
// otherwise it stays open. An outcome from the assigned or a previous
// courier for a task that was cancelled, closed or reassigned meanwhile
// (the device was offline) is kept as an attempt flagged review_needed,
// and the task is flagged too; the task's status never changes back.
func (a *applier) callbackOutcome(po *pendingOp, p *syncproto.CallbackOutcome) (string, []string, *syncproto.Error, error) {
	notAssigned := syncproto.Errorf(syncproto.CodeNotAssigned, "task does not exist or is not assigned to you")
	t, err := getTask(a.tx, p.TaskID)
	if err != nil {
		return "", nil, nil, err
	}
	if t == nil {
		return "", nil, notAssigned, nil
	}
	var flags []string
	switch {
	case t.CourierID == a.courier && t.Status == server.TaskOpen:
	case t.CourierID == a.courier || containsString(t.PrevCouriers, a.courier):
		// Cancelled or reassigned while the device was offline: the call
		// happened, so keep it and let a dispatcher review it.
		flags = []string{server.FlagReviewNeeded}
	default:
		return "", nil, notAssigned, nil
	}
	b := a.tx.Bucket(bucketOutcomes)
	ref, seq, err := nextRef(b, "co")
	if err != nil {
		return "", nil, nil, err
	}
	if err := putJSON(b, u64(seq), &outcomeRecord{recordMeta: a.meta(po, ref, flags...), Outcome: p, NoteSealed: po.text}); err != nil {
		return "", nil, nil, err
	}
	t.Attempts = append(t.Attempts, attempt{OutcomeID: ref, CourierID: a.courier, Result: p.Result, Resolved: *p.Resolved,
		Satisfaction: p.Satisfaction, NoteSealed: po.text, RecordedAt: po.recordedAt, ReceivedAt: a.now, Flags: flags})
	if flags != nil {
		if !containsString(t.Flags, server.FlagReviewNeeded) {
			t.Flags = append(t.Flags, server.FlagReviewNeeded)
		}
	} else if *p.Resolved {
		t.Status = server.TaskDone
		now := a.now
		t.ClosedAt = &now
	}
	t.Version++
	t.UpdatedAt = a.now
	if err := putTask(a.tx, t); err != nil {
		return "", nil, nil, err
	}
	if err := a.db.publishTask(a.tx, t.CourierID, t, ""); err != nil {
		return "", nil, nil, err
	}
	detail := "result " + p.Result
	if flags != nil {
		detail += "; review needed"
	}
	e := server.AuditEvent{Actor: a.courier, Role: syncproto.RoleCourier, Action: server.ActionCallbackOutcome,
		Object: t.TaskID, At: a.now, DeviceID: a.device, Detail: detail}
	return ref, flags, nil, appendEvent(a.tx, e)
}
