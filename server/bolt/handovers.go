package bolt

import (
	"context"
	"encoding/json"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// ListHandovers implements server.HandoverLog. Hand-overs are kept in the
// order they were confirmed (ledger_handovers, u64(seq) keys), so a page
// is a bounded scan from the cursor.
func (d *DB) ListHandovers(ctx context.Context, f server.HandoverFilter) (*server.HandoverList, error) {
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	out := &server.HandoverList{Handovers: []server.Handover{}}
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		out.Cursor, out.HasMore, err = scanPage(tx.Bucket(bucketLedgerHandovers), after, f.Limit, func(_, v []byte) (bool, error) {
			var h server.Handover
			if err := json.Unmarshal(v, &h); err != nil {
				return false, err
			}
			if !f.Matches(&h) {
				return false, nil
			}
			out.Handovers = append(out.Handovers, h)
			return true, nil
		})
		return err
	})
	return out, err
}

var _ server.HandoverLog = (*DB)(nil)
