package bolt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	jsonv1 "github.com/go-json-experiment/json/v1"
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
	Corrected  *time.Time       `json:"recorded_at_corrected,omitempty"`
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
	corrected  *time.Time      // recordedAt corrected by the measured skew
	effective  time.Time       // recordedAt, or when implausible the time deadlines run from
	received   time.Time       // a complaint's received_at as deadlines use it
	raw        json.RawMessage // compact payload bytes
	flags      []string
	sealed     []sealedParty // personal data of the payload, sealed
	text       []byte        // the payload's free text, sealed
	pre        []byte        // the stored record, encoded but for its ref (see preencode)
	head       []byte        // the op record but for its outcome (see opHead)
}

// Push implements server.SyncService. The ops are decoded, validated and
// encoded first, outside the write transaction; then they commit in parts
// of at most partOps ops, each a job of the courier's lane of the single
// writer (see committer), so a 500-op push from one courier takes turns
// with other couriers' pushes instead of holding them up. The answer waits
// for every part: nothing is acknowledged before it is on disk. A part
// whose record cannot be stored (a value the encoder refuses, a ledger sum
// that would overflow) fails alone: its ops are then committed one by one
// and only the guilty op is rejected, so one bad op never makes a push fail
// forever.
func (d *DB) Push(ctx context.Context, p server.Principal, req *syncproto.PushRequest) (*syncproto.PushResponse, error) {
	now := d.now()
	clock := server.MeasureClock(now, req.SentAt, d.opts.SkewLimit)
	pending := make([]pendingOp, len(req.Ops))
	for i := range req.Ops {
		if err := d.prepare(&pending[i], &req.Ops[i], p.UserID, req.DeviceID, clock); err != nil {
			return nil, err
		}
	}
	a := applier{db: d, courier: p.UserID, device: req.DeviceID, now: now}
	results := make([]syncproto.PushResult, len(pending))
	var parts []part
	for lo := 0; lo < len(pending); lo += partOps {
		ops, res := pending[lo:min(lo+partOps, len(pending))], results[lo:min(lo+partOps, len(pending))]
		parts = append(parts, part{fn: a.applyAll(ops, res), ops: len(ops), bytes: rawSize(ops)})
	}
	for i, err := range d.cm.writeAll(p.UserID, parts) {
		var ue *unstorableError
		if errors.As(err, &ue) {
			lo := i * partOps
			err = d.commitEach(a, pending[lo:min(lo+partOps, len(pending))], results[lo:])
		}
		if err != nil {
			return nil, err
		}
	}
	return &syncproto.PushResponse{Results: results, ServerTime: now}, nil
}

// applyAll returns a job applying ops in order, their results into res.
// Each run gets its own applier: a job may run twice (see committer).
func (a applier) applyAll(ops []pendingOp, res []syncproto.PushResult) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		a.tx = tx
		for i := range ops {
			r, err := a.apply(&ops[i])
			if err != nil {
				return err
			}
			res[i] = r
		}
		return nil
	}
}

func rawSize(ops []pendingOp) int {
	n := 0
	for i := range ops {
		n += len(ops[i].raw)
	}
	return n
}

