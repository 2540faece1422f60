package bolt

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// appendEvent adds an audit event in tx, so a state change and its audit
// entry commit together.
func appendEvent(tx *bbolt.Tx, e server.AuditEvent) error {
	b := tx.Bucket(bucketEvents)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return putJSON(b, u64(seq), e)
}

// RecordEvent implements server.EventLog.
func (d *DB) RecordEvent(ctx context.Context, e server.AuditEvent) error {
	return d.cm.write(func(tx *bbolt.Tx) error { return appendEvent(tx, e) })
}

// ListEvents implements server.EventLog.
func (d *DB) ListEvents(ctx context.Context, f server.EventFilter) (*server.EventList, error) {
	var after uint64
	if f.Cursor != "" {
		n, err := strconv.ParseUint(f.Cursor, 10, 64)
		if err != nil {
			return nil, server.Invalid("cursor: malformed")
		}
		after = n
	}
	out := &server.EventList{Events: []server.AuditEvent{}}
	last := after
	err := d.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		scanned := 0
		for k, v := c.Seek(u64(after + 1)); k != nil; k, v = c.Next() {
			if len(out.Events) == f.Limit || scanned == maxAuditScan {
				out.HasMore = true
				break
			}
			scanned++
			last = beUint(k)
			var e server.AuditEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if (f.Actor != "" && e.Actor != f.Actor) || (f.Action != "" && e.Action != f.Action) {
				continue
			}
			out.Events = append(out.Events, e)
		}
		return nil
	})
	out.Cursor = strconv.FormatUint(last, 10)
	return out, err
}

var _ server.EventLog = (*DB)(nil)
