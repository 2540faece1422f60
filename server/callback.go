package server

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Callback task statuses. A task is open until an outcome resolves it
// (done) or a dispatcher cancels it; neither ever reopens.
const (
	TaskOpen      = syncproto.TaskOpen
	TaskDone      = syncproto.TaskDone
	TaskCancelled = syncproto.TaskCancelled
)

// FlagUnknownWaybill marks a callback task created for a waybill the
// server has no pickup of (yet): it is created, not refused (the pickup
// may still be in a courier's outbox), and a dispatcher can see it.
const FlagUnknownWaybill = syncproto.FlagUnknownWaybill

// FlagReviewNeeded marks a callback outcome (and its task) that arrived for
// a task cancelled, closed or reassigned while the courier was offline: the
// call happened, so it is kept, and a dispatcher should look at it.
const FlagReviewNeeded = syncproto.FlagReviewNeeded

// RemovedReassigned is the removed_reason of the "callback_task" change a
// courier's feed gets when their task goes to another courier: the view has
// status "cancelled" (the device drops the task and its contact data) and
// removed_reason "reassigned" (so the handheld can say why).
const RemovedReassigned = syncproto.RemovedReassigned

// Audit actions of callback tasks and customer personal data.
const (
	ActionCallbackCreate   = "callback.create"
	ActionCallbackCancel   = "callback.cancel"
	ActionCallbackReassign = "callback.reassign"
	ActionCallbackReview   = "callback.review"
	ActionCallbackOutcome  = "callback.outcome"
	ActionContactReveal    = "contact.reveal"
	ActionPIIPurge         = "pii.purge"
)

// Limits of a callback task.
const (
	MaxReasonRunes = 500
	MaxTaskIDLen   = syncproto.MaxTaskIDLen
	// MaxCallbackAhead is how far ahead a callback may be due: a task
	// due in year 9999 would never be overdue.
	MaxCallbackAhead = 365 * 24 * time.Hour
)

// NewCallback is the body of POST /v1/callbacks.
type NewCallback syncproto.NewCallback

// FromComplaint reports whether the task takes its contact from the
// complaint it names: complaint_id given and no customer typed.
func (r *NewCallback) FromComplaint() bool {
	return r.ComplaintID != "" && r.Customer.Name == "" && r.Customer.Phone == ""
}

// Check validates r and returns its due time: due_by when given (RFC 3339
// with offset, after now: a past one is unprocessable), else now + def.
// With complaint_id the customer may be left out (the complaint's sealed
// contact is copied) and so may the waybill (the complaint's is taken).
// Messages name fields, never values.
func (r *NewCallback) Check(now time.Time, def time.Duration) (time.Time, error) {
	switch {
	case r.CourierID == "" || len(r.CourierID) > 64:
		return time.Time{}, Invalid("courier_id: required")
	case (r.Waybill != "" || r.ComplaintID == "") && !syncproto.ValidWaybill(r.Waybill):
		return time.Time{}, Invalid("waybill: 6–32 of [A-Za-z0-9-]")
	case !syncproto.HasText(r.Reason) || utf8.RuneCountInString(r.Reason) > MaxReasonRunes:
		return time.Time{}, Invalid("reason: required, valid UTF-8, at most 500 characters")
	case r.ComplaintID != "" && !ValidRecordID(r.ComplaintID):
		return time.Time{}, Invalid("complaint_id: 1–64 of [A-Za-z0-9_-]")
	case r.FromComplaint():
	case !syncproto.ValidName(r.Customer.Name, syncproto.MaxNameRunes):
		return time.Time{}, Invalid("customer.name: required (or complaint_id), valid UTF-8, at most 64 characters")
	case !syncproto.ValidPhone(r.Customer.Phone):
		return time.Time{}, Invalid("customer.phone: 3–20 digits, optional leading +, spaces or dashes")
	}
	if r.DueBy == "" {
		return now.Add(def), nil
	}
	due, ok := syncproto.ParseOpTime(r.DueBy)
	if !ok {
		return time.Time{}, Invalid("due_by: an RFC 3339 time with offset")
	}
	if due.After(now.Add(MaxCallbackAhead)) {
		return time.Time{}, syncproto.Errorf(syncproto.CodeUnprocessable, "due_by: at most a year ahead")
	}
	if !due.After(now) {
		return time.Time{}, syncproto.Errorf(syncproto.CodeUnprocessable, "due_by: in the past")
	}
	return due, nil
}

