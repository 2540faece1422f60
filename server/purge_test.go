package server_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
)

// memPurge is a store of records by waybill (and own time) whose personal
// data is erased once.
type memPurge struct {
	fail     string
	last     server.LastEvents
	records  map[string][]memRecord // by kind
	tasks    []memRecord
	notes    map[string]string // outcome id → its task id
	feeds    map[string]bool   // task ids with a contact in a feed
	audit    []server.AuditEvent
	writable bool
}

type memRecord struct {
	id, waybill string
	own         time.Time
	erased      bool
}

func (m *memPurge) err(name string) error {
	if m.fail == name {
		return errBoom
	}
	return nil
}

func (m *memPurge) LastEvents() (server.LastEvents, error) { return m.last, m.err("LastEvents") }

func (m *memPurge) erase(kind string, expired server.Expiry) (int, error) {
	n := 0
	for i, r := range m.records[kind] {
		if !r.erased && expired(r.waybill, r.own) {
			n++
			m.records[kind][i].erased = m.writable
		}
	}
	return n, m.err(kind)
}

func (m *memPurge) PurgePickups(e server.Expiry) (int, error) { return m.erase(server.PurgePickups, e) }
func (m *memPurge) PurgeComplaints(e server.Expiry) (int, error) {
	return m.erase(server.PurgeComplaints, e)
}
func (m *memPurge) PurgeDamageTexts(e server.Expiry) (int, error) {
	return m.erase(server.PurgeDamageTexts, e)
}

func (m *memPurge) PurgeTasks(expired server.Expiry) (int, map[string]bool, []string, error) {
	tasks, n := map[string]bool{}, 0
	var outcomes []string
	for i, t := range m.tasks {
		if !expired(t.waybill, time.Time{}) {
			continue
		}
		tasks[t.id] = true
		for o, task := range m.notes {
			if task == t.id {
				outcomes = append(outcomes, o)
			}
		}
		if !t.erased {
			n++
			m.tasks[i].erased = m.writable
		}
	}
	return n, tasks, outcomes, m.err("PurgeTasks")
}

func (m *memPurge) BlankNotes(ids []string) (int, error) { return len(ids), m.err("BlankNotes") }

func (m *memPurge) BlankFeeds(tasks map[string]bool) (int, error) {
	n := 0
	for id := range tasks {
		if m.feeds[id] {
			n++
		}
	}
	return n, m.err("BlankFeeds")
}

func (m *memPurge) Audit(e server.AuditEvent) error {
	m.audit = append(m.audit, e)
	return m.err("Audit")
}

