package bolt

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// Buckets of the monthly inspections (rules in server/inspection*.go):
//   - inspections: "YYYY-MM" → server.Inspection JSON (id "in-YYYY-MM");
//   - corrective_actions: u64(seq) → server.CorrectiveAction JSON ("ca-N").
var (
	bucketInspections = []byte("inspections")
	bucketActions     = []byte("corrective_actions")
)

var inspectionBuckets = [][]byte{bucketInspections, bucketActions}

type inspectionTx struct{ tx *bbolt.Tx }

func (t inspectionTx) Inspection(id string) (*server.Inspection, error) {
	return getInspection(t.tx, id)
}

func getInspection(tx *bbolt.Tx, id string) (*server.Inspection, error) {
	month, ok := strings.CutPrefix(id, "in-")
	if !ok {
		return nil, nil
	}
	v := tx.Bucket(bucketInspections).Get([]byte(month))
	if v == nil {
		return nil, nil
	}
	in := new(server.Inspection)
	return in, json.Unmarshal(v, in)
}

func (t inspectionTx) PutInspection(in *server.Inspection) error {
	return putJSON(t.tx.Bucket(bucketInspections), []byte(in.Month), in)
}

func (t inspectionTx) UserExists(id string) (bool, error) {
	seq, ok := idSeq(id, "u")
	return ok && t.tx.Bucket(bucketUsers).Get(u64(seq)) != nil, nil
}

func (t inspectionTx) InsertAction(a *server.CorrectiveAction) error {
	b := t.tx.Bucket(bucketActions)
	ref, seq, err := nextRef(b, "ca")
	if err != nil {
		return err
	}
	a.ActionID = ref
	return putJSON(b, u64(seq), a)
}

func (t inspectionTx) Action(id string) (*server.CorrectiveAction, error) {
	seq, ok := idSeq(id, "ca-")
	if !ok {
		return nil, nil
	}
	v := t.tx.Bucket(bucketActions).Get(u64(seq))
	if v == nil {
		return nil, nil
	}
	a := new(server.CorrectiveAction)
	return a, json.Unmarshal(v, a)
}

func (t inspectionTx) UpdateAction(a *server.CorrectiveAction) error {
	seq, _ := idSeq(a.ActionID, "ca-")
	return putJSON(t.tx.Bucket(bucketActions), u64(seq), a)
}

func (t inspectionTx) Audit(e server.AuditEvent) error { return appendEvent(t.tx, e) }

// OpenInspection implements server.InspectionService: the month's ops are
// read in a read transaction (the op trail from the first op received at
// or after the month's start less the skew limit, until ops received a
// month after its end), the sampler draws, and the write transaction
// stores the inspection unless the month has one.
func (d *DB) OpenInspection(ctx context.Context, p server.Principal, r *server.NewInspection) (*server.Inspection, error) {
	now := d.now()
	seed, err := r.Check(d.opts.Settings.Location, now)
	if err != nil {
		return nil, err
	}
	if seed == nil {
		seed = make([]byte, 32)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
	}
	n := d.opts.Settings.InspectionItems
	s := server.NewSampler(seed, r.Month, n)
	start, end, _ := server.ParseMonth(r.Month, d.opts.Settings.Location)
	if err := d.db.View(func(tx *bbolt.Tx) error { return d.sampleOps(tx, s, start, end) }); err != nil {
		return nil, err
	}
	return decide(d, func(tx *bbolt.Tx) (*server.Inspection, error) {
		return server.OpenInspection(inspectionTx{tx}, p, r.Month, seed, s, n, now)
	})
}

// sampleOps offers the sampler every applied op recorded in [start, end).
func (d *DB) sampleOps(tx *bbolt.Tx, s *server.Sampler, start, end time.Time) error {
	audit := tx.Bucket(bucketAuditOps)
	from, stop := server.SampleWindow(start, end, d.opts.SkewLimit)
	c := audit.Cursor()
	for k, v := c.Seek(u64(firstReceivedAt(audit, from))); k != nil; k, v = c.Next() {
		r, err := decodeOpRecord(v)
		if err != nil {
			return err
		}
		if r.ReceivedAt.After(stop) {
			break // the trail is in receipt order
		}
		op := server.SampledOp{CourierID: r.CourierID, Kind: r.Kind, Status: r.Status, RecordedAt: r.RecordedAt, Ref: r.Ref}
		if cand, ok := server.SampleCandidateOf(op, start, end); ok {
			s.Add(cand)
		}
	}
	return nil
}

// firstReceivedAt finds by binary search the first op-trail position
// received at or after t (the trail is in the order ops were taken, so
// received_at only grows along it).
func firstReceivedAt(audit *bbolt.Bucket, t time.Time) uint64 {
	k, _ := audit.Cursor().Last()
	if k == nil {
		return 1
	}
	lo, hi := uint64(1), beUint(k)+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if v := audit.Get(u64(mid)); v != nil {
			if r, err := decodeOpRecord(v); err == nil && r.ReceivedAt.Before(t) {
				lo = mid + 1
				continue
			}
		}
		hi = mid
	}
	return lo
}

// Inspection implements server.InspectionService.
func (d *DB) Inspection(ctx context.Context, id string) (*server.Inspection, error) {
	var out *server.Inspection
	err := d.db.View(func(tx *bbolt.Tx) error {
		in, err := getInspection(tx, id)
		if err == nil && in == nil {
			err = server.ErrNotFound
		}
		out = in
		return err
	})
	return out, err
}

// ListInspections implements server.InspectionService: newest month
// first; the cursor is the last month listed.
func (d *DB) ListInspections(ctx context.Context, cursor string, limit int) (*server.InspectionList, error) {
	if limit <= 0 {
		limit = 100
	}
	out := &server.InspectionList{Inspections: []server.Inspection{}, Cursor: cursor}
	err := d.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketInspections).Cursor()
		k, v := c.Last()
		if cursor != "" {
			c.Seek([]byte(cursor))
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			if len(out.Inspections) == limit {
				out.HasMore = true
				return nil
			}
			var in server.Inspection
			if err := json.Unmarshal(v, &in); err != nil {
				return err
			}
			out.Inspections = append(out.Inspections, in)
			out.Cursor = string(k)
		}
		return nil
	})
	return out, err
}

// MarkItem implements server.InspectionService.
func (d *DB) MarkItem(ctx context.Context, p server.Principal, id, item string, r *server.ItemMark) (*server.Inspection, error) {
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Inspection, error) {
		return server.MarkInspectionItem(inspectionTx{tx}, p, id, item, r, now)
	})
}

// CloseAction implements server.InspectionService.
func (d *DB) CloseAction(ctx context.Context, p server.Principal, id string, r *server.ActionClose) (*server.CorrectiveAction, error) {
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.CorrectiveAction, error) {
		return server.CloseCorrectiveAction(inspectionTx{tx}, p, id, r, now)
	})
}

// ListActions implements server.InspectionService, in opening order.
func (d *DB) ListActions(ctx context.Context, f server.ActionFilter) (*server.ActionList, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	now := d.now()
	out := &server.ActionList{Actions: []server.CorrectiveAction{}}
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		out.Cursor, out.HasMore, err = scanPage(tx.Bucket(bucketActions), after, f.Limit, func(_, v []byte) (bool, error) {
			var a server.CorrectiveAction
			if err := json.Unmarshal(v, &a); err != nil {
				return false, err
			}
			if !f.Match(&a, now) {
				return false, nil
			}
			out.Actions = append(out.Actions, a)
			return true, nil
		})
		return err
	})
	return out, err
}

var _ server.InspectionService = (*DB)(nil)
