package server

import (
	"fmt"
	"time"
)

// CODEntry is one ledger row with its custody, as the ledger rules see
// it: the row's fields and where its money is now (Status, the hand-over
// and settlement, ReversedBy). CollectedAt is the instant as recorded;
// the computed fields of the view (DueBy, AgeDays, DaysOverdue) are left
// zero until View.
type CODEntry struct {
	LedgerEntry
	// WrittenAt is when the row was written; OpID the push op that wrote
	// a receipt.
	WrittenAt time.Time
	OpID      string
}

// CODVoid reports whether an entry of kind, reversed or not, is void: a
// reversed entry and its reversal cancel out and move no further.
func CODVoid(kind string, reversed bool) bool { return kind == EntryReversal || reversed }

// Void reports whether the entry is a reversal or has been reversed.
func (e *CODEntry) Void() bool { return CODVoid(e.Kind, e.ReversedBy != "") }

// CODDue returns when money collected at t must be settled under s.
func CODDue(s Settings, t time.Time) time.Time { return CODDueBy(t, s.CODDueMonths, s.Location) }

// CODOverdue reports whether money collected at collected, in custody
// status and void or not, is past its deadline at now: settled money and
// void entries are never overdue.
func CODOverdue(s Settings, status string, void bool, collected, now time.Time) bool {
	return status != CODSettled && !void && CODDue(s, collected).Before(now)
}

// CODOverdueDay reports whether every entry collected in [start, end) is
// past due at now (all), or none is (none); otherwise entries must be
// looked at one by one. Deadlines never run backwards across days, so once
// a day has none overdue, no later day has.
func CODOverdueDay(s Settings, start, end, now time.Time) (all, none bool) {
	if !CODDue(s, start).Before(now) {
		return false, true
	}
	return CODDue(s, end.Add(-time.Nanosecond)).Before(now), false
}

// View is the dispatcher's view of the entry at now under s.
func (e *CODEntry) View(s Settings, now time.Time) LedgerEntry {
	v := e.LedgerEntry
	due := CODDue(s, e.CollectedAt)
	v.CollectedAt, v.DueBy, v.AgeDays, v.DaysOverdue = Encodable(e.CollectedAt.In(s.Location)), due, 0, 0
	if age := now.Sub(e.CollectedAt); age > 0 {
		v.AgeDays = int(age / (24 * time.Hour))
	}
	if CODOverdue(s, e.Status, e.Void(), e.CollectedAt, now) {
		v.DaysOverdue = int(now.Sub(due) / (24 * time.Hour))
	}
	return v
}

// LedgerPurgeAllowed is the retention guard of the COD ledger: nil when a
// ledger row collected at collectedAt may be purged, edited or deleted at
// now (it is older than s.CODRetention), a conflict otherwise. Every job
// that purges, edits or deletes ledger rows, or data a ledger row needs,
// asks it for each row first.
func LedgerPurgeAllowed(s Settings, now, collectedAt time.Time) error {
	if keep := collectedAt.Add(s.CODRetention); now.Before(keep) {
		return Conflict(fmt.Sprintf("ledger rows are kept at least %s: this one until %s", s.CODRetention, keep.In(s.Location).Format(time.RFC3339)))
	}
	return nil
}

// Statuses returns the custody statuses the filter reads, in custody
// order: the one asked for, or all; overdue money is never settled.
func (f *LedgerFilter) Statuses() []string {
	var out []string
	for _, st := range CODStatuses() {
		if (f.Status == "" || f.Status == st) && !(f.Overdue && st == CODSettled) {
			out = append(out, st)
		}
	}
	return out
}

// Matches applies the filter's courier, status, time and overdue
// conditions to one entry at now, as an indexed walk does.
func (f *LedgerFilter) Matches(e *CODEntry, s Settings, now time.Time) bool {
	switch {
	case f.CourierID != "" && e.CourierID != f.CourierID:
	case f.Status != "" && e.Status != f.Status:
	case !f.From.IsZero() && e.CollectedAt.Before(f.From):
	case !f.To.IsZero() && !e.CollectedAt.Before(f.To):
	case f.Overdue && !CODOverdue(s, e.Status, e.Void(), e.CollectedAt, now):
	default:
		return true
	}
	return false
}