func TestPurge(t *testing.T) {
	s := server.DefaultSettings()
	s.PIIRetention = 90 * 24 * time.Hour
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	old, recent := now.AddDate(0, 0, -100), now.AddDate(0, 0, -10)
	store := func(writable bool) *memPurge {
		last := server.LastEvents{}
		last.Note("WB-OLD", old)
		last.Note("WB-NEW", old)
		last.Note("WB-NEW", recent) // a later event keeps the parcel's data
		last.Note("", recent)       // no waybill, no entry
		return &memPurge{writable: writable, last: last, records: map[string][]memRecord{
			server.PurgePickups:     {{waybill: "WB-OLD"}, {waybill: "WB-NEW"}},
			server.PurgeComplaints:  {{waybill: "WB-OLD"}, {own: old}, {own: recent}, {}},
			server.PurgeDamageTexts: {{waybill: "WB-NEW", own: old}},
		}, tasks: []memRecord{{id: "t1", waybill: "WB-OLD"}, {id: "t2", waybill: "WB-NEW"}},
			notes: map[string]string{"co-1": "t1", "co-2": "t2"}, feeds: map[string]bool{"t1": true, "t2": true}}
	}
	want := map[string]int{server.PurgePickups: 1, server.PurgeComplaints: 2, server.PurgeDamageTexts: 0,
		server.PurgeTasks: 1, server.PurgeNotes: 1, server.PurgeFeed: 1}
	check := func(t *testing.T, rep *server.PurgeReport) {
		t.Helper()
		if len(rep.Counts) != len(want) {
			t.Fatalf("counts %v", rep.Counts)
		}
		for k, n := range want {
			if rep.Counts[k] != n {
				t.Fatalf("%s: %d, want %d (%v)", k, rep.Counts[k], n, rep.Counts)
			}
		}
		if !rep.Cutoff.Equal(now.Add(-s.PIIRetention)) {
			t.Fatalf("cutoff %v", rep.Cutoff)
		}
	}
	t.Run("a dry run counts what is due and audits nothing", func(t *testing.T) {
		m := store(false)
		rep, err := server.Purge(m, supervisor, now, s, true)
		if err != nil || !rep.DryRun || len(m.audit) != 0 {
			t.Fatalf("%+v %v audit %v", rep, err, m.audit)
		}
		check(t, rep)
	})
	t.Run("a purge erases what is due past the parcel's last event and audits counts, never data", func(t *testing.T) {
		m := store(true)
		rep, err := server.Purge(m, supervisor, now, s, false)
		if err != nil || rep.DryRun {
			t.Fatalf("%+v %v", rep, err)
		}
		check(t, rep)
		if len(m.audit) != 1 || m.audit[0].Action != server.ActionPIIPurge ||
			!strings.HasPrefix(m.audit[0].Detail, "cutoff 2026-09-07T00:00:00Z; pickups 1, complaints 2, callback tasks 1, notes 1, feed entries 1") {
			t.Fatalf("audit %+v", m.audit)
		}
		again, _ := server.Purge(m, supervisor, now, s, false)
		if again.Counts[server.PurgePickups] != 0 || again.Counts[server.PurgeTasks] != 0 {
			t.Fatalf("a second purge erased again: %v", again.Counts)
		}
	})
	for _, f := range []string{"LastEvents", server.PurgePickups, server.PurgeComplaints, server.PurgeDamageTexts, "PurgeTasks", "BlankNotes", "BlankFeeds", "Audit"} {
		t.Run("a store failure in "+f+" is an error", func(t *testing.T) {
			m := store(true)
			m.fail = f
			if _, err := server.Purge(m, supervisor, now, s, false); !errors.Is(err, errBoom) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestRetentionRules(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	s := server.DefaultSettings()
	t.Run("ledger rows keep their parties until the longer of the two retentions", func(t *testing.T) {
		s.PIIRetention, s.CODRetention = 30*24*time.Hour, 365*24*time.Hour
		if got := server.LedgerPartiesCutoff(now, s); !got.Equal(now.Add(-365 * 24 * time.Hour)) {
			t.Fatalf("got %v", got)
		}
		s.PIIRetention = 400 * 24 * time.Hour
		if got := server.LedgerPartiesCutoff(now, s); !got.Equal(now.Add(-400 * 24 * time.Hour)) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("a device clock ahead of the server counts as the receipt time", func(t *testing.T) {
		received := now
		if got := server.DeviceEventTime(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), received); !got.Equal(received) {
			t.Fatalf("got %v", got)
		}
		early := now.Add(-time.Hour)
		if got := server.DeviceEventTime(early, received); !got.Equal(early) {
			t.Fatalf("got %v", got)
		}
		if got := server.DeviceEventTime(early, time.Time{}); !got.Equal(early) {
			t.Fatalf("unknown receipt: got %v", got)
		}
	})
	cutoff := now.AddDate(0, 0, -90)
	last := server.LastEvents{}
	last.Note("WB-1", cutoff.Add(-time.Second))
	last.Note("WB-2", cutoff)
	expired := last.Expiry(cutoff)
	for _, tt := range []struct {
		name    string
		waybill string
		own     time.Time
		due     bool
	}{
		{"a parcel whose last event is before the cutoff is due", "WB-1", time.Time{}, true},
		{"a parcel whose last event is at the cutoff is not", "WB-2", time.Time{}, false},
		{"the waybill's last event wins over the record's own time", "WB-2", cutoff.AddDate(-1, 0, 0), false},
		{"a record of an unknown waybill is judged by its own time", "WB-9", cutoff.Add(-time.Second), true},
		{"a record without a waybill is judged by its own time", "", cutoff.Add(time.Second), false},
		{"a record without any time is never due", "", time.Time{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := expired(tt.waybill, tt.own); got != tt.due {
				t.Fatalf("got %v", got)
			}
		})
	}
}
