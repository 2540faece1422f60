package server

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// memParties are ledger rows by collection time, with parties or not.
type memParties struct {
	at      []time.Time
	parties []bool
	events  []AuditEvent
	fail    error
	loose   bool // yields rows at or after t too, as a store whose keys saturate may
}

func (m *memParties) EachCollectedBefore(t time.Time, fn func(time.Time, func() (bool, error)) error) error {
	for i, at := range m.at {
		if !at.Before(t) && !m.loose {
			continue
		}
		err := fn(at, func() (bool, error) {
			had := m.parties[i]
			m.parties[i] = false
			return had, m.fail
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *memParties) Audit(e AuditEvent) error { m.events = append(m.events, e); return nil }

func TestPurgeLedgerPartiesKeepsRowsYoungerThanRetention(t *testing.T) {
	s := DefaultSettings()
	sup := Principal{UserID: "u3", Role: syncproto.RoleSupervisor}
	now := time.Date(2027, 6, 1, 0, 0, 0, 0, s.Location)
	old := now.Add(-s.CODRetention - time.Hour)
	m := &memParties{at: []time.Time{old.Add(-time.Hour), old, now.Add(-time.Hour)}, parties: []bool{true, false, true}}
	if _, err := BlankLedgerParties(m, sup, s, now, now); codeOf(err) != syncproto.CodeConflict || !m.parties[0] {
		t.Fatalf("a before younger than retention: %v", err)
	}
	n, err := BlankLedgerParties(m, sup, s, old.Add(time.Minute), now)
	if err != nil || n != 1 || m.parties[0] || !m.parties[2] {
		t.Fatalf("purged %d: %v %v", n, m.parties, err)
	}
	if len(m.events) != 1 || m.events[0].Action != ActionCODPurge || !strings.Contains(m.events[0].Detail, "from 1 rows") {
		t.Fatalf("events %+v", m.events)
	}
	if n, err := BlankLedgerParties(m, sup, s, old.Add(time.Minute), now); err != nil || n != 0 || len(m.events) != 1 {
		t.Fatalf("nothing left to purge is no event: %d %v", n, err)
	}
	m.parties[0], m.fail = true, errBoom
	if _, err := BlankLedgerParties(m, sup, s, old.Add(time.Minute), now); !errors.Is(err, errBoom) {
		t.Fatalf("store failure: %v", err)
	}
	t.Run("each row passes the guard", func(t *testing.T) {
		young := &memParties{at: []time.Time{old, now.Add(-time.Hour)}, parties: []bool{true, true}, loose: true}
		if _, err := BlankLedgerParties(young, sup, s, old.Add(time.Minute), now); codeOf(err) != syncproto.CodeConflict || len(young.events) != 0 {
			t.Fatalf("got %v", err)
		}
	})
}
