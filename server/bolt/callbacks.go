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

// publishTask appends task s's view to a courier's feed in tx; t is its
// stored record (the sealed contact and reason). A removal (removedReason
// set: the courier no longer has the task) carries no reason: the courier
// no longer needs it; otherwise the reason reaches the handheld masked.
func (d *DB) publishTask(tx *bbolt.Tx, courierID string, s *server.CallbackState, t *taskRecord, removedReason string) error {
	ch := syncproto.CallbackTask{TaskID: s.TaskID, Waybill: s.Waybill, Status: s.Status, DueBy: s.DueBy,
		Contact: t.Contact.contact(), Version: s.Version, RemovedReason: removedReason}
	if removedReason == "" {
		ch.Reason = d.maskedText(t.ReasonSealed, t.Reason, t.Contact)
	}
	return appendChange(tx, courierID, syncproto.ChangeCallbackTask, ch)
}

// taskView returns the dispatcher's view of t at now, free text masked.
func (d *DB) taskView(t *taskRecord, now time.Time) *server.CallbackTask {
	v := &server.CallbackTask{TaskID: t.TaskID, CourierID: t.CourierID, Waybill: t.Waybill,
		Reason: d.maskedText(t.ReasonSealed, t.Reason, t.Contact),
		Status: t.Status, DueBy: t.DueBy, Overdue: server.TaskOverdue(t.Status, t.DueBy, now), Contact: t.Contact.contact(), Version: t.Version,
		Flags: append([]string{}, t.Flags...), Outcomes: make([]server.CallbackAttempt, len(t.Attempts)),
		ComplaintID: t.ComplaintID, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, ClosedAt: t.ClosedAt}
	for i, at := range t.Attempts {
		v.Outcomes[i] = server.CallbackAttempt{OutcomeID: at.OutcomeID, CourierID: at.CourierID, Result: at.Result,
			Resolved: at.Resolved, Satisfaction: at.Satisfaction, Note: d.maskedText(at.NoteSealed, at.Note, t.Contact),
			RecordedAt: at.RecordedAt, ReceivedAt: at.ReceivedAt, Flags: at.Flags}
	}
	return v
}

// CreateCallback implements server.CallbackService: the request is checked
// and the typed contact and the reason sealed before the transaction (it
// holds only lookups and puts, and the plain contact never reaches the
// file); the rules (server.CreateCallback) decide inside it.
func (d *DB) CreateCallback(ctx context.Context, p server.Principal, req *server.NewCallback) (*server.CallbackTask, error) {
	now := d.now()
	due, err := req.Check(now, d.opts.Settings.CallbackDue)
	if err != nil {
		return nil, err
	}
	var contact sealedParty
	if !req.FromComplaint() {
		if contact, err = d.sealParty(syncproto.Party{Name: req.Customer.Name, Phone: req.Customer.Phone}); err != nil {
			return nil, err
		}
	}
	reason, err := d.sealText(req.Reason)
	if err != nil {
		return nil, err
	}
	return decide(d, func(tx *bbolt.Tx) (*server.CallbackTask, error) {
		ct := d.callbackTx(tx)
		ct.reason, ct.contact = reason, contact
		t, err := server.CreateCallback(ct, p, req, due, now)
		if err != nil {
			return nil, err
		}
		return d.taskView(ct.recs[t.TaskID], now), nil
	})
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
		out = d.taskView(t, now)
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
	if err := f.Check(); err != nil {
		return nil, err
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
			if err != nil || t == nil || !f.Match(t.state(), now) {
				return false, err
			}
			out.Callbacks = append(out.Callbacks, *d.taskView(t, now))
			return true, nil
		})
		return err
	})
	return out, err
}

// UpdateCallback implements server.CallbackService; the rules are
// server.UpdateCallback.
func (d *DB) UpdateCallback(ctx context.Context, p server.Principal, id string, patch *server.CallbackPatch) (*server.CallbackTask, error) {
	kind, err := patch.Kind()
	if err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.CallbackTask, error) {
		ct := d.callbackTx(tx)
		if _, err := server.UpdateCallback(ct, p, id, kind, patch, now); err != nil {
			return nil, err
		}
		return d.taskView(ct.recs[id], now), nil
	})
}

var _ server.CallbackService = (*DB)(nil)
