package bolt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// opRecord is the value of the dedup index: what the server decided for an
// op, returned again verbatim when the op is resent. It doubles as the
// audit entry (the audit bucket points at it).
type opRecord struct {
	FP         []byte           `json:"fp"`
	OpID       string           `json:"op_id"`
	Seq        int64            `json:"seq"`
	Kind       string           `json:"kind"`
	Status     string           `json:"status"`
	Error      *syncproto.Error `json:"error,omitempty"`
	Ref        string           `json:"ref,omitempty"`
	Flags      []string         `json:"flags,omitempty"`
	RecordedAt string           `json:"recorded_at"`
	ReceivedAt time.Time        `json:"received_at"`
	CourierID  string           `json:"courier_id"`
	DeviceID   string           `json:"device_id"`
}

func (r *opRecord) result(duplicate bool) syncproto.PushResult {
	return syncproto.PushResult{OpID: r.OpID, Seq: r.Seq, Status: r.Status, Duplicate: duplicate, Error: r.Error, Ref: r.Ref, Flags: r.Flags}
}

// pendingOp is an op decoded and validated outside the write transaction,
// so the transaction itself does only lookups and puts.
type pendingOp struct {
	op         *syncproto.Op
	key        []byte // 16-byte UUID
	fp         []byte
	payload    any // typed payload, nil when verr is set
	verr       *syncproto.Error
	recordedAt time.Time
	raw        json.RawMessage // compact payload bytes
	flags      []string
	sealed     []sealedParty // personal data of the payload, sealed
	text       []byte        // the payload's free text, sealed
	pre        []byte        // the stored record, encoded with an empty ref (see withRef)
}

