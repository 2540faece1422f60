package bolt

import (
	"context"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Buckets of callback tasks and wake-ups (bucketTasks and bucketOutcomes
// are core buckets):
//   - callback_order: u64(task seq) → task id, the list order;
//   - complaint_callbacks: <complaint id>/<task id> → "", the tasks made
//     from a complaint (nested buckets);
//   - callback_reveals: <courier id>/timeKey(at) → task id, each reveal of
//     a number in the last hour, for the rate limit;
//   - push_tokens: device key → pushToken;
//   - push_token_devices: SHA-256(token) → device key, so a token that
//     moves to another device leaves the old one;
//   - push_outbox: device key → outboxEntry, at most one pending wake-up
//     per device.
var (
	bucketTaskOrder         = []byte("callback_order")
	bucketComplaintCallback = []byte("complaint_callbacks")
	bucketReveals           = []byte("callback_reveals")
	bucketPushTokens        = []byte("push_tokens")
	bucketPushTokenDevices  = []byte("push_token_devices")
	bucketPushOutbox        = []byte("push_outbox")
)

// callbackBuckets are the buckets of callback tasks and wake-ups.
var callbackBuckets = [][]byte{
	bucketTaskOrder, bucketComplaintCallback, bucketReveals,
	bucketPushTokens, bucketPushTokenDevices, bucketPushOutbox,
}

// taskChange is the data of a "callback_task" change: the protocol's task
// view, plus removed_reason on the removal a courier gets when the task is
// reassigned away from them.
type taskChange struct {
	syncproto.CallbackTask
	RemovedReason string `json:"removed_reason,omitempty"`
}

// publishTask appends t's view to a courier's feed in tx. A courier who is
// no longer assigned gets a removal: status "cancelled" with reason.
func publishTask(tx *bbolt.Tx, courierID string, t *taskRecord, removedReason string) error {
	ch := taskChange{CallbackTask: syncproto.CallbackTask{TaskID: t.TaskID, Waybill: t.Waybill, Reason: t.Reason,
		Status: t.Status, DueBy: t.DueBy, Contact: t.Contact.contact(), Version: t.Version}, RemovedReason: removedReason}
	if removedReason != "" {
		ch.Status = server.TaskCancelled
	}
	return appendChange(tx, courierID, syncproto.ChangeCallbackTask, ch)
}

// view returns the dispatcher's view of t at now.
func (t *taskRecord) view(now time.Time) *server.CallbackTask {
	v := &server.CallbackTask{TaskID: t.TaskID, CourierID: t.CourierID, Waybill: t.Waybill, Reason: t.Reason,
		Status: t.Status, DueBy: t.DueBy, Overdue: t.overdue(now), Contact: t.Contact.contact(), Version: t.Version,
		Flags: append([]string{}, t.Flags...), Outcomes: make([]server.CallbackAttempt, len(t.Attempts)),
		ComplaintID: t.ComplaintID, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, ClosedAt: t.ClosedAt}
	for i, at := range t.Attempts {
		v.Outcomes[i] = server.CallbackAttempt(at)
	}
	return v
}

func (t *taskRecord) overdue(now time.Time) bool {
	return t.Status == server.TaskOpen && now.After(t.DueBy)
}

// isCourier reports whether id is a courier's account.
func isCourier(tx *bbolt.Tx, id string) (bool, error) {
	seq, ok := userSeq(id)
	if !ok {
		return false, nil
	}
	u, err := getUser(tx, u64(seq))
	if err == server.ErrNotFound {
		return false, nil
	}
	return err == nil && u.Role == syncproto.RoleCourier, err
}

var errNotCourier = syncproto.Errorf(syncproto.CodeUnprocessable, "courier_id: not a courier's account")

// CreateCallback implements server.CallbackService.
func (d *DB) CreateCallback(ctx context.Context, p server.Principal, req *server.NewCallback) (*server.CallbackTask, error) {
	now := d.now()
	due, err := req.Check(now, d.opts.Settings.CallbackDue)
	if err != nil {
		return nil, err
	}
	// Seal before the transaction: it holds only lookups and puts, and
	// the plain contact never reaches the file.
	var contact sealedParty
	if !req.FromComplaint() {
		if contact, err = d.sealParty(syncproto.Party{Name: req.Customer.Name, Phone: req.Customer.Phone}); err != nil {
			return nil, err
		}
	}
	return decide(d, func(tx *bbolt.Tx) (*server.CallbackTask, error) {
		ok, err := isCourier(tx, req.CourierID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errNotCourier
		}
		waybill := req.Waybill
		if req.ComplaintID != "" {
			if waybill, contact, err = fromComplaint(tx, req, contact); err != nil {
				return nil, err
			}
		}
		var flags []string
		if tx.Bucket(bucketPickups).Get([]byte(waybill)) == nil {
			flags = []string{server.FlagUnknownWaybill}
		}
		tasks := tx.Bucket(bucketTasks)
		id, seq, err := nextRef(tasks, "cb")
		if err != nil {
			return nil, err
		}
		t := &taskRecord{TaskID: id, CourierID: req.CourierID, Status: server.TaskOpen, Seq: seq, Waybill: waybill,
			Reason: req.Reason, DueBy: due, Contact: contact, Version: 1, ComplaintID: req.ComplaintID, Flags: flags,
			CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
		if err := putTask(tx, t); err != nil {
			return nil, err
		}
		if err := tx.Bucket(bucketTaskOrder).Put(u64(seq), []byte(id)); err != nil {
			return nil, err
		}
		if err := indexWaybill(tx, waybill, wbCallback, []byte(id)); err != nil {
			return nil, err
		}
		if req.ComplaintID != "" {
			cb, err := tx.Bucket(bucketComplaintCallback).CreateBucketIfNotExists([]byte(req.ComplaintID))
			if err != nil {
				return nil, err
			}
			if err := cb.Put([]byte(id), nil); err != nil {
				return nil, err
			}
		}
		if err := publishTask(tx, t.CourierID, t, ""); err != nil {
			return nil, err
		}
		if err := queueWakeUps(tx, t.CourierID, server.HintCallbackTask, id, now); err != nil {
			return nil, err
		}
		e := server.NewEvent(p, server.ActionCallbackCreate, id, now)
		e.Detail = "assigned to " + t.CourierID
		if req.ComplaintID != "" {
			e.Detail += "; complaint " + req.ComplaintID
		}
		if err := appendEvent(tx, e); err != nil {
			return nil, err
		}
		return t.view(now), nil
	})
}

// fromComplaint checks the complaint a task is made from and returns the
// task's waybill (the request's, else the complaint's) and contact (the
// typed one, else a copy of the complaint's sealed customer: nobody
// retypes it and it is never unsealed here). An unknown complaint, or one
// whose contact is needed but purged, is unprocessable.
func fromComplaint(tx *bbolt.Tx, req *server.NewCallback, typed sealedParty) (string, sealedParty, error) {
	rec, err := getComplaint(tx, req.ComplaintID)
	if err != nil {
		return "", typed, err
	}
	if rec == nil {
		return "", typed, syncproto.Errorf(syncproto.CodeUnprocessable, "complaint_id: no such complaint")
	}
	waybill := req.Waybill
	if waybill == "" {
		if waybill = rec.Complaint.Waybill; waybill == "" {
			return "", typed, server.Invalid("waybill: required (the complaint names none)")
		}
	}
	if !req.FromComplaint() {
		return waybill, typed, nil
	}
	if rec.Customer.Purged || len(rec.Customer.Sealed) == 0 {
		return "", typed, syncproto.Errorf(syncproto.CodeUnprocessable, "complaint_id: the complaint's contact was purged; give customer")
	}
	return waybill, rec.Customer, nil
}

// Callback implements server.CallbackService.
func (d *DB) Callback(ctx context.Context, id string) (*server.CallbackTask, error) {
	var out *server.CallbackTask
	now := d.now()
	err := d.db.View(func(tx *bbolt.Tx) error {
		t, err := getTask(tx, id)
		if err != nil {
			return err
		}
		if t == nil {
			return server.ErrNotFound
		}
		out = t.view(now)
		return nil
	})
	return out, err
}

// ListCallbacks implements server.CallbackService. Tasks come in creation
// order; the cursor is the position of the last task examined, and one
// page examines at most maxAuditScan tasks.
func (d *DB) ListCallbacks(ctx context.Context, f server.CallbackFilter) (*server.CallbackList, error) {
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	switch f.Status {
	case "", server.TaskOpen, server.TaskDone, server.TaskCancelled:
	default:
		return nil, server.Invalid("status: one of open, done, cancelled")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	now := d.now()
	out := &server.CallbackList{Callbacks: []server.CallbackTask{}}
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		out.Cursor, out.HasMore, err = scanPage(tx.Bucket(bucketTaskOrder), after, f.Limit, func(_, id []byte) (bool, error) {
			t, err := getTask(tx, string(id))
			if err != nil || t == nil || !matches(t, &f, now) {
				return false, err
			}
			out.Callbacks = append(out.Callbacks, *t.view(now))
			return true, nil
		})
		return err
	})
	return out, err
}

func matches(t *taskRecord, f *server.CallbackFilter, now time.Time) bool {
	switch {
	case f.Status != "" && t.Status != f.Status:
	case f.CourierID != "" && t.CourierID != f.CourierID:
	case f.Waybill != "" && t.Waybill != f.Waybill:
	case !f.DueBefore.IsZero() && !t.DueBy.Before(f.DueBefore):
	case f.Overdue && !t.overdue(now):
	case f.Review && !containsString(t.Flags, server.FlagReviewNeeded):
	default:
		return true
	}
	return false
}

// UpdateCallback implements server.CallbackService.
func (d *DB) UpdateCallback(ctx context.Context, p server.Principal, id string, patch *server.CallbackPatch) (*server.CallbackTask, error) {
	kind, err := patch.Kind()
	if err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.CallbackTask, error) {
		t, err := getTask(tx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case t == nil:
			return nil, server.ErrNotFound
		case *patch.Version != t.Version:
			return nil, server.Conflict("stale version: the task changed; fetch it and try again")
		case kind != server.PatchReview && t.Status != server.TaskOpen:
			return nil, server.Conflict("the task is not open")
		}
		var (
			e   server.AuditEvent
			old string // the courier a reassignment takes the task from
		)
		switch kind {
		case server.PatchCancel:
			t.Status = server.TaskCancelled
			t.ClosedAt = &now
			e = server.NewEvent(p, server.ActionCallbackCancel, id, now)
		case server.PatchReassign:
			ok, err := isCourier(tx, patch.CourierID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, errNotCourier
			}
			if patch.CourierID == t.CourierID {
				return nil, server.Conflict("the task is already assigned to that courier")
			}
			old = t.CourierID
			if !containsString(t.PrevCouriers, old) {
				t.PrevCouriers = append(t.PrevCouriers, old)
			}
			t.CourierID = patch.CourierID
			e = server.NewEvent(p, server.ActionCallbackReassign, id, now)
			e.Detail = "from " + old + " to " + t.CourierID
		case server.PatchReview:
			if !containsString(t.Flags, server.FlagReviewNeeded) {
				return nil, server.Conflict("the task is not flagged for review")
			}
			t.Flags = removeString(t.Flags, server.FlagReviewNeeded)
			e = server.NewEvent(p, server.ActionCallbackReview, id, now)
		}
		t.Version++
		t.UpdatedAt = now
		if err := putTask(tx, t); err != nil {
			return nil, err
		}
		if old != "" {
			if err := publishTask(tx, old, t, server.RemovedReassigned); err != nil {
				return nil, err
			}
			if err := queueWakeUps(tx, old, server.HintCallbackTask, id, now); err != nil {
				return nil, err
			}
		}
		if err := publishTask(tx, t.CourierID, t, ""); err != nil {
			return nil, err
		}
		if kind != server.PatchReview {
			if err := queueWakeUps(tx, t.CourierID, server.HintCallbackTask, id, now); err != nil {
				return nil, err
			}
		}
		if err := appendEvent(tx, e); err != nil {
			return nil, err
		}
		return t.view(now), nil
	})
}

func removeString(list []string, s string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

var _ server.CallbackService = (*DB)(nil)
