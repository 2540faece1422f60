package bolt

import (
	"context"
	"encoding/json"

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
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	out := &server.EventList{Events: []server.AuditEvent{}}
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		out.Cursor, out.HasMore, err = scanPage(tx.Bucket(bucketEvents), after, f.Limit, func(_, v []byte) (bool, error) {
			var e server.AuditEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return false, err
			}
			if (f.Actor != "" && e.Actor != f.Actor) || (f.Action != "" && e.Action != f.Action) {
				return false, nil
			}
			out.Events = append(out.Events, e)
			return true, nil
		})
		return err
	})
	return out, err
}

var _ server.EventLog = (*DB)(nil)
