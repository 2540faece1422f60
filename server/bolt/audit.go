package bolt

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// maxAuditScan bounds how many entries one filtered audit page examines, so
// a rare device id cannot make one request walk the whole trail.
const maxAuditScan = 20_000

// ListOps implements server.AuditService. The cursor is the position of the
// last entry examined.
func (d *DB) ListOps(ctx context.Context, f server.AuditFilter) (*syncproto.AuditOpList, error) {
	var after uint64
	if f.Cursor != "" {
		n, err := strconv.ParseUint(f.Cursor, 10, 64)
		if err != nil {
			return nil, server.Invalid("cursor: malformed")
		}
		after = n
	}
	out := &syncproto.AuditOpList{Ops: []syncproto.AuditOp{}}
	last := after
	err := d.db.View(func(tx *bbolt.Tx) error {
		ops := tx.Bucket(bucketOps)
		c := tx.Bucket(bucketAuditOps).Cursor()
		scanned := 0
		for k, v := c.Seek(u64(after + 1)); k != nil; k, v = c.Next() {
			if len(out.Ops) == f.Limit || scanned == maxAuditScan {
				out.HasMore = true
				break
			}
			scanned++
			last = beUint(k)
			var r opRecord
			if err := json.Unmarshal(ops.Get(v), &r); err != nil {
				return err
			}
			if f.DeviceID != "" && r.DeviceID != f.DeviceID {
				continue
			}
			e := syncproto.AuditOp{OpID: r.OpID, Seq: r.Seq, Kind: r.Kind, Status: r.Status, RecordedAt: r.RecordedAt,
				ReceivedAt: r.ReceivedAt, CourierID: r.CourierID, DeviceID: r.DeviceID, Ref: r.Ref}
			if r.Error != nil {
				e.ErrorCode = r.Error.Code
			}
			out.Ops = append(out.Ops, e)
		}
		return nil
	})
	out.Cursor = strconv.FormatUint(last, 10)
	return out, err
}

func beUint(k []byte) uint64 {
	var n uint64
	for _, b := range k {
		n = n<<8 | uint64(b)
	}
	return n
}

var _ server.AuditService = (*DB)(nil)
var _ server.SyncService = (*DB)(nil)
var _ server.UserStore = (*DB)(nil)
var _ server.SessionStore = (*DB)(nil)
