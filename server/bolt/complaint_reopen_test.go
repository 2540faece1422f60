package bolt_test

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestASupervisorReopensAClosedComplaintKeepingItsHistoryAndDeadline(t *testing.T) {
	clock := newDSClock("2026-05-01T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	c, err := db.CreateComplaint(bg, dsDispatcher, &server.NewComplaint{Category: "delay", Description: "late", Channel: "phone",
		Customer: syncproto.Customer{Name: "Li Na", Phone: "13912345678"}, ReceivedAt: "2026-05-01T09:00:00+08:00"})
	if err != nil {
		t.Fatal(err)
	}
	step := func(p server.Principal, to, note string) (*server.Complaint, error) {
		clock.Advance(3 * 24 * time.Hour)
		return db.TransitionComplaint(bg, p, c.ComplaintID, &server.ComplaintTransition{To: to, Note: note})
	}
	for _, to := range []string{"verified", "handled", "closed"} { // closed on day 9: late
		if _, err := step(dsDispatcher, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err = step(dsDispatcher, "received", "customer called again")
	dsWantCode(t, err, syncproto.CodeConflict)
	_, err = step(dsSupervisor, "received", "")
	dsWantCode(t, err, syncproto.CodeInvalidRequest)
	r, err := step(dsSupervisor, "received", "customer called again")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != server.ComplaintReceived || !r.DueBy.Equal(c.DueBy) || !r.Breached || r.ClosedAt != nil || len(r.History) != 4 ||
		r.History[3].Note != "customer called again" || r.History[3].By != dsSupervisor.UserID {
		t.Fatalf("reopened = %+v", r)
	}
	l, err := db.ListComplaints(bg, server.ComplaintFilter{Overdue: true})
	if err != nil || len(l.Complaints) != 1 {
		t.Fatalf("a reopened late complaint is overdue again: %+v, %v", l, err)
	}
	if _, err := step(dsDispatcher, "verified", "checked again"); err != nil {
		t.Fatal(err)
	}
}