// ValidRecordID reports whether s is a record id: 1–64 of [A-Za-z0-9_-]
// (task ids such as "cb-17", complaint ids such as "cp-3").
func ValidRecordID(s string) bool {
	if s == "" || len(s) > MaxTaskIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// CallbackPatch is the body of PATCH /v1/callbacks/{task_id}: with the
// version the caller last saw, exactly one of: status "cancelled" (cancel),
// courier_id (reassign), or reviewed true (clear review_needed).
type CallbackPatch syncproto.CallbackPatch

// Patch kinds.
const (
	PatchCancel   = syncproto.PatchCancel
	PatchReassign = syncproto.PatchReassign
	PatchReview   = syncproto.PatchReview
)

// Kind checks p and says what it asks for.
func (p *CallbackPatch) Kind() (string, error) {
	if p.Version == nil {
		return "", Invalid("version: required")
	}
	n := 0
	kind := ""
	if p.Status != "" {
		if p.Status != TaskCancelled {
			return "", Invalid("status: only \"cancelled\" can be set")
		}
		n, kind = n+1, PatchCancel
	}
	if p.CourierID != "" {
		n, kind = n+1, PatchReassign
	}
	if p.Reviewed {
		n, kind = n+1, PatchReview
	}
	if n != 1 {
		return "", Invalid("give exactly one of status, courier_id or reviewed")
	}
	return kind, nil
}

// CallbackAttempt is one recorded call of a task.
type CallbackAttempt = syncproto.CallbackAttempt

// CallbackTask is the dispatcher's view of a task: the protocol's task view
// plus the attempts, due-time state and review flags. Contact is masked.
type CallbackTask = syncproto.CallbackView

// CallbackFilter selects tasks for GET /v1/callbacks.
type CallbackFilter struct {
	// Waybill keeps the tasks about one parcel.
	Waybill   string
	Status    string
	CourierID string
	// DueBefore keeps tasks due before it (zero: any).
	DueBefore time.Time
	// Overdue keeps open tasks past their due time.
	Overdue bool
	// Review keeps tasks flagged review_needed.
	Review bool
	Cursor string
	Limit  int
}

// CallbackList is a page of tasks.
type CallbackList = syncproto.CallbackList

// RevealedContact is the unmasked contact of a task, for its courier to
// call. The device must forget it at ExpiresAt (and when the task closes).
type RevealedContact = syncproto.RevealedContact

// CallbackService is the dispatcher side of callback tasks and the
// courier's number reveal. Every change publishes the task's view to the
// assigned courier's pull feed and queues a wake-up for their devices in
// the same transaction.
type CallbackService interface {
	// CreateCallback creates an open task. Errors: invalid_request (a
	// field), unprocessable (courier_id not a courier, complaint_id
	// unknown).
	CreateCallback(ctx context.Context, p Principal, req *NewCallback) (*CallbackTask, error)
	// Callback returns one task, or not_found.
	Callback(ctx context.Context, id string) (*CallbackTask, error)
	// ListCallbacks lists tasks oldest first; a malformed cursor or
	// filter → invalid_request.
	ListCallbacks(ctx context.Context, f CallbackFilter) (*CallbackList, error)
	// UpdateCallback cancels, reassigns or marks reviewed. Errors:
	// not_found, invalid_request, conflict (stale version, or the task
	// is not open), unprocessable (new courier not a courier).
	UpdateCallback(ctx context.Context, p Principal, id string, patch *CallbackPatch) (*CallbackTask, error)
	// RevealContact returns the unmasked contact to the assigned courier
	// while the task is open, and audits it (actor, device, IP, task).
	// Errors: forbidden (not a courier), not_found (not the caller's
	// task, or its data purged), conflict (task closed), rate_limited
	// as *RetryAfterError (over Settings.RevealsPerHour).
	RevealContact(ctx context.Context, p Principal, id string) (*RevealedContact, error)
}

// PurgeReport counts what a personal-data purge erased (or, in a dry run,
// would erase). It never carries the data itself.
type PurgeReport = syncproto.PurgeReport

// Purger erases customer personal data past Settings.PIIRetention after
// the parcel's last event, keeping money and audit records.
type Purger interface {
	// PurgePII erases (or with dryRun only counts) and audits the purge.
	PurgePII(ctx context.Context, p Principal, dryRun bool) (*PurgeReport, error)
}
