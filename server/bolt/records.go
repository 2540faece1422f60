package bolt

import (
	"encoding/json"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// recordMeta is what every stored record says about where it came from.
type recordMeta struct {
	Ref        string    `json:"ref"`
	OpID       string    `json:"op_id"`
	CourierID  string    `json:"courier_id"`
	DeviceID   string    `json:"device_id"`
	RecordedAt time.Time `json:"recorded_at"`
	ReceivedAt time.Time `json:"received_at"`
	Flags      []string  `json:"flags,omitempty"`
}

func (a *applier) meta(po *pendingOp, ref string, extraFlags ...string) recordMeta {
	m := recordMeta{Ref: ref, OpID: po.op.OpID, CourierID: a.courier, DeviceID: a.device,
		RecordedAt: po.recordedAt, ReceivedAt: a.now, Flags: po.flags}
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
		return err
	}
	return b.Put(key, buf)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
