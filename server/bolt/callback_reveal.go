package bolt

import (
	"context"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// revealWindow is the window of the per-courier reveal limit.
const revealWindow = time.Hour

// RevealContact implements server.CallbackService. The checks, the rate
// limit and the audit event share one write transaction, so a number is
// never handed out without its audit entry on disk; the contact is opened
// after the commit, outside the transaction.
func (d *DB) RevealContact(ctx context.Context, p server.Principal, id string) (*server.RevealedContact, error) {
	if !p.IsCourier() {
		return nil, server.ErrForbidden
	}
	now := d.now()
	limit := d.opts.Settings.RevealsPerHour
	sealed, err := decide(d, func(tx *bbolt.Tx) (sealedParty, error) {
		var none sealedParty
		t, err := getTask(tx, id)
		if err != nil {
			return none, err
		}
		switch {
		case t == nil || t.CourierID != p.UserID:
			return none, server.ErrNotFound
		case t.Status != server.TaskOpen:
			return none, server.Conflict("the task is closed; its contact is no longer available")
		case t.Contact.Purged:
			return none, server.ErrNotFound
		}
		reveals, err := tx.Bucket(bucketReveals).CreateBucketIfNotExists([]byte(p.UserID))
		if err != nil {
			return none, err
		}
		wait, err := revealWait(reveals, now, limit)
		if err != nil {
			return none, err
		}
		if wait > 0 {
			return none, &server.RetryAfterError{Err: syncproto.Errorf(syncproto.CodeRateLimited, "too many number reveals; retry later"), After: wait}
		}
		seq, err := reveals.NextSequence()
		if err == nil {
			err = reveals.Put(timeKey(now, seq), []byte(id))
		}
		if err == nil {
			err = appendEvent(tx, server.NewEvent(p, server.ActionContactReveal, id, now))
		}
		return t.Contact, err
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

// revealWait drops a courier's reveals older than the window and returns
// how long until another is allowed (0: now). limit ≤ 0 means no limit.
func revealWait(b *bbolt.Bucket, now time.Time, limit int) (time.Duration, error) {
	from := timeKey(now.Add(-revealWindow+time.Nanosecond), 0) // a reveal exactly one window old has left it
	c := b.Cursor()
	for k, _ := c.First(); k != nil && string(k) < string(from); k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return 0, err
		}
	}
	if limit <= 0 {
		return 0, nil
	}
	n := 0
	for k, _ := c.First(); k != nil && n < limit; k, _ = c.Next() {
		n++
	}
	if n < limit {
		return 0, nil
	}
	// The oldest reveal in the window leaves it first; round up to whole
	// seconds, as Retry-After says them.
	k, _ := c.First()
	oldest := time.Unix(0, int64(beUint(k[:8])^(1<<63)))
	wait := oldest.Add(revealWindow).Sub(now)
	return max(wait+time.Second-1, time.Second).Truncate(time.Second), nil
}
