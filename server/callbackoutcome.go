package server

import (
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// CallbackOutcomeTx is what a callback_outcome op reads and writes inside
// the push's write transaction.
type CallbackOutcomeTx interface {
	// Task returns a stored task, nil if unknown.
	Task(id string) (*CallbackState, error)
	// InsertOutcome stores the op's outcome record with flags (its note
	// sealed) and returns its id.
	InsertOutcome(flags []string) (string, error)
	// UpdateTask replaces a stored task; an attempt beyond the stored
	// ones is the op's, its note stored sealed.
	UpdateTask(t *CallbackState) error
	// PublishTask puts t in a courier's pull feed.
	PublishTask(courierID string, t *CallbackState, removedReason string) error
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// OutcomeOp is a callback_outcome op as the rule reads it.
type OutcomeOp struct {
	CourierID  string
	DeviceID   string
	Outcome    *syncproto.CallbackOutcome
	RecordedAt time.Time
}

// MaxTaskAttempts bounds the call attempts one callback task keeps: a
// task holds its attempts, so without a bound one courier could grow it
// (and every rewrite of it) without end. Ten calls a day for a week is
// far below it.
const MaxTaskAttempts = 100

// RecordCallbackOutcome decides a callback_outcome op received at now. The
// assigned courier's outcome on an open task is an attempt: resolved closes
// the task (done), otherwise it stays open. An outcome from the assigned
// or a previous courier for a task cancelled, closed or reassigned
// meanwhile (the device was offline) is kept as an attempt flagged
// review_needed, and the task is flagged too; the task's status never
// changes back. Anyone else, or an unknown task → not_assigned (the
// refusal, third result); so is an attempt past MaxTaskAttempts
// (validation_failed). It returns the outcome's id and flags.
func RecordCallbackOutcome(tx CallbackOutcomeTx, op OutcomeOp, now time.Time) (string, []string, *syncproto.Error, error) {
	notAssigned := syncproto.Errorf(syncproto.CodeNotAssigned, "task does not exist or is not assigned to you")
	p := op.Outcome
	t, err := tx.Task(p.TaskID)
	if err != nil {
		return "", nil, nil, err
	}
	if t == nil {
		return "", nil, notAssigned, nil
	}
	var flags []string
	switch {
	case t.CourierID == op.CourierID && t.Status == TaskOpen:
	case t.CourierID == op.CourierID || slices.Contains(t.PrevCouriers, op.CourierID):
		// The call happened, so keep it and let a dispatcher review it.
		flags = []string{FlagReviewNeeded}
	default:
		return "", nil, notAssigned, nil
	}
	if len(t.Attempts) >= MaxTaskAttempts {
		return "", nil, syncproto.Errorf(syncproto.CodeValidationFailed,
			"the task already has %d call attempts, the most it keeps; ask the dispatcher for a new task", MaxTaskAttempts), nil
	}
	ref, err := tx.InsertOutcome(flags)
	if err != nil {
		return "", nil, nil, err
	}
	t.Attempts = append(t.Attempts, CallbackAttempt{OutcomeID: ref, CourierID: op.CourierID, Result: p.Result, Resolved: *p.Resolved,
		Satisfaction: p.Satisfaction, Note: p.Note, RecordedAt: op.RecordedAt, ReceivedAt: now, Flags: flags})
	switch {
	case flags != nil && !slices.Contains(t.Flags, FlagReviewNeeded):
		t.Flags = append(t.Flags, FlagReviewNeeded)
	case flags == nil && *p.Resolved:
		t.Status, t.ClosedAt = TaskDone, &now
	}
	t.Version++
	t.UpdatedAt = now
	if err := tx.UpdateTask(t); err != nil {
		return "", nil, nil, err
	}
	if err := tx.PublishTask(t.CourierID, t, ""); err != nil {
		return "", nil, nil, err
	}
	detail := "result " + p.Result
	if flags != nil {
		detail += "; review needed"
	}
	e := AuditEvent{Actor: op.CourierID, Role: syncproto.RoleCourier, Action: ActionCallbackOutcome,
		Object: t.TaskID, At: now, DeviceID: op.DeviceID, Detail: detail}
	return ref, flags, nil, tx.Audit(e)
}

// RevealWindow is the window of the per-courier reveal limit.
const RevealWindow = time.Hour

// RevealTx is what a number reveal reads and writes inside one store
// write transaction.
type RevealTx interface {
	// Task returns a stored task, nil if unknown.
	Task(id string) (*CallbackState, error)
	// Reveals drops a courier's reveals before from and returns the
	// times of the n oldest left (none when n ≤ 0), oldest first.
	Reveals(courierID string, from time.Time, n int) ([]time.Time, error)
	// AddReveal records a reveal of a task's number by a courier.
	AddReveal(courierID, taskID string, at time.Time) error
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// DecideReveal decides whether courier p may see task id's number now: a
// courier only (forbidden), of their own task (else not_found), open
// (conflict), with its contact kept (not_found), and at most limit
// reveals an hour (≤ 0: no limit; over it, rate_limited as a
// *RetryAfterError). An allowed reveal is recorded and audited.
func DecideReveal(tx RevealTx, p Principal, id string, limit int, now time.Time) error {
	if !p.IsCourier() {
		return ErrForbidden
	}
	t, err := tx.Task(id)
	if err != nil {
		return err
	}
	switch {
	case t == nil || t.CourierID != p.UserID:
		return ErrNotFound
	case t.Status != TaskOpen:
		return Conflict("the task is closed; its contact is no longer available")
	case t.ContactGone:
		return ErrNotFound
	}
	times, err := tx.Reveals(p.UserID, now.Add(-RevealWindow+time.Nanosecond), limit) // one window old has left it
	if err != nil {
		return err
	}
	if wait := RevealWait(times, limit, now); wait > 0 {
		return &RetryAfterError{Err: syncproto.Errorf(syncproto.CodeRateLimited, "too many number reveals; retry later"), After: wait}
	}
	if err := tx.AddReveal(p.UserID, id, now); err != nil {
		return err
	}
	return tx.Audit(NewEvent(p, ActionContactReveal, id, now))
}

// RevealWait returns how long until another reveal is allowed (0: now),
// given the times of the reveals in the window, oldest first, and the
// limit (≤ 0: none). The oldest leaves the window first; the wait is
// rounded up to whole seconds, as Retry-After says them.
func RevealWait(times []time.Time, limit int, now time.Time) time.Duration {
	if limit <= 0 || len(times) < limit {
		return 0
	}
	wait := times[0].Add(RevealWindow).Sub(now)
	return max(wait+time.Second-1, time.Second).Truncate(time.Second)
}

// Check validates the filter.
func (f *CallbackFilter) Check() error {
	switch f.Status {
	case "", TaskOpen, TaskDone, TaskCancelled:
		return nil
	}
	return Invalid("status: one of open, done, cancelled")
}

// Match reports whether f keeps t at now.
func (f *CallbackFilter) Match(t *CallbackState, now time.Time) bool {
	switch {
	case f.Status != "" && t.Status != f.Status:
	case f.CourierID != "" && t.CourierID != f.CourierID:
	case f.Waybill != "" && t.Waybill != f.Waybill:
	case !f.DueBefore.IsZero() && !t.DueBy.Before(f.DueBefore):
	case f.Overdue && !TaskOverdue(t.Status, t.DueBy, now):
	case f.Review && !slices.Contains(t.Flags, FlagReviewNeeded):
	default:
		return true
	}
	return false
}