// Push implements server.SyncService.
func (d *DB) Push(ctx context.Context, p server.Principal, req *syncproto.PushRequest) (*syncproto.PushResponse, error) {
	now := d.now()
	pending := make([]pendingOp, len(req.Ops))
	for i := range req.Ops {
		if err := d.prepare(&pending[i], &req.Ops[i], p.UserID, req.DeviceID, now); err != nil {
			return nil, err
		}
	}
	results := make([]syncproto.PushResult, len(pending))
	err := d.cm.write(func(tx *bbolt.Tx) error {
		a := applier{tx: tx, db: d, courier: p.UserID, device: req.DeviceID, now: now}
		for i := range pending {
			r, err := a.apply(&pending[i])
			if err != nil {
				return err
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &syncproto.PushResponse{Results: results, ServerTime: now}, nil
}

func (d *DB) prepare(po *pendingOp, op *syncproto.Op, courier, device string, now time.Time) error {
	po.op = op
	u, _ := syncproto.ParseUUID(op.OpID) // ValidatePush checked the form
	po.key = u[:]
	var buf bytes.Buffer
	if json.Compact(&buf, op.Payload) == nil {
		po.raw = buf.Bytes()
	} else {
		po.raw = op.Payload
	}
	h := sha256.New()
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(op.Seq))
	h.Write([]byte(device))
	h.Write([]byte{0})
	h.Write([]byte(op.Kind))
	h.Write([]byte{0})
	h.Write(seq[:])
	h.Write(po.raw)
	po.fp = h.Sum(nil)
	po.payload, po.verr = syncproto.ValidateOp(op)
	if po.verr != nil {
		return nil
	}
	if err := d.sealPayload(po); err != nil {
		return err
	}
	po.recordedAt, _ = syncproto.ParseOpTime(op.RecordedAt)
	if skew := now.Sub(po.recordedAt); skew > d.opts.SkewLimit || -skew > d.opts.SkewLimit {
		po.flags = append(po.flags, "clock_skew")
	}
	return d.preencode(po, courier, device, now)
}

// preencode encodes, before the write transaction, the records whose
// content does not depend on what the transaction finds (all but their
// ref): the single writer then only splices the ref in.
func (d *DB) preencode(po *pendingOp, courier, device string, now time.Time) error {
	m := recordMeta{OpID: po.op.OpID, CourierID: courier, DeviceID: device, RecordedAt: po.recordedAt, ReceivedAt: now, Flags: po.flags}
	var v any
	switch p := po.payload.(type) {
	case *syncproto.Pickup:
		v = &pickupRecord{recordMeta: m, Pickup: p, Sender: po.sealed[0], Recipient: po.sealed[1]}
	default:
		return nil
	}
	pre, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if bytes.HasPrefix(pre, emptyRef) {
		po.pre = pre
	}
	return nil
}

// emptyRef is how every pre-encoded record starts (recordMeta comes first).
var emptyRef = []byte(`{"ref":""`)

// withRef returns the pre-encoded record with its ref filled in.
func withRef(pre []byte, ref string) []byte {
	out := make([]byte, 0, len(pre)+len(ref))
	out = append(out, `{"ref":"`...)
	out = append(out, ref...) // refs are ASCII letters, digits and dashes
	out = append(out, '"')
	return append(out, pre[len(emptyRef):]...)
}

// applier applies ops inside one write transaction.
type applier struct {
	tx      *bbolt.Tx
	db      *DB
	courier string
	device  string
	now     time.Time
}

// apply decides one op: a resend gets its stored result, a reused op id
// with other content is refused, anything else is applied or rejected and
// its result stored with an audit entry, all in the caller's transaction.
func (a *applier) apply(po *pendingOp) (syncproto.PushResult, error) {
	ops := a.tx.Bucket(bucketOps)
	ops.FillPercent = appendFill // UUIDv7 op ids arrive in order
	if v := ops.Get(po.key); v != nil {
		var prev opRecord
		if err := json.Unmarshal(v, &prev); err != nil {
			return syncproto.PushResult{}, err
		}
		if !bytes.Equal(prev.FP, po.fp) {
			return syncproto.PushResult{OpID: po.op.OpID, Seq: po.op.Seq, Status: syncproto.StatusRejected,
				Error: syncproto.Errorf(syncproto.CodeOpIDConflict, "op_id already used for a different op")}, nil
		}
		r := prev.result(true)
		r.OpID = po.op.OpID // echo the id as this request spelled it
		return r, nil
	}
	rec := opRecord{
		FP: po.fp, OpID: po.op.OpID, Seq: po.op.Seq, Kind: po.op.Kind,
		RecordedAt: po.op.RecordedAt, ReceivedAt: a.now, CourierID: a.courier, DeviceID: a.device,
		Status: syncproto.StatusApplied, Flags: po.flags,
	}
	rejection := po.verr
	if rejection == nil {
		ref, flags, rej, err := a.applyKind(po)
		if err != nil {
			return syncproto.PushResult{}, err
		}
		rec.Ref, rejection = ref, rej
		rec.Flags = append(rec.Flags, flags...)
	}
	if rejection != nil {
		rec.Status, rec.Error, rec.Ref = syncproto.StatusRejected, rejection, ""
	}
	v, err := json.Marshal(&rec)
	if err != nil {
		return syncproto.PushResult{}, err
	}
	if err := ops.Put(po.key, v); err != nil {
		return syncproto.PushResult{}, err
	}
	audit := a.tx.Bucket(bucketAuditOps)
	audit.FillPercent = appendFill
	seq, err := audit.NextSequence()
	if err != nil {
		return syncproto.PushResult{}, err
	}
	if err := audit.Put(u64(seq), po.key); err != nil {
		return syncproto.PushResult{}, err
	}
	return rec.result(false), nil
}

// applyKind stores the record of an op by kind. It returns the record's
// ref, flags, a business rejection, or a store error.
func (a *applier) applyKind(po *pendingOp) (string, []string, *syncproto.Error, error) {
	switch p := po.payload.(type) {
	case *syncproto.Pickup:
		return a.pickup(po, p)
	case *syncproto.CODReceipt:
		return a.codReceipt(po, p)
	case *syncproto.DamageReport:
		return a.damageReport(po, p)
	case *syncproto.Complaint:
		return a.complaint(po, p)
	case *syncproto.CallbackOutcome:
		return a.callbackOutcome(po, p)
	case *syncproto.VehicleLog:
		return a.vehicleLog(po, p)
	}
	return "", nil, syncproto.Errorf(syncproto.CodeUnknownKind, "kind: not supported"), nil
}
