package bolt

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// The op log (schema 2). Every op a device pushed has one result, stored
// once: bucketAuditOps maps the log position (u64, in the order received,
// so the bucket only appends) to the compact op record, and bucketOps maps
// the op id (16 bytes) to that position (8 bytes), the small fixed-size
// dedup index. A random (v4) op id therefore dirties a page of 40-byte
// entries instead of one of whole records, and it does so late, in a
// sorted batch with its neighbours (op_index.go). Schema 1 kept the JSON record
// under the op id and the op id under the position; upgrade rewrites
// such a store in place when it opens (push_upgrade.go).

// opRecordFormat is the first byte of a compact op record.
const opRecordFormat byte = 0xB0

// Wire values stored as one byte (see appendEnum); others as themselves.
var (
	kindTable   = []string{syncproto.KindPickup, syncproto.KindDamageReport, syncproto.KindCODReceipt, syncproto.KindComplaint, syncproto.KindCallbackOutcome, syncproto.KindVehicleLog}
	statusTable = []string{syncproto.StatusApplied, syncproto.StatusRejected}
)

// outcomeRoom is the room opHead leaves after the head for a usual
// outcome (applied, a ref, a flag or two), so apply appends it in place.
const outcomeRoom = 96

// opHead encodes the part of an op record known before the write
// transaction: everything but the outcome (see appendOutcome).
func opHead(fp []byte, key []byte, opID string, seq int64, kind, recordedAt string, corrected *time.Time, received time.Time, courier, device string) []byte {
	b := make([]byte, 0, 128+len(recordedAt)+len(courier)+len(device)+outcomeRoom)
	b = append(b, opRecordFormat)
	b = appendBytes(b, fp)
	b = append(b, key...)
	b = appendStr(b, spelledAs(opID, key))
	b = binary.AppendVarint(b, seq)
	b = appendEnum(b, kindTable, kind)
	b = appendStr(b, recordedAt)
	b = appendTimePtr(b, corrected)
	b = appendTime(b, received)
	b = appendStr(b, courier)
	return appendStr(b, device)
}

// appendOutcome completes an op record begun by opHead.
func appendOutcome(b []byte, status string, e *syncproto.Error, ref string, flags []string) []byte {
	b = appendEnum(b, statusTable, status)
	if e == nil {
		b = append(b, 0)
	} else {
		b = appendStr(appendStr(append(b, 1), string(e.Code)), e.Message)
	}
	b = appendStr(b, ref)
	return appendStrs(b, flags)
}

// outcomeSize bounds the bytes appendOutcome adds for r.
func outcomeSize(r *syncproto.PushResult) int {
	n := 3*binary.MaxVarintLen64 + len(r.Ref) + binary.MaxVarintLen64
	if r.Error != nil {
		n += 2*binary.MaxVarintLen64 + len(r.Error.Code) + len(r.Error.Message)
	}
	for _, f := range r.Flags {
		n += binary.MaxVarintLen64 + len(f)
	}
	return n
}

// encodeOpRecord is the compact form of r.
func encodeOpRecord(r *opRecord) ([]byte, error) {
	u, ok := syncproto.ParseUUID(r.OpID)
	if !ok {
		return nil, fmt.Errorf("bolt: op record with a malformed op id")
	}
	b := opHead(r.FP, u[:], r.OpID, r.Seq, r.Kind, r.RecordedAt, r.Corrected, r.ReceivedAt, r.CourierID, r.DeviceID)
	return appendOutcome(b, r.Status, r.Error, r.Ref, r.Flags), nil
}

// decodeOpRecord reads an op record, compact or (schema 1) JSON.
func decodeOpRecord(v []byte) (*opRecord, error) {
	r := new(opRecord)
	if len(v) > 0 && v[0] == '{' {
		return r, json.Unmarshal(v, r)
	}
	d := reader{b: v}
	if d.byte() != opRecordFormat {
		return nil, errShort
	}
	r.FP = append([]byte(nil), d.bytes()...)
	key := d.fixed(16)
	if r.OpID = d.str(); r.OpID == "" && d.err == nil {
		r.OpID = formatUUID(key)
	}
	r.Seq = d.varint()
	r.Kind = d.enum(kindTable)
	r.RecordedAt = d.str()
	r.Corrected = d.timePtr()
	r.ReceivedAt = d.time()
	r.CourierID, r.DeviceID = d.str(), d.str()
	r.Status = d.enum(statusTable)
	if d.byte() == 1 {
		r.Error = &syncproto.Error{Code: syncproto.Code(d.str()), Message: d.str()}
	}
	r.Ref = d.str()
	r.Flags = d.strs()
	return r, d.end()
}

// opRecordKey returns the 16-byte op id of a stored op record, aliasing v.
func opRecordKey(v []byte) ([]byte, error) {
	if len(v) > 0 && v[0] == '{' {
		r, err := decodeOpRecord(v)
		if err != nil {
			return nil, err
		}
		u, ok := syncproto.ParseUUID(r.OpID)
		if !ok {
			return nil, fmt.Errorf("bolt: op record with a malformed op id")
		}
		return u[:], nil
	}
	d := reader{b: v}
	if d.byte() != opRecordFormat {
		return nil, errShort
	}
	d.bytes() // the fingerprint
	key := d.fixed(16)
	return key, d.err
}

// formatUUID spells a 16-byte op id the canonical way (lower case).
func formatUUID(u []byte) string {
	if len(u) != 16 {
		return ""
	}
	s := uuidText(u)
	return string(s[:])
}

// uuidText is formatUUID without the allocation.
func uuidText(u []byte) [36]byte {
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return s
}

// spelledAs returns opID when it is not the canonical spelling of the
// 16-byte key (upper case, say), and "" when it is: only an unusual
// spelling is stored. It allocates nothing.
func spelledAs(opID string, key []byte) string {
	if len(key) == 16 {
		if s := uuidText(key); string(s[:]) == opID {
			return ""
		}
	}
	return opID
}

// forEachOp calls fn with every stored op result, in the order received,
// in a store of this layout or (read-only: courierctl stats) schema 1.
func forEachOp(tx *bbolt.Tx, fn func(r *opRecord) error) error {
	v1 := storeVersion(tx) < 2
	ids := tx.Bucket(bucketOps)
	return tx.Bucket(bucketAuditOps).ForEach(func(_, v []byte) error {
		if v1 {
			v = ids.Get(v)
		}
		r, err := decodeOpRecord(v)
		if err != nil {
			return err
		}
		return fn(r)
	})
}
