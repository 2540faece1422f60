package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Buckets of the complaint workflow (the complaints themselves are in the
// core bucket "complaints"):
//   - complaint_due: status(1) ‖ tkey(due_by) ‖ u64(seq) → tkey(closed_at,
//     zero while open) ‖ exempt(1) ‖ courier id: lists by deadline, and
//     the past-due snapshot of the report;
//   - complaint_received: tkey(received_at) ‖ u64(seq) → exempt(1) ‖
//     courier id: the report's complaints of a month.
var (
	bucketComplaintDue      = []byte("complaint_due")
	bucketComplaintReceived = []byte("complaint_received")
)

// complaintBuckets are the buckets of the complaint workflow.
var complaintBuckets = [][]byte{bucketComplaintDue, bucketComplaintReceived}

// bucketComplaintLinks is where the callback work keeps the tasks made
// from a complaint: <complaint id>/<task id> → "".
var bucketComplaintLinks = []byte("complaint_callbacks")

// Complaint statuses as they sort in index keys.
var complaintStatusByte = map[string]byte{
	server.ComplaintReceived: 1, server.ComplaintVerified: 2, server.ComplaintHandled: 3, server.ComplaintClosed: 4,
}

var openComplaintStatuses = []byte{1, 2, 3}

const complaintClosedByte byte = 4

func complaintDueKey(r *complaintRecord) []byte {
	k := make([]byte, 17)
	k[0] = complaintStatusByte[r.Status]
	copy(k[1:9], tkey(r.DueBy))
	binary.BigEndian.PutUint64(k[9:], r.Seq)
	return k
}

func complaintDueValue(r *complaintRecord) []byte {
	v := make([]byte, 9, 9+len(r.CourierID))
	if r.ClosedAt != nil {
		copy(v, tkey(*r.ClosedAt))
	}
	if r.Exempted {
		v[8] = 1
	}
	return append(v, r.CourierID...)
}

func complaintReceivedKey(r *complaintRecord) []byte {
	return append(tkey(r.Received), u64(r.Seq)...)
}

func complaintReceivedValue(r *complaintRecord) []byte {
	v := []byte{0}
	if r.Exempted {
		v[0] = 1
	}
	return append(v, r.CourierID...)
}

// storeComplaint gives a new complaint its id and deadline, stores and
// indexes it, and puts it in the concerned courier's feed.
func (d *DB) storeComplaint(tx *bbolt.Tx, r *complaintRecord) error {
	b := tx.Bucket(bucketComplaints)
	ref, seq, err := nextRef(b, "cp")
	if err != nil {
		return err
	}
	r.Ref, r.Seq, r.Status, r.Version = ref, seq, server.ComplaintReceived, 1
	r.DueBy = server.ComplaintDeadline(r.Received, d.opts.Settings)
	if err := putJSON(b, u64(seq), r); err != nil {
		return err
	}
	if err := tx.Bucket(bucketComplaintDue).Put(complaintDueKey(r), complaintDueValue(r)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketComplaintReceived).Put(complaintReceivedKey(r), complaintReceivedValue(r)); err != nil {
		return err
	}
	if err := indexWaybill(tx, r.Complaint.Waybill, wbComplaint, u64(seq)); err != nil {
		return err
	}
	return d.publishComplaint(tx, r)
}

// publishComplaint puts a complaint's current state in the concerned
// courier's feed.
func (d *DB) publishComplaint(tx *bbolt.Tx, r *complaintRecord) error {
	if r.CourierID == "" {
		return nil
	}
	ch := server.ComplaintChange{ComplaintID: r.Ref, Category: r.Complaint.Category, Description: d.maskedText(r.Text, r.Complaint.Description, r.Customer),
		Status: r.Status, ReceivedAt: r.Received, AtRiskFrom: r.Received.Add(d.opts.Settings.ComplaintAtRisk), DueBy: r.DueBy,
		Waybill: r.Complaint.Waybill, Customer: r.Customer.contact(), Exempted: r.Exempted, ClosedAt: r.ClosedAt, Version: r.Version}
	return appendChange(tx, r.CourierID, server.ChangeComplaint, &ch)
}

// complaintSeq parses a complaint id "cp-N".
func complaintSeq(id string) (uint64, bool) {
	s, ok := strings.CutPrefix(id, "cp-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}

func getComplaint(tx *bbolt.Tx, id string) (*complaintRecord, error) {
	seq, ok := complaintSeq(id)
	if !ok {
		return nil, nil
	}
	v := tx.Bucket(bucketComplaints).Get(u64(seq))
	if v == nil {
		return nil, nil
	}
	r := new(complaintRecord)
	return r, json.Unmarshal(v, r)
}

// complaintView is the dispatcher's view of r at now.
func (d *DB) complaintView(tx *bbolt.Tx, r *complaintRecord, now time.Time) server.Complaint {
	atRisk, breached := server.ComplaintClock(r.Received, r.ClosedAt, now, d.opts.Settings)
	v := server.Complaint{ComplaintID: r.Ref, Category: r.Complaint.Category, Description: d.maskedText(r.Text, r.Complaint.Description, r.Customer),
		Channel: r.Channel, Status: r.Status, ReceivedAt: r.Received, DueBy: r.DueBy, AtRisk: atRisk, Breached: breached,
		CourierID: r.CourierID, Waybill: r.Complaint.Waybill, Customer: r.Customer.contact(),
		History: d.maskedHistory(r), Exempted: r.Exempted, ClosedAt: r.ClosedAt,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, CallbackIDs: []string{}}
	if links := tx.Bucket(bucketComplaintLinks); links != nil {
		if b := links.Bucket([]byte(r.Ref)); b != nil {
			_ = b.ForEach(func(k, _ []byte) error { // the closure never fails
				v.CallbackIDs = append(v.CallbackIDs, string(k))
				return nil
			})
		}
	}
	return v
}

// CreateComplaint implements server.ComplaintService.
func (d *DB) CreateComplaint(ctx context.Context, p server.Principal, req *server.NewComplaint) (*server.Complaint, error) {
	now := d.now()
	payload, received, err := req.Check(now, d.opts.SkewLimit)
	if err != nil {
		return nil, err
	}
	customer, err := d.sealParty(syncproto.Party{Name: payload.Customer.Name, Phone: payload.Customer.Phone})
	if err != nil {
		return nil, err
	}
	payload.Customer = syncproto.Customer{}
	text, err := d.sealText(payload.Description)
	if err != nil {
		return nil, err
	}
	payload.Description = ""
	return decide(d, func(tx *bbolt.Tx) (*server.Complaint, error) {
		courier := req.CourierID
		if courier != "" {
			ok, err := courierAccount(tx, courier)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, syncproto.Errorf(syncproto.CodeUnprocessable, "courier_id: not a courier's account")
			}
		} else if payload.Waybill != "" {
			pk, err := pickupOf(tx, payload.Waybill)
			if err != nil {
				return nil, err
			}
			if pk != nil {
				courier = pk.CourierID
			}
		}
		rec := &complaintRecord{
			recordMeta: recordMeta{CourierID: courier, DeviceID: p.DeviceID, RecordedAt: now, ReceivedAt: now},
			Complaint:  payload, Customer: customer, Text: text, Channel: req.Channel, Received: received, CreatedBy: p.UserID, CreatedAt: now,
		}
		if err := d.storeComplaint(tx, rec); err != nil {
			return nil, err
		}
		e := server.NewEvent(p, server.ActionComplaintCreate, rec.Ref, now)
		e.Detail = "channel " + req.Channel
		if err := appendEvent(tx, e); err != nil {
			return nil, err
		}
		v := d.complaintView(tx, rec, now)
		return &v, nil
	})
}

// Complaint implements server.ComplaintService.
func (d *DB) Complaint(ctx context.Context, id string) (*server.Complaint, error) {
	now := d.now()
	var out *server.Complaint
	err := d.db.View(func(tx *bbolt.Tx) error {
		r, err := getComplaint(tx, id)
		if err != nil {
			return err
		}
		if r == nil {
			return server.ErrNotFound
		}
		v := d.complaintView(tx, r, now)
		out = &v
		return nil
	})
	return out, err
}

// TransitionComplaint implements server.ComplaintService. The status check
// runs in the single writer's transaction: of two dispatchers taking the
// same step at once, one wins and the other gets conflict.
func (d *DB) TransitionComplaint(ctx context.Context, p server.Principal, id string, req *server.ComplaintTransition) (*server.Complaint, error) {
	if err := req.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	note, err := d.sealText(req.Note)
	if err != nil {
		return nil, err
	}
	return decide(d, func(tx *bbolt.Tx) (*server.Complaint, error) {
		r, err := getComplaint(tx, id)
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, server.ErrNotFound
		}
		if err := server.CheckComplaintStep(p, r.Status, req.To, req.Note); err != nil {
			return nil, err
		}
		oldDue, oldRecv := complaintDueKey(r), complaintReceivedKey(r)
		step := server.ComplaintStep{To: req.To, By: p.UserID, At: now}
		exemptChanged := req.ExemptCourier != nil && *req.ExemptCourier != r.Exempted
		if exemptChanged {
			step.ExemptCourier = req.ExemptCourier
			r.Exempted = *req.ExemptCourier
		}
		r.Status = req.To
		r.addStep(step, note)
		r.Version++
		switch req.To {
		case server.ComplaintClosed:
			r.ClosedAt = &now
		case server.ComplaintReceived:
			r.ClosedAt = nil // reopened: open again, due_by unchanged
		}
		if err := putJSON(tx.Bucket(bucketComplaints), u64(r.Seq), r); err != nil {
			return nil, err
		}
		due := tx.Bucket(bucketComplaintDue)
		if err := due.Delete(oldDue); err != nil {
			return nil, err
		}
		if err := due.Put(complaintDueKey(r), complaintDueValue(r)); err != nil {
			return nil, err
		}
		if err := tx.Bucket(bucketComplaintReceived).Put(oldRecv, complaintReceivedValue(r)); err != nil {
			return nil, err
		}
		if err := d.publishComplaint(tx, r); err != nil {
			return nil, err
		}
		e := server.NewEvent(p, server.ActionComplaintTransition, r.Ref, now)
		e.Detail = "to " + req.To
		if err := appendEvent(tx, e); err != nil {
			return nil, err
		}
		if exemptChanged {
			e := server.NewEvent(p, server.ActionComplaintExempt, r.Ref, now)
			if r.Exempted {
				e.Detail = "courier " + r.CourierID + " exempted"
			} else {
				e.Detail = "exemption of courier " + r.CourierID + " withdrawn"
			}
			if req.Note != "" {
				e.Detail += ": " + d.maskedText(note, "", r.Customer)
			}
			if err := appendEvent(tx, e); err != nil {
				return nil, err
			}
		}
		v := d.complaintView(tx, r, now)
		return &v, nil
	})
}

// ListComplaints implements server.ComplaintService: a walk of the
// deadline index over the statuses asked for, so the list comes sorted by
// due_by and an overdue or at-risk list stops at its time line.
func (d *DB) ListComplaints(ctx context.Context, f server.ComplaintFilter) (*server.ComplaintList, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	pos, ok := decodePos(f.Cursor, 16)
	if !ok {
		return nil, server.Invalid("cursor: malformed")
	}
	statuses := []byte{1, 2, 3, 4}
	if f.Overdue || f.AtRisk {
		statuses = openComplaintStatuses
	}
	if f.Status != "" {
		statuses = []byte{complaintStatusByte[f.Status]}
	}
	now := d.now()
	s := d.opts.Settings
	from, after := pos, pos != nil
	var stop []byte // due_by at or past which the walk ends
	switch {
	case f.Overdue:
		stop = tkey(now)
	case f.AtRisk:
		// at risk: received + AtRisk ≤ now < due_by, i.e. now < due_by ≤
		// now + (Due − AtRisk).
		stop = tkey(now.Add(s.ComplaintDue - s.ComplaintAtRisk).Add(time.Nanosecond))
		if !after {
			from, after = append(tkey(now), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), true
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	out := &server.ComplaintList{Complaints: []server.Complaint{}, Cursor: f.Cursor}
	err := d.db.View(func(tx *bbolt.Tx) error {
		scanned := 0
		return mergeScan(tx.Bucket(bucketComplaintDue), statuses, from, after, func(k, v []byte) (bool, error) {
			if stop != nil && string(k[1:9]) >= string(stop) {
				return false, nil
			}
			if f.AtRisk && string(k[1:9]) <= string(tkey(now)) {
				return true, nil // from a cursor made before now
			}
			if len(out.Complaints) == limit || scanned == maxScan {
				out.HasMore = true
				return false, nil
			}
			scanned++
			out.Cursor = encodePos(k[1:17])
			if f.CourierID != "" && string(v[9:]) != f.CourierID {
				return true, nil
			}
			r, err := getComplaint(tx, "cp-"+strconv.FormatUint(beUint(k[9:17]), 10))
			if err != nil || r == nil {
				return err == nil, err
			}
			if f.Waybill != "" && r.Complaint.Waybill != f.Waybill {
				return true, nil
			}
			out.Complaints = append(out.Complaints, d.complaintView(tx, r, now))
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var _ server.ComplaintService = (*DB)(nil)
