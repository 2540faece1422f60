package bolt

import (
	"context"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// RevealContact implements server.CallbackService. The rules
// (server.DecideReveal), the rate limit and the audit event share one
// write transaction, so a number is never handed out without its audit
// entry on disk; the contact is opened after the commit, outside it.
func (d *DB) RevealContact(ctx context.Context, p server.Principal, id string) (*server.RevealedContact, error) {
	now := d.now()
	sealed, err := decide(d, func(tx *bbolt.Tx) (sealedParty, error) {
		ct := d.callbackTx(tx)
		if err := server.DecideReveal(ct, p, id, d.opts.Settings.RevealsPerHour, now); err != nil {
			return sealedParty{}, err
		}
		return ct.recs[id].Contact, nil
	})
	if err != nil {
		return nil, err
	}
	party, err := d.openParty(sealed)
	if err != nil {
		return nil, err
	}
	return &server.RevealedContact{Phone: party.Phone, Name: party.Name, ExpiresAt: now.Add(d.opts.Settings.RevealTTL)}, nil
}

// Reveals implements server.RevealTx.
func (c *callbackTx) Reveals(courierID string, from time.Time, n int) ([]time.Time, error) {
	b := c.tx.Bucket(bucketReveals).Bucket([]byte(courierID))
	if b == nil {
		return nil, nil
	}
	cur, fromKey := b.Cursor(), timeKey(from, 0)
	for k, _ := cur.First(); k != nil && string(k) < string(fromKey); k, _ = cur.First() {
		if err := cur.Delete(); err != nil {
			return nil, err
		}
	}
	var out []time.Time
	for k, _ := cur.First(); k != nil && len(out) < n; k, _ = cur.Next() {
		out = append(out, time.Unix(0, int64(beUint(k[:8])^(1<<63))))
	}
	return out, nil
}

// AddReveal implements server.RevealTx.
func (c *callbackTx) AddReveal(courierID, taskID string, at time.Time) error {
	reveals, err := c.tx.Bucket(bucketReveals).CreateBucketIfNotExists([]byte(courierID))
	if err != nil {
		return err
	}
	seq, err := reveals.NextSequence()
	if err != nil {
		return err
	}
	return reveals.Put(timeKey(at, seq), []byte(taskID))
}

var _ server.RevealTx = (*callbackTx)(nil)
