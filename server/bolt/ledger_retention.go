package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// LedgerPurgeAllowed is the retention guard of the COD ledger. It returns
// nil when a ledger row collected at collectedAt may be purged, edited or
// deleted now (it is older than Settings.CODRetention), and a conflict
// error otherwise. Every job that purges, edits or deletes ledger rows, or
// data that a ledger row needs (a COD receipt, its pickup's money fields),
// must ask it for each row first; inside a write transaction use
// ledgerPurgeAllowed with the same now.
func (d *DB) LedgerPurgeAllowed(collectedAt time.Time) error {
	return ledgerPurgeAllowed(d.opts.Settings, d.now(), collectedAt)
}

func ledgerPurgeAllowed(s server.Settings, now, collectedAt time.Time) error {
	return server.LedgerPurgeAllowed(s, now, collectedAt)
}

// PurgeLedgerParties blanks the masked sender and recipient of ledger rows
// collected before `before`; amounts, receipt numbers and custody stay (the
// money record is kept). A `before` younger than the retention period is
// refused with conflict and nothing changes; each row also passes the
// guard. It returns how many rows were purged.
func (d *DB) PurgeLedgerParties(ctx context.Context, p server.Principal, before time.Time) (int, error) {
	now := d.now()
	if err := ledgerPurgeAllowed(d.opts.Settings, now, before.Add(-time.Nanosecond)); err != nil {
		return 0, err
	}
	var n int
	err := d.cm.write(func(tx *bbolt.Tx) error {
		n = 0
		idx := tx.Bucket(bucketLedgerIdx).Bucket([]byte(scopeAll))
		if idx == nil {
			return nil
		}
		rows := tx.Bucket(bucketLedgerRows)
		end := tkey(before)
		for _, st := range []byte{stCollected, stHandedOver, stSettled} {
			c := idx.Cursor()
			for k, _ := c.Seek([]byte{st}); k != nil && k[0] == st && bytes.Compare(k[1:9], end) < 0; k, _ = c.Next() {
				if err := ledgerPurgeAllowed(d.opts.Settings, now, fromTkey(k[1:9])); err != nil {
					return err
				}
				var r ledgerRow
				if err := json.Unmarshal(rows.Get(k[9:17]), &r); err != nil {
					return err
				}
				if r.Purged || (r.Sender == nil && r.Recipient == nil) {
					continue
				}
				r.Sender, r.Recipient, r.Purged = nil, nil, true
				if err := putJSON(rows, k[9:17], &r); err != nil {
					return err
				}
				n++
			}
		}
		if n == 0 {
			return nil
		}
		e := server.NewEvent(p, server.ActionCODPurge, "ledger", now)
		e.Detail = fmt.Sprintf("masked parties removed from %d rows collected before %s", n, before.Format(time.RFC3339))
		return appendEvent(tx, e)
	})
	return n, err
}