// commitEach applies ops one job each, in order, their results into res;
// an op whose record cannot be stored is rejected (validation_failed with
// the reason) and its rejection stored, so a resend gets the same answer.
func (d *DB) commitEach(a applier, ops []pendingOp, res []syncproto.PushResult) error {
	for i := range ops {
		one := ops[i : i+1]
		err := d.cm.writeAs(a.courier, 1, len(ops[i].raw), a.applyAll(one, res[i:i+1]))
		var ue *unstorableError
		if errors.As(err, &ue) {
			ops[i].reject(ue.rejection())
			err = d.cm.writeAs(a.courier, 1, len(ops[i].raw), a.applyAll(one, res[i:i+1]))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// reject turns a prepared op into a rejected one.
func (po *pendingOp) reject(e *syncproto.Error) {
	po.verr, po.payload, po.pre, po.sealed = e, nil, nil, nil
}

func (d *DB) prepare(po *pendingOp, op *syncproto.Op, courier, device string, clock server.DeviceClock) error {
	po.op = op
	u, _ := syncproto.ParseUUID(op.OpID) // ValidatePush checked the form
	po.key = u[:]
	po.raw = op.Payload
	if syncproto.LooseJSON(op.Payload) { // most clients send compact JSON: no copy then
		var buf bytes.Buffer
		if json.Compact(&buf, op.Payload) == nil {
			po.raw = buf.Bytes()
		}
	}
	po.fp = fingerprint(device, op, po.raw)
	po.payload, po.recordedAt, po.verr = syncproto.CheckOpUsing(jsonv1.Unmarshal, op) // recorded_at parsed once; encoding/json's semantics, ~2× faster
	if po.verr == nil {
		if c, ok := clock.Corrected(po.recordedAt); ok {
			po.corrected = &c
		}
	}
	po.head = opHead(po.fp, po.key, op.OpID, op.Seq, op.Kind, op.RecordedAt, po.corrected, clock.Received, courier, device)
	if po.verr != nil {
		return nil
	}
	if clock.Flagged() {
		po.flags = append(po.flags, server.FlagClockSkew)
	}
	if e := d.judgeTimes(po, clock); e != nil {
		po.reject(e)
		return nil
	}
	if err := d.sealPayload(po); err != nil {
		return err
	}
	if err := d.preencode(po, courier, device, clock.Received); err != nil {
		var ue *unstorableError
		if !errors.As(err, &ue) {
			return err
		}
		po.reject(ue.rejection())
	}
	return nil
}

// judgeTimes refuses device times too far in the future (by the server's
// clock, corrected by the measured skew) and sets the times deadlines and
// retention run from.
func (d *DB) judgeTimes(po *pendingOp, clock server.DeviceClock) *syncproto.Error {
	if e := clock.CheckNotFuture("recorded_at", po.recordedAt); e != nil {
		return e
	}
	po.effective = clock.Effective(po.recordedAt)
	if c, ok := po.payload.(*syncproto.Complaint); ok {
		received, _ := syncproto.ParseOpTime(c.ReceivedAt) // validated
		if e := clock.CheckNotFuture("received_at", received); e != nil {
			return e
		}
		po.received = clock.Effective(received)
	}
	return nil
}

// sha256s pools SHA-256 states: sha256.New allocates ~200 bytes a call.
var sha256s = sync.Pool{New: func() any { return sha256.New() }}

// fingerprint identifies an op's content: a resend has the same one.
func fingerprint(device string, op *syncproto.Op, raw []byte) []byte {
	h := sha256s.Get().(hash.Hash)
	defer sha256s.Put(h)
	h.Reset()
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(op.Seq))
	h.Write([]byte(device))
	h.Write([]byte{0})
	h.Write([]byte(op.Kind))
	h.Write([]byte{0})
	h.Write(seq[:])
	h.Write(raw)
	return h.Sum(make([]byte, 0, sha256.Size))
}

// preencode encodes, before the write transaction, the records whose
// content does not depend on what the transaction finds (all but their
// ref): the single writer then only appends the ref.
func (d *DB) preencode(po *pendingOp, courier, device string, now time.Time) error {
	p, ok := po.payload.(*syncproto.Pickup)
	if !ok {
		return nil
	}
	m := recordMeta{OpID: po.op.OpID, CourierID: courier, DeviceID: device, RecordedAt: po.recordedAt,
		RecordedAtCorrected: po.corrected, ReceivedAt: now, Flags: po.flags}
	pre, err := encodePickup(&pickupRecord{recordMeta: m, Pickup: p, Sender: po.sealed[0], Recipient: po.sealed[1]})
	po.pre = pre
	return err
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
// its result appended to the op log, all in the caller's transaction.
func (a *applier) apply(po *pendingOp) (syncproto.PushResult, error) {
	log := a.tx.Bucket(bucketAuditOps)
	log.FillPercent = appendFill // positions only grow
	if pos := a.db.ids.get(a.tx.Bucket(bucketOps), po.key); pos != nil {
		prev, err := decodeOpRecord(log.Get(pos))
		if err != nil {
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
	res := syncproto.PushResult{OpID: po.op.OpID, Seq: po.op.Seq, Status: syncproto.StatusApplied, Flags: po.flags}
	rejection := po.verr
	if rejection == nil {
		ref, flags, rej, err := a.applyKind(po)
		if err != nil {
			return syncproto.PushResult{}, err
		}
		res.Ref, rejection = ref, rej
		if len(flags) > 0 {
			res.Flags = append(append([]string(nil), po.flags...), flags...)
		}
	}
	if rejection != nil {
		res.Status, res.Error, res.Ref = syncproto.StatusRejected, rejection, ""
	}
	seq, err := log.NextSequence()
	if err != nil {
		return syncproto.PushResult{}, err
	}
	pos := u64(seq)
	rec := roomAfter(po.head, outcomeSize(&res))
	if err := log.Put(pos, appendOutcome(rec, res.Status, res.Error, res.Ref, res.Flags)); err != nil {
		return syncproto.PushResult{}, err
	}
	a.db.ids.add(po.key, seq) // bucketOps takes it later, in a sorted batch (op_index.go)
	return res, nil
}

// roomAfter returns b to append at most n bytes to: b itself when its
// spare capacity holds them, else a copy with room. Appending to the
// result never changes b[:len(b)], so a job that runs twice (its first
// transaction rolled back, see committer) finds its pre-encoded bytes as
// they were and writes the same spare bytes again; bbolt holds a value
// only until its transaction ends.
func roomAfter(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b):cap(b)]
	}
	return append(make([]byte, 0, len(b)+n), b...)
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
