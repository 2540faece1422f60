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

// Purge kinds, the keys of server.PurgeReport.Counts.
const (
	purgePickups    = "pickups"
	purgeComplaints = "complaints"
	purgeTasks      = "callback_tasks"
	purgeNotes      = "callback_notes"
	purgeFeed       = "feed_entries"
	// purgeDamageTexts counts damage reports whose sealed description
	// was erased.
	purgeDamageTexts = "damage_texts"
	// purgeLedgerParties counts COD ledger rows whose masked sender and
	// recipient were blanked (only rows past the ledger's own retention).
	purgeLedgerParties = "ledger_parties"
)

var purgedParty = json.RawMessage(`{"purged":true}`)

// PurgePII implements server.Purger.
func (d *DB) PurgePII(ctx context.Context, p server.Principal, dryRun bool) (*server.PurgeReport, error) {
	now := d.now()
	cutoff := now.Add(-d.opts.Settings.PIIRetention)
	var rep *server.PurgeReport
	run := func(tx *bbolt.Tx) error {
		var err error
		rep, err = purge(tx, cutoff, dryRun)
		if err != nil || dryRun {
			return err
		}
		e := server.NewEvent(p, server.ActionPIIPurge, "pii", now)
		e.Detail = fmt.Sprintf("cutoff %s; pickups %d, complaints %d, callback tasks %d, notes %d, feed entries %d",
			cutoff.Format(time.RFC3339), rep.Counts[purgePickups], rep.Counts[purgeComplaints], rep.Counts[purgeTasks],
			rep.Counts[purgeNotes], rep.Counts[purgeFeed])
		return appendEvent(tx, e)
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
		// Ledger rows keep masked parties until the rows themselves may go.
		keep := max(d.opts.Settings.PIIRetention, d.opts.Settings.CODRetention)
		n, err := d.PurgeLedgerParties(ctx, p, now.Add(-keep))
		if err != nil {
			return nil, err
		}
		rep.Counts[purgeLedgerParties] = n
	}
	return rep, nil
}

