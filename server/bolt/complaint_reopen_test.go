package bolt_test

import (
	"strings"
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

// TestComplaintStepNotesAreSealedAtRest: the rules carry a step's note in
// the clear (server.ComplaintState), the store must not: a phone number in
// a reopening note and in an exemption's note reaches neither the file
// nor the audit event in the clear, while the reader still sees the note.
func TestComplaintStepNotesAreSealedAtRest(t *testing.T) {
	clock := newDSClock("2026-05-01T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	c, err := db.CreateComplaint(bg, dsDispatcher, &server.NewComplaint{Category: "delay", Description: "late", Channel: "phone",
		Customer: syncproto.Customer{Name: "Li Na", Phone: "13912345678"}, ReceivedAt: "2026-05-01T09:00:00+08:00"})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	steps := []server.ComplaintTransition{{To: "verified"}, {To: "handled"},
		{To: "closed", Note: "exempt: customer 13700001111 refused delivery", ExemptCourier: &yes},
		{To: "received", Note: "reopened, call 13700002222 back"}}
	for _, s := range steps {
		clock.Advance(time.Hour)
		if _, err := db.TransitionComplaint(bg, dsSupervisor, c.ComplaintID, &s); err != nil {
			t.Fatal(err)
		}
	}
	ft, err := db.ComplaintText(bg, dsSupervisor, c.ComplaintID)
	if err != nil || len(ft.Notes) != 4 || ft.Notes[2].Note != steps[2].Note || ft.Notes[3].Note != steps[3].Note {
		t.Fatalf("the reader sees %+v, %v", ft, err)
	}
	evs, err := db.ListEvents(bg, server.EventFilter{Action: server.ActionComplaintExempt, Limit: 10})
	if err != nil || len(evs.Events) != 1 || strings.Contains(evs.Events[0].Detail, "13700001111") ||
		!strings.HasPrefix(evs.Events[0].Detail, "courier  exempted: exempt: customer ") {
		t.Fatalf("exemption events %+v, %v", evs, err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	assertFileFree(t, db.Path(), "13700001111", "13700002222", "13912345678")
}
