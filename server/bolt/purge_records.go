package bolt

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// record is a stored JSON object kept field by field, so a rewrite keeps
// fields this file does not know.
type record map[string]json.RawMessage

// PurgePickups implements server.PurgeTx: sender and recipient.
func (t purgeTx) PurgePickups(expired server.Expiry) (int, error) {
	n := 0
	return n, rewrite(t.tx.Bucket(bucketPickups), t.dryRun, func(k []byte, r record) bool {
		if !expired(string(k), time.Time{}) || (r.purged("sender") && r.purged("recipient")) {
			return false
		}
		n++
		r["sender"], r["recipient"] = purgedParty, purgedParty
		return true
	})
}

// PurgeComplaints implements server.PurgeTx: the customer and the sealed
// free text.
func (t purgeTx) PurgeComplaints(expired server.Expiry) (int, error) {
	n := 0
	return n, rewrite(t.tx.Bucket(bucketComplaints), t.dryRun, func(k []byte, r record) bool {
		_, hasCustomer := r["customer"]
		if !(hasCustomer && !r.purged("customer") || r.has("text_sealed", "step_notes_sealed")) || !expired(r.waybill("complaint"), r.latest("complaint")) {
			return false
		}
		n++
		r["customer"] = purgedParty
		delete(r, "text_sealed")
		delete(r, "step_notes_sealed")
		return true
	})
}

// PurgeDamageTexts implements server.PurgeTx: the sealed description.
func (t purgeTx) PurgeDamageTexts(expired server.Expiry) (int, error) {
	n := 0
	return n, rewrite(t.tx.Bucket(bucketDamage), t.dryRun, func(k []byte, r record) bool {
		if !r.has("text_sealed") || !expired(r.waybill("report"), r.latest("report")) {
			return false
		}
		n++
		delete(r, "text_sealed")
		return true
	})
}

// rewrite calls fn for each record of b and, unless dryRun, stores the
// records fn changed.
func rewrite(b *bbolt.Bucket, dryRun bool, fn func(k []byte, r record) bool) error {
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
		if json.Unmarshal(recordJSON(v), &r) != nil {
			return nil // not a JSON record: nothing this purge knows to erase
		}
		if fn(k, r) {
			changed = append(changed, entry{bytes.Clone(k), r})
		}
		return nil
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
	_ = json.Unmarshal(r[inner], &p) // no payload object: no waybill
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
		if device {
			x = server.DeviceEventTime(x, serverReceived)
		}
		t = latestOf(t, x)
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

func latestOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// LastEvents implements server.PurgeTx: pickups (keyed by waybill), COD
// receipts, damage reports and complaints by their JSON times (see
// record.latest), callback tasks by their times and their attempts'.
func (t purgeTx) LastEvents() (server.LastEvents, error) {
	last := server.LastEvents{}
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
		if err := t.tx.Bucket(s.bucket).ForEach(func(k, v []byte) error {
			var r record
			if v == nil || json.Unmarshal(recordJSON(v), &r) != nil {
				return nil // not ours to judge; it keeps no personal data we purge
			}
			wb := r.waybill(s.inner)
			if s.keyIsWaybill {
				wb = string(k)
			}
			last.Note(wb, r.latest(s.inner))
			return nil
		}); err != nil {
			return nil, err
		}
	}
	err := t.tx.Bucket(bucketTasks).ForEach(func(k, v []byte) error {
		var task taskRecord
		if err := json.Unmarshal(v, &task); err != nil {
			return err
		}
		last.Note(task.Waybill, task.UpdatedAt)
		last.Note(task.Waybill, task.CreatedAt)
		for _, a := range task.Attempts {
			last.Note(task.Waybill, a.RecordedAt)
		}
		return nil
	})
	return last, err
}

var _ server.PurgeTx = purgeTx{}
