package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Retention purge of customer personal data.
//
// A parcel's last event is the latest time recorded on any record naming
// its waybill: the recorded_at (device time) of pickups, COD receipts,
// damage reports, complaints (and their received_at, history and closing
// times) and callback outcomes, and the server's created/updated time of
// callback tasks. A complaint without a waybill is judged by its own latest time.
// Once a parcel's last event is older than Settings.PIIRetention, its
// pickup's sender and recipient, its complaints' customer and its callback
// tasks' contact become {"purged":true}; the sealed free text of complaints,
// damage reports and callback tasks is erased; callback outcome notes (free text
// a courier may have put a name or number in) are blanked, and the masked
// contact in couriers' pull feeds is emptied. Amounts, waybills, statuses,
// the COD ledger and the audit trail stay: purge never touches
// cod_receipts, only reads them for the last event.
//
// Records are rewritten field by field (other fields are kept as stored),
// so records of other features keep what they hold.

var purgedParty = json.RawMessage(`{"purged":true}`)

// PurgePII implements server.Purger: server.Purge decides what is due, in
// one write transaction (a view for a dry run); then the ledger's rows past
// server.LedgerPartiesCutoff lose their masked parties.
func (d *DB) PurgePII(ctx context.Context, p server.Principal, dryRun bool) (*server.PurgeReport, error) {
	now := d.now()
	var rep *server.PurgeReport
	run := func(tx *bbolt.Tx) error {
		var err error
		rep, err = server.Purge(purgeTx{tx: tx, dryRun: dryRun}, p, now, d.opts.Settings, dryRun)
		return err
	}
	var err error
	if dryRun {
		err = d.db.View(run)
	} else {
		err = d.cm.write(run)
	}
	if err != nil {
		return nil, err
	}
	if !dryRun {
		n, err := d.PurgeLedgerParties(ctx, p, server.LedgerPartiesCutoff(now, d.opts.Settings))
		if err != nil {
			return nil, err
		}
		rep.Counts[server.PurgeLedgerParties] = n
	}
	return rep, nil
}

// purgeTx is the purge's view of one transaction (server.PurgeTx): it
// knows where personal data sits in each record; with dryRun it counts
// and writes nothing.
type purgeTx struct {
	tx     *bbolt.Tx
	dryRun bool
}

// Audit implements server.PurgeTx.
func (t purgeTx) Audit(e server.AuditEvent) error { return appendEvent(t.tx, e) }

// PurgeTasks implements server.PurgeTx: the contact, the reason and the
// attempts' notes of expired callback tasks.
func (t purgeTx) PurgeTasks(expired server.Expiry) (int, map[string]bool, []string, error) {
	purged := map[string]bool{}
	var outcomes []string
	var keys [][]byte
	if err := t.tx.Bucket(bucketTasks).ForEach(func(k, v []byte) error {
		var task taskRecord
		if err := json.Unmarshal(v, &task); err != nil {
			return err
		}
		if !expired(task.Waybill, time.Time{}) {
			return nil
		}
		purged[task.TaskID] = true
		notes := false
		for _, a := range task.Attempts {
			if a.Note != "" || a.NoteSealed != nil {
				notes = true
				outcomes = append(outcomes, a.OutcomeID)
			}
		}
		if !task.Contact.Purged || notes || task.Reason != "" || task.ReasonSealed != nil {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return 0, nil, nil, err
	}
	n, err := t.eraseTasks(keys)
	return n, purged, outcomes, err
}

// eraseTasks erases the personal data of the tasks keyed keys and counts
// the contacts erased.
func (t purgeTx) eraseTasks(keys [][]byte) (int, error) {
	n := 0
	for _, k := range keys {
		task, err := getTask(t.tx, string(k))
		if err != nil {
			return n, err
		}
		if !task.Contact.Purged {
			n++
			task.Contact = sealedParty{Purged: true}
		}
		for i := range task.Attempts {
			task.Attempts[i].Note, task.Attempts[i].NoteSealed = "", nil
		}
		task.Reason, task.ReasonSealed = "", nil
		if !t.dryRun {
			if err := putTask(t.tx, task); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// BlankNotes implements server.PurgeTx: outcomes "co-N" are keyed u64(N).
func (t purgeTx) BlankNotes(ids []string) (int, error) {
	b := t.tx.Bucket(bucketOutcomes)
	count := 0
	for _, id := range ids {
		var n uint64
		if _, err := fmt.Sscanf(id, "co-%d", &n); err != nil {
			continue
		}
		v := b.Get(u64(n))
		if v == nil {
			continue
		}
		var r outcomeRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return count, err
		}
		if (r.Outcome == nil || r.Outcome.Note == "") && r.NoteSealed == nil {
			continue
		}
		count++
		if t.dryRun {
			continue
		}
		if r.Outcome != nil {
			r.Outcome.Note = ""
		}
		r.NoteSealed = nil
		if err := putJSON(b, u64(n), &r); err != nil {
			return count, err
		}
	}
	return count, nil
}

// BlankFeeds implements server.PurgeTx.
func (t purgeTx) BlankFeeds(tasks map[string]bool) (int, error) {
	if len(tasks) == 0 {
		return 0, nil
	}
	feeds := t.tx.Bucket(bucketFeeds)
	var couriers [][]byte
	if err := feeds.ForEachBucket(func(k []byte) error {
		couriers = append(couriers, bytes.Clone(k))
		return nil
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, courier := range couriers {
		changed, err := feedEntriesOf(feeds.Bucket(courier), tasks)
		if err != nil {
			return n, err
		}
		n += len(changed)
		if t.dryRun {
			continue
		}
		for _, e := range changed {
			if err := feeds.Bucket(courier).Put(e.k, e.v); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

type feedEntry struct{ k, v []byte }

// feedEntriesOf returns the callback-task entries of one feed that name a
// task of tasks with a contact, rewritten with the contact emptied.
func feedEntriesOf(feed *bbolt.Bucket, tasks map[string]bool) ([]feedEntry, error) {
	prefix := append([]byte{byte(len(syncproto.ChangeCallbackTask))}, syncproto.ChangeCallbackTask...)
	var changed []feedEntry
	err := feed.ForEach(func(k, v []byte) error {
		if !bytes.HasPrefix(v, prefix) {
			return nil
		}
		var ch map[string]json.RawMessage
		if err := json.Unmarshal(v[len(prefix):], &ch); err != nil {
			return err
		}
		var id string
		_ = json.Unmarshal(ch["task_id"], &id) // lenient: a field missing or malformed reads as empty
		var c syncproto.Contact
		_ = json.Unmarshal(ch["contact"], &c)
		if !tasks[id] || c == (syncproto.Contact{}) {
			return nil
		}
		ch["contact"] = json.RawMessage(`{"name_masked":"","phone_masked":""}`)
		data, err := json.Marshal(ch)
		if err != nil {
			return err
		}
		changed = append(changed, feedEntry{bytes.Clone(k), encodeChange(syncproto.ChangeCallbackTask, data)})
		return nil
	})
	return changed, err
}

var _ server.Purger = (*DB)(nil)
