package server

import (
	"fmt"
	"time"
)

// Purge kinds, the keys of PurgeReport.Counts.
const (
	PurgePickups    = "pickups"
	PurgeComplaints = "complaints"
	PurgeTasks      = "callback_tasks"
	PurgeNotes      = "callback_notes"
	PurgeFeed       = "feed_entries"
	// PurgeDamageTexts counts damage reports whose sealed description was
	// erased.
	PurgeDamageTexts = "damage_texts"
	// PurgeLedgerParties counts COD ledger rows whose masked sender and
	// recipient were blanked (only rows past the ledger's own retention).
	PurgeLedgerParties = "ledger_parties"
)

// Expiry says whether a record's personal data is due for the purge: by
// its waybill's last event when the waybill has one, else by the record's
// own latest time (zero: never).
type Expiry func(waybill string, own time.Time) bool

// PurgeTx is what the personal-data purge reads and erases inside one
// store transaction. Each Purge method erases the personal data of the
// records expired says are due and counts them; in a dry run it counts
// only. The store knows where personal data sits in its records; the
// rule decides what is due.
type PurgeTx interface {
	// LastEvents returns each waybill's last event: the latest time
	// recorded on any record naming it (see LastEvents).
	LastEvents() (LastEvents, error)
	// PurgePickups erases the sender and recipient of expired pickups.
	PurgePickups(expired Expiry) (int, error)
	// PurgeComplaints erases the customer and sealed free text of
	// expired complaints.
	PurgeComplaints(expired Expiry) (int, error)
	// PurgeDamageTexts erases the sealed description of expired damage
	// reports.
	PurgeDamageTexts(expired Expiry) (int, error)
	// PurgeTasks erases the contact, reason and attempt notes of expired
	// callback tasks; it counts the contacts erased and returns the ids
	// of the purged tasks and of the outcomes whose notes are to go.
	PurgeTasks(expired Expiry) (n int, tasks map[string]bool, outcomes []string, err error)
	// BlankNotes blanks the notes of the named callback outcomes.
	BlankNotes(outcomes []string) (int, error)
	// BlankFeeds empties the masked contact in couriers' feed entries of
	// the named tasks.
	BlankFeeds(tasks map[string]bool) (int, error)
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// LastEvents is each waybill's last event.
type LastEvents map[string]time.Time

// Note records an event of a waybill at t (none for an empty waybill).
func (l LastEvents) Note(waybill string, t time.Time) {
	if waybill != "" && t.After(l[waybill]) {
		l[waybill] = t
	}
}

// Expiry is the purge's judgement at cutoff: a record of a waybill with a
// known last event is due when that event is before cutoff; any other
// record when its own latest time (if any) is.
func (l LastEvents) Expiry(cutoff time.Time) Expiry {
	return func(waybill string, own time.Time) bool {
		if t, ok := l[waybill]; waybill != "" && ok {
			return t.Before(cutoff)
		}
		return !own.IsZero() && own.Before(cutoff)
	}
}

// DeviceEventTime is the time a device-reported event counts for in the
// purge: a device time after the server received the op (a device clock
// set ahead) counts as the receipt time, so a pickup dated 2099 does not
// escape the purge. A zero received leaves t as it is.
func DeviceEventTime(t, received time.Time) time.Time {
	if !received.IsZero() && t.After(received) {
		return received
	}
	return t
}

// PurgeCutoff is the purge's cutoff at now: parcels whose last event is
// before it lose their personal data.
func PurgeCutoff(now time.Time, s Settings) time.Time { return now.Add(-s.PIIRetention) }

// LedgerPartiesCutoff is the retention guard of the ledger: its rows keep
// their masked parties until the rows themselves may go, so the later of
// the two retentions counts.
func LedgerPartiesCutoff(now time.Time, s Settings) time.Time {
	return now.Add(-max(s.PIIRetention, s.CODRetention))
}

// Purge erases (or with dryRun only counts) the personal data of every
// parcel whose last event is before the cutoff, and audits a real purge.
// Amounts, waybills, statuses, the COD ledger and the audit trail stay.
func Purge(tx PurgeTx, p Principal, now time.Time, s Settings, dryRun bool) (*PurgeReport, error) {
	cutoff := PurgeCutoff(now, s)
	rep := &PurgeReport{DryRun: dryRun, Cutoff: cutoff, Counts: map[string]int{}}
	last, err := tx.LastEvents()
	if err != nil {
		return nil, err
	}
	expired := last.Expiry(cutoff)
	var tasks map[string]bool
	var outcomes []string
	steps := []struct {
		kind string
		run  func() (int, error)
	}{
		{PurgePickups, func() (int, error) { return tx.PurgePickups(expired) }},
		{PurgeComplaints, func() (int, error) { return tx.PurgeComplaints(expired) }},
		{PurgeDamageTexts, func() (int, error) { return tx.PurgeDamageTexts(expired) }},
		{PurgeTasks, func() (n int, err error) { n, tasks, outcomes, err = tx.PurgeTasks(expired); return n, err }},
		{PurgeNotes, func() (int, error) { return tx.BlankNotes(outcomes) }},
		{PurgeFeed, func() (int, error) { return tx.BlankFeeds(tasks) }},
	}
	for _, st := range steps {
		n, err := st.run()
		if err != nil {
			return nil, err
		}
		rep.Counts[st.kind] = n
	}
	if dryRun {
		return rep, nil
	}
	e := NewEvent(p, ActionPIIPurge, "pii", now)
	e.Detail = fmt.Sprintf("cutoff %s; pickups %d, complaints %d, callback tasks %d, notes %d, feed entries %d",
		cutoff.Format(time.RFC3339), rep.Counts[PurgePickups], rep.Counts[PurgeComplaints], rep.Counts[PurgeTasks],
		rep.Counts[PurgeNotes], rep.Counts[PurgeFeed])
	return rep, tx.Audit(e)
}
