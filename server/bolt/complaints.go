package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
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

// complaintStatusByte is a complaint status as it sorts in index keys: its
// place in the workflow, from 1.
func complaintStatusByte(status string) byte {
	return byte(slices.Index(server.ComplaintStatuses, status) + 1)
}

func complaintStatusBytes(statuses []string) []byte {
	out := make([]byte, len(statuses))
	for i, st := range statuses {
		out[i] = complaintStatusByte(st)
	}
	return out
}

// openComplaintStatuses and complaintClosedByte are the index prefixes of
// open and closed complaints.
var (
	openComplaintStatuses = complaintStatusBytes(slices.DeleteFunc(slices.Clone(server.ComplaintStatuses),
		func(st string) bool { return !server.ComplaintOpen(st) }))
	complaintClosedByte = complaintStatusByte(server.ComplaintClosed)
)

func complaintDueKey(r *complaintRecord) []byte {
	k := make([]byte, 17)
	k[0] = complaintStatusByte(r.Status)
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

func getComplaint(tx *bbolt.Tx, id string) (*complaintRecord, error) {
	seq, ok := idSeq(id, "cp-")
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
	if links := tx.Bucket(bucketComplaintCallback); links != nil {
		if b := links.Bucket([]byte(r.Ref)); b != nil {
			_ = b.ForEach(func(k, _ []byte) error { // the closure never fails
				v.CallbackIDs = append(v.CallbackIDs, string(k))
				return nil
			})
		}
	}
	return v
}

// CreateComplaint implements server.ComplaintService: the request is
// checked and the customer and text sealed before the transaction; the
// rules (server.CreateComplaint) decide inside it.
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
		ct := d.complaintTx(tx)
		ct.pending = &complaintRecord{recordMeta: recordMeta{DeviceID: p.DeviceID, RecordedAt: now, ReceivedAt: now},
			Complaint: payload, Customer: customer, Text: text}
		c, err := server.CreateComplaint(ct, p, req, received, d.opts.Settings, now)
		if err != nil {
			return nil, err
		}
		return ct.view(c.ComplaintID, now), nil
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

// TransitionComplaint implements server.ComplaintService. The rules
// (server.TransitionComplaint) run in the single writer's transaction: of
// two dispatchers taking the same step at once, one wins and the other
// gets conflict.
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
		ct := d.complaintTx(tx)
		ct.note = note
		c, err := server.TransitionComplaint(ct, p, id, req, now)
		if err != nil {
			return nil, err
		}
		return ct.view(c.ComplaintID, now), nil
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
	now := d.now()
	plan := f.Plan(now, d.opts.Settings)
	from, after, stop, skip := complaintWalk(plan, pos)
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	out := &server.ComplaintList{Complaints: []server.Complaint{}, Cursor: f.Cursor}
	err := d.db.View(func(tx *bbolt.Tx) error {
		scanned := 0
		return mergeScan(tx.Bucket(bucketComplaintDue), complaintStatusBytes(plan.Statuses), from, after, func(k, v []byte) (bool, error) {
			if stop != nil && string(k[1:9]) >= string(stop) {
				return false, nil
			}
			if skip != nil && string(k[1:9]) <= string(skip) {
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

// complaintWalk turns a plan into the deadline index's walk: where it
// starts (from a cursor's position pos, else the window's start), the key
// part at or past which it ends and the one at or before which it skips
// (nil: none).
func complaintWalk(plan server.ComplaintListPlan, pos []byte) (from []byte, after bool, stop, skip []byte) {
	from, after = pos, pos != nil
	if !plan.DueBefore.IsZero() {
		stop = tkey(plan.DueBefore)
	}
	if !plan.DueAfter.IsZero() {
		skip = tkey(plan.DueAfter)
		if !after {
			from, after = append(tkey(plan.DueAfter), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), true
		}
	}
	return from, after, stop, skip
}

var _ server.ComplaintService = (*DB)(nil)
