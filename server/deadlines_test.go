package server_test

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
)

var shanghai = server.DefaultSettings().Location

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCODDueByIsOneCalendarMonthInTheCompanyTimeZone(t *testing.T) {
	tests := []struct {
		name, collected, want string
	}{
		{"mid-month keeps day and clock time", "2026-03-10T14:20:00+08:00", "2026-04-10T14:20:00+08:00"},
		{"31 January is due on the last day of February", "2026-01-31T10:00:00+08:00", "2026-02-28T10:00:00+08:00"},
		{"in a leap year on 29 February", "2028-01-31T10:00:00+08:00", "2028-02-29T10:00:00+08:00"},
		{"December rolls into January", "2026-12-15T09:00:00+08:00", "2027-01-15T09:00:00+08:00"},
		{"the month is Shanghai's, not UTC's: 1 Feb 00:10 CST is still January in UTC", "2026-01-31T16:10:00Z", "2026-03-01T00:10:00+08:00"},
		{"31 March is due on 30 April", "2026-03-31T23:59:00+08:00", "2026-04-30T23:59:00+08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := server.CODDueBy(at(tt.collected), 1, shanghai)
			if !got.Equal(at(tt.want)) {
				t.Fatalf("CODDueBy(%s) = %s, want %s", tt.collected, got, tt.want)
			}
		})
	}
	t.Run("every deadline falls in the month after the collection's month", func(t *testing.T) {
		for c := at("2026-01-25T00:00:00+08:00"); c.Before(at("2026-03-05T00:00:00+08:00")); c = c.Add(47 * time.Minute) {
			cm := c.In(shanghai).Month()
			if due := server.CODDueBy(c, 1, shanghai); due.In(shanghai).Month() != cm%12+1 {
				t.Fatalf("collected %s (month %d) is due %s", c, cm, due)
			}
		}
	})
}

func TestComplaintClockAcrossTheFiveAndSevenDayMarks(t *testing.T) {
	s := server.DefaultSettings()
	received := at("2026-01-28T20:00:00+08:00")
	closedLate := at("2026-02-05T09:00:00+08:00")
	closedEarly := at("2026-02-01T09:00:00+08:00")
	tests := []struct {
		name         string
		now          time.Time
		closedAt     *time.Time
		risk, breach bool
	}{
		{"on day 4 it is neither", received.Add(4*24*time.Hour + 23*time.Hour), nil, false, false},
		{"at exactly day 5 it turns at risk", received.Add(5 * 24 * time.Hour), nil, true, false},
		{"just before day 7 it is still at risk", received.Add(7*24*time.Hour - time.Second), nil, true, false},
		{"at exactly day 7 it is due, not yet breached, no longer at risk", received.Add(7 * 24 * time.Hour), nil, false, false},
		{"a second after day 7 it is breached", received.Add(7*24*time.Hour + time.Second), nil, false, true},
		{"closed before the deadline it is never breached", received.Add(30 * 24 * time.Hour), &closedEarly, false, false},
		{"closed after the deadline it stays breached", received.Add(30 * 24 * time.Hour), &closedLate, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			risk, breach := server.ComplaintClock(received, tt.closedAt, tt.now, s)
			if risk != tt.risk || breach != tt.breach {
				t.Fatalf("at %s: at_risk=%v breached=%v, want %v %v", tt.now, risk, breach, tt.risk, tt.breach)
			}
		})
	}
	if due := server.ComplaintDeadline(received, s); !due.Equal(at("2026-02-04T20:00:00+08:00")) {
		t.Fatalf("due_by = %s, want 4 February 20:00 CST (across the month boundary)", due)
	}
}

func TestNextServiceIsDueByDateOrDistanceWhicheverFirst(t *testing.T) {
	s := server.DefaultSettings()
	base := at("2026-01-01T08:00:00+08:00")
	tests := []struct {
		name          string
		now           time.Time
		odometer      int64
		overdue, soon bool
	}{
		{"far from both limits", base.AddDate(0, 0, 30), 12_000, false, false},
		{"within 500 km of the distance limit", base.AddDate(0, 0, 30), 20_600, false, true},
		{"within 7 days of the date limit", base.AddDate(0, 0, 85), 12_000, false, true},
		{"past the distance limit first", base.AddDate(0, 0, 30), 21_000, true, false},
		{"past the date limit first", base.AddDate(0, 0, 90), 12_000, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd := server.NextService(base, 11_000, 90, 10_000, tt.odometer, tt.now, s)
			if sd.Overdue != tt.overdue || sd.DueSoon != tt.soon {
				t.Fatalf("overdue=%v soon=%v, want %v %v (due %s / %d km)", sd.Overdue, sd.DueSoon, tt.overdue, tt.soon, sd.DueAt, sd.DueKM)
			}
		})
	}
}

func TestComplaintStepsGoOneAtATime(t *testing.T) {
	steps := map[string]string{"received": "verified", "verified": "handled", "handled": "closed", "closed": "", "bogus": ""}
	for from, want := range steps {
		if got := server.NextComplaintStatus(from); got != want {
			t.Errorf("NextComplaintStatus(%q) = %q, want %q", from, got, want)
		}
	}
}