// purge does the work in tx; with dryRun it only counts.
func purge(tx *bbolt.Tx, cutoff time.Time, dryRun bool) (*server.PurgeReport, error) {
	rep := &server.PurgeReport{DryRun: dryRun, Cutoff: cutoff, Counts: map[string]int{
		purgePickups: 0, purgeComplaints: 0, purgeTasks: 0, purgeNotes: 0, purgeFeed: 0, purgeDamageTexts: 0}}
	last, err := lastEvents(tx)
	if err != nil {
		return nil, err
	}
	expired := func(waybill string, own time.Time) bool {
		if t, ok := last[waybill]; waybill != "" && ok {
			return t.Before(cutoff)
		}
		return !own.IsZero() && own.Before(cutoff)
	}
	if err := purgeRecords(tx, expired, dryRun, rep); err != nil {
		return nil, err
	}
	// Callback tasks: the contact and the attempts' notes.
	purged := map[string]bool{}
	var outcomes []string
	tasks := tx.Bucket(bucketTasks)
	var keys [][]byte
	if err := tasks.ForEach(func(k, v []byte) error {
		var t taskRecord
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		if !expired(t.Waybill, time.Time{}) {
			return nil
		}
		purged[t.TaskID] = true
		notes := false
		for _, a := range t.Attempts {
			if a.Note != "" || a.NoteSealed != nil {
				notes = true
				outcomes = append(outcomes, a.OutcomeID)
			}
		}
		if !t.Contact.Purged || notes || t.Reason != "" || t.ReasonSealed != nil {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, k := range keys {
		t, err := getTask(tx, string(k))
		if err != nil {
			return nil, err
		}
		if !t.Contact.Purged {
			rep.Counts[purgeTasks]++
			t.Contact = sealedParty{Purged: true}
		}
		for i := range t.Attempts {
			t.Attempts[i].Note, t.Attempts[i].NoteSealed = "", nil
		}
		t.Reason, t.ReasonSealed = "", nil
		if !dryRun {
			if err := putTask(tx, t); err != nil {
				return nil, err
			}
		}
	}
	if err := blankNotes(tx, outcomes, dryRun, rep); err != nil {
		return nil, err
	}
	if err := blankFeeds(tx, purged, dryRun, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// blankNotes blanks the notes of the callback outcomes named by ids
// ("co-N", keyed u64(N)).
func blankNotes(tx *bbolt.Tx, ids []string, dryRun bool, rep *server.PurgeReport) error {
	b := tx.Bucket(bucketOutcomes)
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
			return err
		}
		if (r.Outcome == nil || r.Outcome.Note == "") && r.NoteSealed == nil {
			continue
		}
		rep.Counts[purgeNotes]++
		if dryRun {
			continue
		}
		if r.Outcome != nil {
			r.Outcome.Note = ""
		}
		r.NoteSealed = nil
		if err := putJSON(b, u64(n), &r); err != nil {
			return err
		}
	}
	return nil
}

// blankFeeds empties the masked contact in the feed entries of purged
// tasks.
func blankFeeds(tx *bbolt.Tx, tasks map[string]bool, dryRun bool, rep *server.PurgeReport) error {
	if len(tasks) == 0 {
		return nil
	}
	feeds := tx.Bucket(bucketFeeds)
	var couriers [][]byte
	if err := feeds.ForEachBucket(func(k []byte) error {
		couriers = append(couriers, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	prefix := append([]byte{byte(len(syncproto.ChangeCallbackTask))}, syncproto.ChangeCallbackTask...)
	for _, courier := range couriers {
		feed := feeds.Bucket(courier)
		type entry struct{ k, v []byte }
		var changed []entry
		if err := feed.ForEach(func(k, v []byte) error {
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
			changed = append(changed, entry{bytes.Clone(k), encodeChange(syncproto.ChangeCallbackTask, data)})
			return nil
		}); err != nil {
			return err
		}
		rep.Counts[purgeFeed] += len(changed)
		if dryRun {
			continue
		}
		for _, e := range changed {
			if err := feed.Put(e.k, e.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// record is a stored JSON object kept field by field, so a rewrite keeps
// fields this file does not know.
type record map[string]json.RawMessage

// purgeRecords erases the personal data of expired pickups (sender and
// recipient), complaints (the customer and the sealed free text) and
// damage reports (the sealed description).
func purgeRecords(tx *bbolt.Tx, expired func(waybill string, own time.Time) bool, dryRun bool, rep *server.PurgeReport) error {
	// Pickups: sender and recipient.
	if err := rewrite(tx.Bucket(bucketPickups), dryRun, func(k []byte, r record) (bool, error) {
		if !expired(string(k), time.Time{}) || (r.purged("sender") && r.purged("recipient")) {
			return false, nil
		}
		rep.Counts[purgePickups]++
		r["sender"], r["recipient"] = purgedParty, purgedParty
		return true, nil
	}); err != nil {
		return err
	}
	// Complaints: the customer and the sealed free text.
	if err := rewrite(tx.Bucket(bucketComplaints), dryRun, func(k []byte, r record) (bool, error) {
		_, hasCustomer := r["customer"]
		if !(hasCustomer && !r.purged("customer") || r.has("text_sealed", "step_notes_sealed")) || !expired(r.waybill("complaint"), r.latest("complaint")) {
			return false, nil
		}
		rep.Counts[purgeComplaints]++
		r["customer"] = purgedParty
		delete(r, "text_sealed")
		delete(r, "step_notes_sealed")
		return true, nil
	}); err != nil {
		return err
	}
	// Damage reports: the sealed description.
	if err := rewrite(tx.Bucket(bucketDamage), dryRun, func(k []byte, r record) (bool, error) {
		if !r.has("text_sealed") || !expired(r.waybill("report"), r.latest("report")) {
			return false, nil
		}
		rep.Counts[purgeDamageTexts]++
		delete(r, "text_sealed")
		return true, nil
	}); err != nil {
		return err
	}
	return nil
}

// rewrite calls fn for each record of b and, unless dryRun, stores the
// records fn changed.
func rewrite(b *bbolt.Bucket, dryRun bool, fn func(k []byte, r record) (bool, error)) error {
	type entry struct {
		k []byte
		r record
	}
	var changed []entry
	if err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil
		}
		var r record
		if json.Unmarshal(v, &r) != nil {
			return nil // not a JSON record: nothing this purge knows to erase
		}
		ok, err := fn(k, r)
		if ok {
			changed = append(changed, entry{bytes.Clone(k), r})
		}
		return err
	}); err != nil {
		return err
	}
	if dryRun {
		return nil
	}
	for _, e := range changed {
		if err := putJSON(b, e.k, e.r); err != nil {
			return err
		}
	}
	return nil
}

// has reports whether the record holds any of fields.
func (r record) has(fields ...string) bool {
	for _, f := range fields {
		if _, ok := r[f]; ok {
			return true
		}
	}
	return false
}

// purged reports whether field holds a purged (or no) party.
func (r record) purged(field string) bool {
	raw, ok := r[field]
	if !ok {
		return true
	}
	var s sealedParty
	return json.Unmarshal(raw, &s) == nil && (s.Purged || (len(s.Sealed) == 0 && s.NameMasked == "" && s.PhoneMasked == ""))
}

// waybill returns the record's waybill, top-level or inside its payload
// object named inner.
func (r record) waybill(inner string) string {
	var wb string
	if json.Unmarshal(r["waybill"], &wb) == nil && wb != "" {
		return wb
	}
	var p struct {
		Waybill string `json:"waybill"`
	}
	_ = json.Unmarshal(r[inner], &p) // lenient: no waybill reads as ""
	return p.Waybill
}

// latest returns the latest of the record's event times: recorded_at
// (the device's time), received (a complaint's), created_at, updated_at,
// closed_at and handled_at, the same and received_at (a complaint's)
// inside its payload object named inner, and history[].at. The top-level
// received_at is the server's receipt time of an op, not an event of the
// parcel.
//
// A device time (recorded_at, a complaint's received and received_at)
// after the server received the op (a device clock set ahead) counts as
// the receipt time: a pickup dated 2099 must not escape the purge.
func (r record) latest(inner string) time.Time {
	var t time.Time
	serverReceived := parseTime(r["received_at"])
	keep := func(raw json.RawMessage, device bool) {
		x := parseTime(raw)
		if device && !serverReceived.IsZero() && x.After(serverReceived) {
			x = serverReceived
		}
		if x.After(t) {
			t = x
		}
	}
	deviceTime := map[string]bool{"recorded_at": true, "received": true, "received_at": true}
	fields := []string{"recorded_at", "received", "created_at", "updated_at", "closed_at", "handled_at"}
	for _, f := range fields {
		keep(r[f], deviceTime[f])
	}
	var in record
	if json.Unmarshal(r[inner], &in) == nil {
		for _, f := range append(fields, "received_at") {
			keep(in[f], deviceTime[f])
		}
	}
	var hist []record
	if json.Unmarshal(r["history"], &hist) == nil {
		for _, h := range hist {
			keep(h["at"], false)
		}
	}
	return t
}

// parseTime reads a JSON time (RFC 3339 string); anything else is zero.
func parseTime(raw json.RawMessage) time.Time {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return time.Time{}
	}
	if t, ok := syncproto.ParseOpTime(s); ok {
		return t
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// lastEvents returns each waybill's last event (see the top of the file).
func lastEvents(tx *bbolt.Tx) (map[string]time.Time, error) {
	last := map[string]time.Time{}
	note := func(wb string, t time.Time) {
		if wb != "" && t.After(last[wb]) {
			last[wb] = t
		}
	}
	scan := func(bucket []byte, inner string, keyIsWaybill bool) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			if v == nil {
				return nil
			}
			var r record
			if json.Unmarshal(v, &r) != nil {
				return nil // not ours to judge; it keeps no personal data we purge
			}
			wb := r.waybill(inner)
			if keyIsWaybill {
				wb = string(k)
			}
			note(wb, r.latest(inner))
			return nil
		})
	}
	for _, s := range []struct {
		bucket       []byte
		inner        string
		keyIsWaybill bool
	}{
		{bucketPickups, "pickup", true},
		{bucketCOD, "receipt", false},
		{bucketDamage, "report", false},
		{bucketComplaints, "complaint", false},
	} {
		if err := scan(s.bucket, s.inner, s.keyIsWaybill); err != nil {
			return nil, err
		}
	}
	err := tx.Bucket(bucketTasks).ForEach(func(k, v []byte) error {
		var t taskRecord
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		note(t.Waybill, t.UpdatedAt)
		note(t.Waybill, t.CreatedAt)
		for _, a := range t.Attempts {
			note(t.Waybill, a.RecordedAt)
		}
		return nil
	})
	return last, err
}

var _ server.Purger = (*DB)(nil)
