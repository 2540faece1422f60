package bolt

import (
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// callbackTx is the callback workflow's view of one write transaction
// (rules in server/callbackflow.go and callbackoutcome.go; this only
// stores). What must be sealed is sealed before the transaction: reason
// and contact of the task being made, note of the attempt being added.
// recs are the task records read or written in it, by id; out is the
// outcome op being applied, if any.
type callbackTx struct {
	d       *DB
	tx      *bbolt.Tx
	reason  []byte
	contact sealedParty
	note    []byte
	recs    map[string]*taskRecord
	cps     *complaintTx
	out     *outcomeOp
}

// outcomeOp is the callback_outcome op a callbackTx applies.
type outcomeOp struct {
	a  *applier
	po *pendingOp
	p  *syncproto.CallbackOutcome
}

func (d *DB) callbackTx(tx *bbolt.Tx) *callbackTx {
	return &callbackTx{d: d, tx: tx, recs: map[string]*taskRecord{}, cps: d.complaintTx(tx)}
}

// state is t as the rules see it (notes stay sealed: not in it).
func (t *taskRecord) state() *server.CallbackState {
	s := &server.CallbackState{TaskID: t.TaskID, CourierID: t.CourierID, PrevCouriers: slices.Clone(t.PrevCouriers),
		Status: t.Status, Waybill: t.Waybill, DueBy: t.DueBy, Version: t.Version, Flags: slices.Clone(t.Flags),
		ComplaintID: t.ComplaintID, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		ClosedAt: t.ClosedAt, ContactGone: t.Contact.Purged, Attempts: make([]server.CallbackAttempt, len(t.Attempts))}
	for i, at := range t.Attempts {
		s.Attempts[i] = server.CallbackAttempt{OutcomeID: at.OutcomeID, CourierID: at.CourierID, Result: at.Result,
			Resolved: at.Resolved, Satisfaction: at.Satisfaction, RecordedAt: at.RecordedAt, ReceivedAt: at.ReceivedAt, Flags: at.Flags}
	}
	return s
}

// setState copies what the rules change into t; attempts beyond t's are
// added with their note sealed (note), never in the clear.
func (t *taskRecord) setState(s *server.CallbackState, note []byte) {
	t.CourierID, t.PrevCouriers, t.Status, t.Flags = s.CourierID, s.PrevCouriers, s.Status, s.Flags
	t.Version, t.UpdatedAt, t.ClosedAt = s.Version, s.UpdatedAt, s.ClosedAt
	for _, at := range s.Attempts[min(len(t.Attempts), len(s.Attempts)):] {
		t.Attempts = append(t.Attempts, attempt{OutcomeID: at.OutcomeID, CourierID: at.CourierID, Result: at.Result,
			Resolved: at.Resolved, Satisfaction: at.Satisfaction, NoteSealed: note, RecordedAt: at.RecordedAt,
			ReceivedAt: at.ReceivedAt, Flags: at.Flags})
	}
}

// CourierAccount implements server.CallbackTx.
func (c *callbackTx) CourierAccount(id string) (bool, error) { return courierAccount(c.tx, id) }

// Complaint implements server.CallbackTx.
func (c *callbackTx) Complaint(id string) (*server.ComplaintState, error) { return c.cps.Complaint(id) }

// PickupKnown implements server.CallbackTx.
func (c *callbackTx) PickupKnown(waybill string) (bool, error) {
	return c.tx.Bucket(bucketPickups).Get([]byte(waybill)) != nil, nil
}

// Task implements server.CallbackTx.
func (c *callbackTx) Task(id string) (*server.CallbackState, error) {
	t, err := c.record(id)
	if err != nil || t == nil {
		return nil, err
	}
	return t.state(), nil
}

func (c *callbackTx) record(id string) (*taskRecord, error) {
	return cached(c.recs, id, func() (*taskRecord, error) { return getTask(c.tx, id) })
}

// InsertTask implements server.CallbackTx.
func (c *callbackTx) InsertTask(s *server.CallbackState) error {
	contact := c.contact
	if s.ContactFromComplaint {
		r, err := c.cps.record(s.ComplaintID)
		if err != nil || r == nil {
			return orNotFound(err)
		}
		contact = r.Customer
	}
	id, seq, err := nextRef(c.tx.Bucket(bucketTasks), "cb")
	if err != nil {
		return err
	}
	s.TaskID = id
	t := &taskRecord{TaskID: id, Seq: seq, Waybill: s.Waybill, ReasonSealed: c.reason, DueBy: s.DueBy, Contact: contact,
		ComplaintID: s.ComplaintID, CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt}
	t.setState(s, nil)
	c.recs[id] = t
	if err := putTask(c.tx, t); err != nil {
		return err
	}
	if err := c.tx.Bucket(bucketTaskOrder).Put(u64(seq), []byte(id)); err != nil {
		return err
	}
	if err := indexWaybill(c.tx, s.Waybill, wbCallback, []byte(id)); err != nil {
		return err
	}
	if s.ComplaintID == "" {
		return nil
	}
	links, err := c.tx.Bucket(bucketComplaintCallback).CreateBucketIfNotExists([]byte(s.ComplaintID))
	if err != nil {
		return err
	}
	return links.Put([]byte(id), nil)
}

func orNotFound(err error) error {
	if err == nil {
		return server.ErrNotFound
	}
	return err
}

// UpdateTask implements server.CallbackTx and server.CallbackOutcomeTx.
func (c *callbackTx) UpdateTask(s *server.CallbackState) error {
	t, err := c.record(s.TaskID)
	if err != nil || t == nil {
		return orNotFound(err)
	}
	t.setState(s, c.note)
	return putTask(c.tx, t)
}

// PublishTask implements server.CallbackTx.
func (c *callbackTx) PublishTask(courierID string, s *server.CallbackState, removedReason string) error {
	t, err := c.record(s.TaskID)
	if err != nil || t == nil {
		return orNotFound(err)
	}
	return c.d.publishTask(c.tx, courierID, s, t, removedReason)
}

// WakeUp implements server.CallbackTx.
func (c *callbackTx) WakeUp(courierID, taskID string, now time.Time) error {
	return queueWakeUps(c.tx, courierID, server.HintCallbackTask, taskID, now)
}

// Audit implements server.CallbackTx.
func (c *callbackTx) Audit(e server.AuditEvent) error { return appendEvent(c.tx, e) }

// InsertOutcome implements server.CallbackOutcomeTx.
func (c *callbackTx) InsertOutcome(flags []string) (string, error) {
	b := c.tx.Bucket(bucketOutcomes)
	ref, seq, err := nextRef(b, "co")
	if err != nil {
		return "", err
	}
	o := c.out
	return ref, putJSON(b, u64(seq), &outcomeRecord{recordMeta: o.a.meta(o.po, ref, flags...), Outcome: o.p, NoteSealed: o.po.text})
}

var (
	_ server.CallbackTx        = (*callbackTx)(nil)
	_ server.CallbackOutcomeTx = (*callbackTx)(nil)
)
