package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// outboxEntry is the pending wake-up of one device. It holds ids only:
// nothing about the customer or the courier beyond their account id.
type outboxEntry struct {
	Hint      string    `json:"hint"`
	TaskID    string    `json:"task_id,omitempty"`
	Gen       uint64    `json:"gen"`
	Attempts  int       `json:"attempts,omitempty"`
	NotBefore time.Time `json:"not_before,omitzero"`
	QueuedAt  time.Time `json:"queued_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// queueWakeUps queues a wake-up for every device of courierID that has a
// push token, in the caller's transaction. A device's pending wake-up is
// replaced (coalesced): it keeps its retry state and the time the oldest
// change waiting for it was made.
func queueWakeUps(tx *bbolt.Tx, courierID, hint, taskID string, now time.Time) error {
	outbox := tx.Bucket(bucketPushOutbox)
	prefix := deviceKey(courierID, "")
	c := tx.Bucket(bucketPushTokens).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		gen, err := outbox.NextSequence()
		if err != nil {
			return err
		}
		e := outboxEntry{Hint: hint, TaskID: taskID, Gen: gen, QueuedAt: now, UpdatedAt: now}
		if v := outbox.Get(k); v != nil {
			var prev outboxEntry
			if err := json.Unmarshal(v, &prev); err != nil {
				return err
			}
			e.Attempts, e.NotBefore, e.QueuedAt = prev.Attempts, prev.NotBefore, prev.QueuedAt
		}
		if err := putJSON(outbox, bytes.Clone(k), &e); err != nil {
			return err
		}
	}
	return nil
}

// PendingWakeUps implements server.PushOutbox. A wake-up whose device lost
// its token comes back with an empty Token, for the sender to drop.
func (d *DB) PendingWakeUps(ctx context.Context, now time.Time, limit int) ([]server.WakeUp, time.Time, error) {
	var (
		out  []server.WakeUp
		next time.Time
	)
	err := d.db.View(func(tx *bbolt.Tx) error {
		tokens := tx.Bucket(bucketPushTokens)
		c := tx.Bucket(bucketPushOutbox).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var e outboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if e.NotBefore.After(now) {
				if next.IsZero() || e.NotBefore.Before(next) {
					next = e.NotBefore
				}
				continue
			}
			if len(out) == limit {
				continue // keep scanning for next
			}
			user, device := splitDeviceKey(k)
			w := server.WakeUp{Key: string(k), CourierID: user, DeviceID: device, Hint: e.Hint, TaskID: e.TaskID,
				Gen: e.Gen, Attempts: e.Attempts, QueuedAt: e.QueuedAt, UpdatedAt: e.UpdatedAt}
			if tv := tokens.Get(k); tv != nil {
				var t pushToken
				if err := json.Unmarshal(tv, &t); err != nil {
					return err
				}
				w.Token = t.Token
			}
			out = append(out, w)
		}
		return nil
	})
	return out, next, err
}

// CompleteWakeUps implements server.PushOutbox.
func (d *DB) CompleteWakeUps(ctx context.Context, ds []server.Delivery, now time.Time) error {
	return d.cm.write(func(tx *bbolt.Tx) error {
		outbox := tx.Bucket(bucketPushOutbox)
		for _, del := range ds {
			key := []byte(del.WakeUp.Key)
			v := outbox.Get(key)
			if v == nil {
				continue
			}
			var e outboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			switch del.Result {
			case server.Delivered, server.Expired:
				if e.Gen == del.WakeUp.Gen {
					if err := outbox.Delete(key); err != nil {
						return err
					}
				}
			case server.TokenInvalid:
				if _, err := dropToken(tx, key, del.WakeUp.Token); err != nil {
					return err
				}
				// Keep the wake-up only if the device registered a new
				// token meanwhile.
				if tx.Bucket(bucketPushTokens).Get(key) == nil {
					if err := outbox.Delete(key); err != nil {
						return err
					}
				}
			case server.RetryLater:
				e.Attempts++
				e.NotBefore = del.RetryAt
				if err := putJSON(outbox, key, &e); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// OutboxVersion implements server.PushOutbox: the outbox's sequence, which
// every queued wake-up advances.
func (d *DB) OutboxVersion(ctx context.Context) (uint64, error) {
	var v uint64
	err := d.db.View(func(tx *bbolt.Tx) error {
		v = tx.Bucket(bucketPushOutbox).Sequence()
		return nil
	})
	return v, err
}

// PendingWakeUpCount returns how many wake-ups are queued, for tests and
// metrics.
func (d *DB) PendingWakeUpCount() (int, error) {
	n := 0
	err := d.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPushOutbox).ForEach(func(k, v []byte) error { n++; return nil })
	})
	return n, err
}

var _ server.PushOutbox = (*DB)(nil)
