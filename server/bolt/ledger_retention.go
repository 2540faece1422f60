package bolt

import (
	"bytes"
	"context"
	"encoding/json"
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
// server.LedgerPurgeAllowed with the same now.
func (d *DB) LedgerPurgeAllowed(collectedAt time.Time) error {
	return server.LedgerPurgeAllowed(d.opts.Settings, d.now(), collectedAt)
}

// PurgeLedgerParties blanks the masked sender and recipient of ledger rows
// collected before `before`, as server.BlankLedgerParties decides; the
// retention guard refuses a `before` younger than the retention period
// before anything is queued.
func (d *DB) PurgeLedgerParties(ctx context.Context, p server.Principal, before time.Time) (int, error) {
	now := d.now()
	if err := server.LedgerPurgeAllowed(d.opts.Settings, now, before.Add(-time.Nanosecond)); err != nil {
		return 0, err
	}
	var n int
	err := d.cm.write(func(tx *bbolt.Tx) error {
		var err error
		n, err = server.BlankLedgerParties(ledgerParties{tx}, p, d.opts.Settings, before, now)
		return err
	})
	return n, err
}

// ledgerParties is the party purge's view of a write transaction.
type ledgerParties struct{ tx *bbolt.Tx }

// EachCollectedBefore implements server.LedgerPartiesTx: the every-courier
// scope of the index, each state's part up to tkey(t).
func (l ledgerParties) EachCollectedBefore(t time.Time, fn func(time.Time, func() (bool, error)) error) error {
	idx := l.tx.Bucket(bucketLedgerIdx).Bucket([]byte(scopeAll))
	if idx == nil {
		return nil
	}
	end := tkey(t)
	for _, st := range []byte{stCollected, stHandedOver, stSettled} {
		c := idx.Cursor()
		for k, _ := c.Seek([]byte{st}); k != nil && k[0] == st && bytes.Compare(k[1:9], end) < 0; k, _ = c.Next() {
			if err := fn(fromTkey(k[1:9]), func() (bool, error) { return l.blank(k[9:17]) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// blank removes the masked parties of row key, reporting whether it had
// any.
func (l ledgerParties) blank(key []byte) (bool, error) {
	rows := l.tx.Bucket(bucketLedgerRows)
	var r ledgerRow
	if err := json.Unmarshal(rows.Get(key), &r); err != nil {
		return false, err
	}
	if r.Purged || (r.Sender == nil && r.Recipient == nil) {
		return false, nil
	}
	r.Sender, r.Recipient, r.Purged = nil, nil, true
	return true, putJSON(rows, key, &r)
}

// Audit implements server.LedgerPartiesTx.
func (l ledgerParties) Audit(e server.AuditEvent) error { return appendEvent(l.tx, e) }
