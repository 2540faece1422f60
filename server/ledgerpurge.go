package server

import (
	"fmt"
	"time"
)

// LedgerPartiesTx is what removing the masked parties of old ledger rows
// reads and writes inside one store write transaction.
type LedgerPartiesTx interface {
	// EachCollectedBefore calls fn with each ledger row collected before t
	// (every status, every courier): its collection time, and blank, which
	// removes the row's masked sender and recipient and reports whether it
	// had any left to remove. An error from fn stops the walk.
	EachCollectedBefore(t time.Time, fn func(collectedAt time.Time, blank func() (bool, error)) error) error
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// BlankLedgerParties decides the removal of the masked sender and
// recipient of ledger rows collected before `before`; amounts, receipt
// numbers and custody stay (the money record is kept). A `before` younger
// than the retention period is refused with conflict and nothing changes;
// each row also passes the guard. It returns how many rows were purged,
// and audits the purge when there were any.
func BlankLedgerParties(tx LedgerPartiesTx, p Principal, s Settings, before, now time.Time) (int, error) {
	if err := LedgerPurgeAllowed(s, now, before.Add(-time.Nanosecond)); err != nil {
		return 0, err
	}
	n := 0
	err := tx.EachCollectedBefore(before, func(at time.Time, blank func() (bool, error)) error {
		if err := LedgerPurgeAllowed(s, now, at); err != nil {
			return err
		}
		done, err := blank()
		if done {
			n++
		}
		return err
	})
	if err != nil || n == 0 {
		return 0, err
	}
	e := NewEvent(p, ActionCODPurge, "ledger", now)
	e.Detail = fmt.Sprintf("masked parties removed from %d rows collected before %s", n, before.Format(time.RFC3339))
	return n, tx.Audit(e)
}
