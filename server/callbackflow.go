package server

import (
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// CallbackState is a stored callback task as the rules see it: everything
// but the contact and the free text, which the store keeps sealed.
type CallbackState struct {
	// TaskID is given by the store on insert ("cb-N").
	TaskID    string
	CourierID string
	// PrevCouriers are the couriers the task was reassigned away from.
	PrevCouriers []string
	Status       string
	Waybill      string
	DueBy        time.Time
	Version      int64
	Flags        []string
	ComplaintID  string
	// Attempts are the recorded calls; Note is plain only on an attempt
	// being added (the store keeps notes sealed).
	Attempts  []CallbackAttempt
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time
	// ContactGone: the contact was purged.
	ContactGone bool
	// ContactFromComplaint asks the store, on insert, to copy the sealed
	// customer of complaint ComplaintID as the contact (nobody retypes it
	// and it is never opened on the way).
	ContactFromComplaint bool
}

// CallbackTx is what the callback workflow reads and writes inside one
// store write transaction: the store gives it, the rules below decide.
type CallbackTx interface {
	// CourierAccount reports whether id is a courier's account.
	CourierAccount(id string) (bool, error)
	// Complaint returns a stored complaint, nil if unknown.
	Complaint(id string) (*ComplaintState, error)
	// PickupKnown reports whether a pickup of waybill is recorded.
	PickupKnown(waybill string) (bool, error)
	// Task returns a stored task, nil if unknown.
	Task(id string) (*CallbackState, error)
	// InsertTask stores and indexes a new task (with the reason and the
	// typed contact the store sealed for it), links it to its complaint,
	// and gives it its TaskID.
	InsertTask(t *CallbackState) error
	// UpdateTask replaces a stored task.
	UpdateTask(t *CallbackState) error
	// PublishTask puts t's view in a courier's pull feed; with
	// removedReason, as a removal (the courier no longer has the task:
	// no reason text is sent).
	PublishTask(courierID string, t *CallbackState, removedReason string) error
	// WakeUp queues a wake-up about a task for a courier's devices.
	WakeUp(courierID, taskID string, now time.Time) error
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// TaskOverdue reports whether a task in status, due at due, is overdue at
// now: open and past its due time.
func TaskOverdue(status string, due, now time.Time) bool {
	return status == TaskOpen && now.After(due)
}

// CreateCallback decides a new task (r checked by NewCallback.Check, due
// its due time): the courier must be a courier's account; from a complaint,
// the complaint must exist and gives the waybill when r names none and
// its contact when none is typed (purged → unprocessable); a waybill with
// no pickup yet is flagged, not refused. The courier's feed gets the task,
// their devices a wake-up.
func CreateCallback(tx CallbackTx, p Principal, r *NewCallback, due, now time.Time) (*CallbackState, error) {
	ok, err := tx.CourierAccount(r.CourierID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNotCourier
	}
	t := &CallbackState{CourierID: r.CourierID, Status: TaskOpen, Waybill: r.Waybill, DueBy: due, Version: 1,
		ComplaintID: r.ComplaintID, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	if r.ComplaintID != "" {
		if err := fromComplaint(tx, r, t); err != nil {
			return nil, err
		}
	}
	known, err := tx.PickupKnown(t.Waybill)
	if err != nil {
		return nil, err
	}
	if !known {
		t.Flags = []string{FlagUnknownWaybill}
	}
	if err := tx.InsertTask(t); err != nil {
		return nil, err
	}
	if err := tx.PublishTask(t.CourierID, t, ""); err != nil {
		return nil, err
	}
	if err := tx.WakeUp(t.CourierID, t.TaskID, now); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionCallbackCreate, t.TaskID, now)
	e.Detail = "assigned to " + t.CourierID
	if r.ComplaintID != "" {
		e.Detail += "; complaint " + r.ComplaintID
	}
	return t, tx.Audit(e)
}

// fromComplaint checks the complaint a task is made from and takes the
// task's waybill (the request's, else the complaint's) and contact (the
// typed one, else the complaint's). An unknown complaint, or one whose
// contact is needed but purged, is unprocessable.
func fromComplaint(tx CallbackTx, r *NewCallback, t *CallbackState) error {
	c, err := tx.Complaint(r.ComplaintID)
	if err != nil {
		return err
	}
	if c == nil {
		return syncproto.Errorf(syncproto.CodeUnprocessable, "complaint_id: no such complaint")
	}
	if t.Waybill == "" {
		if t.Waybill = c.Waybill; t.Waybill == "" {
			return Invalid("waybill: required (the complaint names none)")
		}
	}
	if !r.FromComplaint() {
		return nil
	}
	if c.ContactGone {
		return syncproto.Errorf(syncproto.CodeUnprocessable, "complaint_id: the complaint's contact was purged; give customer")
	}
	t.ContactFromComplaint = true
	return nil
}

// UpdateCallback decides a patch of kind (CallbackPatch.Kind) to task id:
// the version must be the current one; cancel and reassign need an open
// task, review a task flagged review_needed; a reassignment goes to
// another courier's account, and the courier it leaves gets a removal and
// a wake-up. The assigned courier's feed always gets the new view, their
// devices a wake-up unless the patch is a review.
func UpdateCallback(tx CallbackTx, p Principal, id, kind string, patch *CallbackPatch, now time.Time) (*CallbackState, error) {
	t, err := tx.Task(id)
	if err != nil {
		return nil, err
	}
	switch {
	case t == nil:
		return nil, ErrNotFound
	case *patch.Version != t.Version:
		return nil, Conflict("stale version: the task changed; fetch it and try again")
	case kind != PatchReview && t.Status != TaskOpen:
		return nil, Conflict("the task is not open")
	}
	old := t.CourierID
	e, err := patchTask(tx, p, t, kind, patch, now)
	if err != nil {
		return nil, err
	}
	t.Version++
	t.UpdatedAt = now
	if err := tx.UpdateTask(t); err != nil {
		return nil, err
	}
	if old != t.CourierID {
		removal := *t
		removal.Status = TaskCancelled // the device drops the task and its contact
		if err := tx.PublishTask(old, &removal, RemovedReassigned); err != nil {
			return nil, err
		}
		if err := tx.WakeUp(old, id, now); err != nil {
			return nil, err
		}
	}
	if err := tx.PublishTask(t.CourierID, t, ""); err != nil {
		return nil, err
	}
	if kind != PatchReview {
		if err := tx.WakeUp(t.CourierID, id, now); err != nil {
			return nil, err
		}
	}
	return t, tx.Audit(e)
}

// patchTask applies one patch to t and returns its audit event.
func patchTask(tx CallbackTx, p Principal, t *CallbackState, kind string, patch *CallbackPatch, now time.Time) (AuditEvent, error) {
	switch kind {
	case PatchCancel:
		t.Status, t.ClosedAt = TaskCancelled, &now
		return NewEvent(p, ActionCallbackCancel, t.TaskID, now), nil
	case PatchReassign:
		ok, err := tx.CourierAccount(patch.CourierID)
		if err != nil {
			return AuditEvent{}, err
		}
		if !ok {
			return AuditEvent{}, errNotCourier
		}
		if patch.CourierID == t.CourierID {
			return AuditEvent{}, Conflict("the task is already assigned to that courier")
		}
		old := t.CourierID
		if !slices.Contains(t.PrevCouriers, old) {
			t.PrevCouriers = append(t.PrevCouriers, old)
		}
		t.CourierID = patch.CourierID
		e := NewEvent(p, ActionCallbackReassign, t.TaskID, now)
		e.Detail = "from " + old + " to " + t.CourierID
		return e, nil
	case PatchReview:
		if !slices.Contains(t.Flags, FlagReviewNeeded) {
			return AuditEvent{}, Conflict("the task is not flagged for review")
		}
		t.Flags = slices.DeleteFunc(slices.Clone(t.Flags), func(f string) bool { return f == FlagReviewNeeded })
		return NewEvent(p, ActionCallbackReview, t.TaskID, now), nil
	}
	return AuditEvent{}, Invalid("give exactly one of status, courier_id or reviewed")
}
