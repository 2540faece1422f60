package bolt

import (
	"context"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// ListOps implements server.AuditService. The cursor is the position of the
// last entry examined.
func (d *DB) ListOps(ctx context.Context, f server.AuditFilter) (*syncproto.AuditOpList, error) {
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	out := &syncproto.AuditOpList{Ops: []syncproto.AuditOp{}}
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		out.Cursor, out.HasMore, err = scanPage(tx.Bucket(bucketAuditOps), after, f.Limit, func(_, v []byte) (bool, error) {
			r, err := decodeOpRecord(v)
			if err != nil {
				return false, err
			}
			if f.DeviceID != "" && r.DeviceID != f.DeviceID {
				return false, nil
			}
			e := syncproto.AuditOp{OpID: r.OpID, Seq: r.Seq, Kind: r.Kind, Status: r.Status, RecordedAt: r.RecordedAt,
				RecordedAtCorrected: r.Corrected, Flags: r.Flags, ReceivedAt: r.ReceivedAt, CourierID: r.CourierID,
				DeviceID: r.DeviceID, Ref: r.Ref}
			if r.Error != nil {
				e.ErrorCode = r.Error.Code
			}
			out.Ops = append(out.Ops, e)
			return true, nil
		})
		return err
	})
	return out, err
}

var _ server.AuditService = (*DB)(nil)
var _ server.SyncService = (*DB)(nil)
var _ server.UserStore = (*DB)(nil)
var _ server.SessionStore = (*DB)(nil)
