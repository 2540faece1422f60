package bolt

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// recordMeta is what every stored record says about where it came from.
type recordMeta struct {
	Ref        string    `json:"ref"`
	OpID       string    `json:"op_id"`
	CourierID  string    `json:"courier_id"`
	DeviceID   string    `json:"device_id"`
	RecordedAt time.Time `json:"recorded_at"`
	// RecordedAtCorrected is RecordedAt corrected by the device's
	// measured clock skew, when the push carried sent_at.
	RecordedAtCorrected *time.Time `json:"recorded_at_corrected,omitempty"`
	ReceivedAt          time.Time  `json:"received_at"`
	Flags               []string   `json:"flags,omitempty"`
}

// unstorableError is a failure to encode a record. It comes from the
// content being stored, not from the disk: retrying cannot help, so the
// op that holds it is rejected instead (see DB.Push).
// field and rule, when set, say which field of the op caused it and why,
// for the op's rejection.
type unstorableError struct {
	err         error
	field, rule string
}

func (e *unstorableError) Error() string { return "bolt: value cannot be stored: " + e.err.Error() }
func (e *unstorableError) Unwrap() error { return e.err }

// rejection is the op error of an op whose record cannot be stored.
func (e *unstorableError) rejection() *syncproto.Error {
	if e.field == "" {
		return syncproto.Errorf(syncproto.CodeValidationFailed, "payload: a value of this op cannot be stored")
	}
	return syncproto.Errorf(syncproto.CodeValidationFailed, "%s: %s", e.field, e.rule)
}

func (a *applier) meta(po *pendingOp, ref string, extraFlags ...string) recordMeta {
	m := recordMeta{Ref: ref, OpID: po.op.OpID, CourierID: a.courier, DeviceID: a.device,
		RecordedAt: po.recordedAt, RecordedAtCorrected: po.corrected, ReceivedAt: a.now, Flags: po.flags}
	if len(extraFlags) > 0 {
		m.Flags = append(append([]string(nil), po.flags...), extraFlags...)
	}
	return m
}

// nextRef returns a record id: prefix, dash, the bucket's next sequence.
func nextRef(b *bbolt.Bucket, prefix string) (string, uint64, error) {
	seq, err := b.NextSequence()
	return prefix + "-" + strconv.FormatUint(seq, 10), seq, err
}

func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return &unstorableError{err: err}
	}
	return b.Put(key, buf)
}
