package bolt

import (
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// complaintTx is the complaint workflow's view of one write transaction
// (rules in server/complaintflow.go; this only stores). What must be
// sealed is sealed before the transaction: pending is the record being
// made (payload, customer and text sealed, meta), note the sealed note of
// the step being taken. recs are the records read or written in it, by id.
type complaintTx struct {
	d       *DB
	tx      *bbolt.Tx
	pending *complaintRecord
	note    []byte
	recs    map[string]*complaintRecord
}

func (d *DB) complaintTx(tx *bbolt.Tx) *complaintTx {
	return &complaintTx{d: d, tx: tx, recs: map[string]*complaintRecord{}}
}

// state is r as the rules see it.
func (r *complaintRecord) state() *server.ComplaintState {
	return &server.ComplaintState{ComplaintID: r.Ref, CourierID: r.CourierID, Waybill: r.Complaint.Waybill,
		Category: r.Complaint.Category, Channel: r.Channel, Status: r.Status, Received: r.Received, DueBy: r.DueBy,
		History: slices.Clone(r.History), Exempted: r.Exempted, ClosedAt: r.ClosedAt, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, Version: r.Version, ContactGone: r.Customer.Purged || len(r.Customer.Sealed) == 0}
}

// Complaint implements server.ComplaintTx.
func (c *complaintTx) Complaint(id string) (*server.ComplaintState, error) {
	r, err := c.record(id)
	if err != nil || r == nil {
		return nil, err
	}
	return r.state(), nil
}

func (c *complaintTx) record(id string) (*complaintRecord, error) {
	return cached(c.recs, id, func() (*complaintRecord, error) { return getComplaint(c.tx, id) })
}

// cached returns recs[id], else what get reads (kept in recs when found):
// the records a rule reads are the ones the store writes back.
func cached[T any](recs map[string]*T, id string, get func() (*T, error)) (*T, error) {
	if r, ok := recs[id]; ok {
		return r, nil
	}
	r, err := get()
	if err == nil && r != nil {
		recs[id] = r
	}
	return r, err
}

// CourierAccount implements server.ComplaintTx.
func (c *complaintTx) CourierAccount(id string) (bool, error) { return courierAccount(c.tx, id) }

// PickupCourier implements server.ComplaintTx.
func (c *complaintTx) PickupCourier(waybill string) (string, error) {
	pk, err := pickupOf(c.tx, waybill)
	if err != nil || pk == nil {
		return "", err
	}
	return pk.CourierID, nil
}

// InsertComplaint implements server.ComplaintTx: the pending record takes
// the rules' decision, an id, and its index entries.
func (c *complaintTx) InsertComplaint(s *server.ComplaintState) error {
	r := c.pending
	b := c.tx.Bucket(bucketComplaints)
	ref, seq, err := nextRef(b, "cp")
	if err != nil {
		return err
	}
	r.Ref, r.Seq, r.CourierID, r.Channel, r.Received = ref, seq, s.CourierID, s.Channel, s.Received
	r.CreatedBy, r.CreatedAt = s.CreatedBy, s.CreatedAt
	r.setState(s, nil)
	s.ComplaintID = ref
	if err := putJSON(b, u64(seq), r); err != nil {
		return err
	}
	if err := c.tx.Bucket(bucketComplaintDue).Put(complaintDueKey(r), complaintDueValue(r)); err != nil {
		return err
	}
	if err := c.tx.Bucket(bucketComplaintReceived).Put(complaintReceivedKey(r), complaintReceivedValue(r)); err != nil {
		return err
	}
	c.recs[ref] = r
	return indexWaybill(c.tx, r.Complaint.Waybill, wbComplaint, u64(seq))
}

// setState copies what the rules change into r; steps beyond r's history
// are added with their note sealed (note), never in the clear.
func (r *complaintRecord) setState(s *server.ComplaintState, note []byte) {
	r.Status, r.DueBy, r.Exempted, r.ClosedAt, r.Version = s.Status, s.DueBy, s.Exempted, s.ClosedAt, s.Version
	for i := len(r.History); i < len(s.History); i++ {
		step := s.History[i]
		step.Note = ""
		r.addStep(step, note)
	}
}

// UpdateComplaint implements server.ComplaintTx: the stored record and
// its index entries are replaced.
func (c *complaintTx) UpdateComplaint(_, s *server.ComplaintState) error {
	r, err := c.record(s.ComplaintID)
	if err != nil || r == nil {
		return orNotFound(err)
	}
	oldDue, oldRecv := complaintDueKey(r), complaintReceivedKey(r)
	r.setState(s, c.note)
	if err := putJSON(c.tx.Bucket(bucketComplaints), u64(r.Seq), r); err != nil {
		return err
	}
	due := c.tx.Bucket(bucketComplaintDue)
	if err := due.Delete(oldDue); err != nil {
		return err
	}
	if err := due.Put(complaintDueKey(r), complaintDueValue(r)); err != nil {
		return err
	}
	return c.tx.Bucket(bucketComplaintReceived).Put(oldRecv, complaintReceivedValue(r))
}

// PublishComplaint implements server.ComplaintTx.
func (c *complaintTx) PublishComplaint(s *server.ComplaintState) error {
	r, err := c.record(s.ComplaintID)
	if err != nil || r == nil {
		return orNotFound(err)
	}
	d := c.d
	ch := server.ComplaintChange{ComplaintID: r.Ref, Category: r.Complaint.Category, Description: d.maskedText(r.Text, r.Complaint.Description, r.Customer),
		Status: r.Status, ReceivedAt: r.Received, AtRiskFrom: server.ComplaintAtRiskFrom(r.Received, d.opts.Settings), DueBy: r.DueBy,
		Waybill: r.Complaint.Waybill, Customer: r.Customer.contact(), Exempted: r.Exempted, ClosedAt: r.ClosedAt, Version: r.Version}
	return appendChange(c.tx, r.CourierID, server.ChangeComplaint, &ch)
}

// Redact implements server.ComplaintTx.
func (c *complaintTx) Redact(s *server.ComplaintState, text string) string {
	r, err := c.record(s.ComplaintID)
	if err == nil && r != nil {
		if p, err := c.d.openParty(r.Customer); err == nil {
			return server.RedactText(text, p.Name, p.Phone)
		}
	}
	return server.RedactText(text)
}

// Audit implements server.ComplaintTx.
func (c *complaintTx) Audit(e server.AuditEvent) error { return appendEvent(c.tx, e) }

// view is the dispatcher's view of a complaint read or written in c.
func (c *complaintTx) view(id string, now time.Time) *server.Complaint {
	v := c.d.complaintView(c.tx, c.recs[id], now)
	return &v
}

// complaint records a complaint op (rules: server.RecordComplaint); the
// deadline runs from the payload's received_at, never later than the
// server received the op (see judgeTimes).
func (a *applier) complaint(po *pendingOp, p *syncproto.Complaint) (string, []string, *syncproto.Error, error) {
	ct := a.db.complaintTx(a.tx)
	ct.pending = &complaintRecord{recordMeta: a.meta(po, ""), Complaint: p, Customer: po.sealed[0], Text: po.text}
	c, err := server.RecordComplaint(ct, a.courier, p, po.received, a.db.opts.Settings, a.now)
	if err != nil {
		return "", nil, nil, err
	}
	return c.ComplaintID, nil, nil, nil
}

var _ server.ComplaintTx = (*complaintTx)(nil)
