package bolt_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

func complaintOp(received time.Time) map[string]any {
	return map[string]any{"category": "delay", "description": "arrived two days late",
		"customer": map[string]any{"name": "李娜", "phone": "13912345678"}, "received_at": received.Format(time.RFC3339)}
}

func newComplaint(received string, channel string) *server.NewComplaint {
	return &server.NewComplaint{Category: "damage", Description: "box crushed", Channel: channel,
		Customer: syncproto.Customer{Name: "张伟", Phone: "13812345678"}, ReceivedAt: received}
}

func getComplaint(tb testing.TB, db *bolt.DB, id string) *server.Complaint {
	tb.Helper()
	c, err := db.Complaint(bg, id)
	if err != nil {
		tb.Fatalf("Complaint(%s): %v", id, err)
	}
	return c
}

func complaintIDs(tb testing.TB, db *bolt.DB, f server.ComplaintFilter) string {
	tb.Helper()
	f.Limit = 100
	l, err := db.ListComplaints(bg, f)
	if err != nil {
		tb.Fatal(err)
	}
	var ids []string
	for _, c := range l.Complaints {
		ids = append(ids, c.ComplaintID)
	}
	return "[" + strings.Join(ids, " ") + "]"
}

func TestComplaintDeadlinesWithAnInjectedClock(t *testing.T) {
	clock := newDSClock("2026-01-28T20:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "wu")
	// cp-1 from the courier's handheld; cp-2 from a dispatcher's phone call
	// late on 31 January Shanghai time (still 15:30 UTC that day); both
	// deadlines fall in February.
	ref := a.push("complaint", clock.Now(), complaintOp(clock.Now())).Ref
	clock.Set(dsTime("2026-01-31T23:40:00+08:00"))
	c2, err := db.CreateComplaint(bg, dsDispatcher, newComplaint("2026-01-31T23:30:00+08:00", server.ChannelPhone))
	if err != nil {
		t.Fatal(err)
	}
	if ref != "cp-1" || c2.ComplaintID != "cp-2" {
		t.Fatalf("ids %s, %s; want cp-1, cp-2", ref, c2.ComplaintID)
	}
	if !c2.DueBy.Equal(dsTime("2026-02-07T23:30:00+08:00")) || c2.Customer.NameMasked != "张*" || c2.Customer.PhoneMasked != "138****5678" {
		t.Fatalf("cp-2 = %+v", c2)
	}
	tests := []struct {
		now             string
		cp1, cp2        string // "", "at_risk" or "breached"
		overdue, atRisk string
	}{
		{"2026-02-02T19:59:59+08:00", "", "", "[]", "[]"},
		{"2026-02-02T20:00:00+08:00", "at_risk", "", "[]", "[cp-1]"},
		{"2026-02-04T20:00:00+08:00", "", "", "[]", "[]"}, // cp-1 is due this instant
		{"2026-02-04T20:00:01+08:00", "breached", "", "[cp-1]", "[]"},
		{"2026-02-05T23:30:00+08:00", "breached", "at_risk", "[cp-1]", "[cp-2]"},
		{"2026-02-07T23:30:00+08:00", "breached", "", "[cp-1]", "[]"},
		{"2026-02-07T23:30:01+08:00", "breached", "breached", "[cp-1 cp-2]", "[]"},
	}
	state := func(c *server.Complaint) string {
		switch {
		case c.AtRisk && c.Breached:
			return "both"
		case c.AtRisk:
			return "at_risk"
		case c.Breached:
			return "breached"
		}
		return ""
	}
	for _, tt := range tests {
		t.Run("at "+tt.now, func(t *testing.T) {
			clock.Set(dsTime(tt.now))
			if got := state(getComplaint(t, db, "cp-1")); got != tt.cp1 {
				t.Errorf("cp-1 is %q, want %q", got, tt.cp1)
			}
			if got := state(getComplaint(t, db, "cp-2")); got != tt.cp2 {
				t.Errorf("cp-2 is %q, want %q", got, tt.cp2)
			}
			if got := complaintIDs(t, db, server.ComplaintFilter{Overdue: true}); got != tt.overdue {
				t.Errorf("overdue list %s, want %s", got, tt.overdue)
			}
			if got := complaintIDs(t, db, server.ComplaintFilter{AtRisk: true}); got != tt.atRisk {
				t.Errorf("at-risk list %s, want %s", got, tt.atRisk)
			}
		})
	}
	t.Run("a late close stays breached, and leaves the overdue list", func(t *testing.T) {
		for _, to := range []string{"verified", "handled", "closed"} {
			if _, err := db.TransitionComplaint(bg, dsDispatcher, "cp-1", &server.ComplaintTransition{To: to, Note: "step " + to}); err != nil {
				t.Fatal(err)
			}
		}
		c := getComplaint(t, db, "cp-1")
		if !c.Breached || c.AtRisk || c.ClosedAt == nil {
			t.Fatalf("cp-1 = %+v", c)
		}
		if got := complaintIDs(t, db, server.ComplaintFilter{Overdue: true}); got != "[cp-2]" {
			t.Fatalf("overdue = %s", got)
		}
	})
}

func TestComplaintStateMachineTakesOneStepAtATime(t *testing.T) {
	clock := newDSClock("2026-03-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "zheng")
	a.push("pickup", clock.Now(), dsPickup("WB-CP-0001", 0))
	req := newComplaint("2026-03-02T08:30:00+08:00", server.ChannelWeChat)
	req.Waybill = "WB-CP-0001"
	c, err := db.CreateComplaint(bg, dsDispatcher, req)
	if err != nil {
		t.Fatal(err)
	}
	if c.CourierID != a.p.UserID || c.Status != server.ComplaintReceived || len(c.History) != 0 {
		t.Fatalf("a complaint about a waybill concerns the courier who picked it up: %+v", c)
	}
	steps := []struct {
		to, want string
	}{
		{"handled", "409"}, {"closed", "409"}, {"received", "409"},
		{"verified", "ok"}, {"verified", "409"}, {"closed", "409"},
		{"handled", "ok"}, {"verified", "409"},
		{"closed", "ok"}, {"closed", "409"}, {"received", "409"},
	}
	for i, s := range steps {
		clock.Advance(time.Hour)
		_, err := db.TransitionComplaint(bg, dsDispatcher, c.ComplaintID, &server.ComplaintTransition{To: s.to, Note: fmt.Sprintf("note %d", i), ExemptCourier: exemptAt(i)})
		got := "ok"
		if err != nil {
			dsWantCode(t, err, syncproto.CodeConflict)
			got = "409"
		}
		if got != s.want {
			t.Fatalf("step %d to %s: %s, want %s", i, s.to, got, s.want)
		}
	}
	c = getComplaint(t, db, c.ComplaintID)
	if len(c.History) != 3 || c.History[0].To != "verified" || c.History[2].To != "closed" {
		t.Fatalf("history = %+v", c.History)
	}
	h := c.History[0]
	if h.By != dsDispatcher.UserID || !h.At.Equal(dsTime("2026-03-02T13:00:00+08:00")) || h.Note != "note 3" {
		t.Fatalf("first step = %+v, want stamped by the dispatcher at 13:00 with its note", h)
	}
	if !c.Exempted || c.History[0].ExemptCourier == nil || !*c.History[0].ExemptCourier {
		t.Fatalf("the courier exemption is recorded on the step that made it: %+v", c)
	}
	t.Run("the exemption is in the audit trail with its reason", func(t *testing.T) {
		ev, _ := db.ListEvents(bg, server.EventFilter{Action: server.ActionComplaintExempt, Limit: 10})
		if len(ev.Events) != 1 || !strings.Contains(ev.Events[0].Detail, "note 3") || ev.Events[0].Object != c.ComplaintID {
			t.Fatalf("exemption events = %+v", ev.Events)
		}
		tr, _ := db.ListEvents(bg, server.EventFilter{Action: server.ActionComplaintTransition, Limit: 10})
		if len(tr.Events) != 3 {
			t.Fatalf("%d transition events, want 3", len(tr.Events))
		}
	})
	t.Run("the courier's feed follows the complaint to closed", func(t *testing.T) {
		resp, err := db.Pull(bg, a.p, "", 500)
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, ch := range resp.Changes {
			if ch.Type != server.ChangeComplaint {
				continue
			}
			var cc server.ComplaintChange
			if err := json.Unmarshal(ch.Data, &cc); err != nil {
				t.Fatal(err)
			}
			if cc.Customer.PhoneMasked != "138****5678" || strings.Contains(string(ch.Data), "13812345678") {
				t.Fatalf("feed change shows unmasked data: %s", ch.Data)
			}
			seen = append(seen, cc.Status)
		}
		if fmt.Sprint(seen) != "[received verified handled closed]" {
			t.Fatalf("feed statuses %v", seen)
		}
	})
	t.Run("unknown complaints are not found", func(t *testing.T) {
		for _, id := range []string{"cp-99", "cp-x", "cb-1", ""} {
			_, err := db.Complaint(bg, id)
			dsWantCode(t, err, syncproto.CodeNotFound)
			_, err = db.TransitionComplaint(bg, dsDispatcher, id, &server.ComplaintTransition{To: "verified"})
			dsWantCode(t, err, syncproto.CodeNotFound)
		}
	})
}

// exemptAt exempts the courier on the first step that goes through.
func exemptAt(i int) *bool {
	if i == 3 {
		v := true
		return &v
	}
	return nil
}

func TestTwoDispatchersTakingTheSameStepOneWins(t *testing.T) {
	clock := newDSClock("2026-03-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	for round := 0; round < 10; round++ {
		c, err := db.CreateComplaint(bg, dsDispatcher, newComplaint("2026-03-02T08:30:00+08:00", server.ChannelWeb))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = db.TransitionComplaint(bg, dsDispatcher, c.ComplaintID, &server.ComplaintTransition{To: "verified"})
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: errors %v, want exactly one conflict", round, errs)
		}
		if h := getComplaint(t, db, c.ComplaintID).History; len(h) != 1 {
			t.Fatalf("history %+v, want one step", h)
		}
	}
}

func TestComplaintsFromOpsAndDispatchersAreOneListSortedByDeadline(t *testing.T) {
	clock := newDSClock("2026-04-20T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "feng")
	received := []string{"2026-04-10T10:00:00+08:00", "2026-04-03T10:00:00+08:00", "2026-04-15T10:00:00+08:00", "2026-04-01T10:00:00+08:00"}
	for i, r := range received {
		if i%2 == 0 {
			a.push("complaint", clock.Now(), complaintOp(dsTime(r)))
			continue
		}
		if _, err := db.CreateComplaint(bg, dsDispatcher, newComplaint(r, server.ChannelPhone)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.TransitionComplaint(bg, dsDispatcher, "cp-2", &server.ComplaintTransition{To: "verified"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    server.ComplaintFilter
		want string
	}{
		{"all, by due_by", server.ComplaintFilter{}, "[cp-4 cp-2 cp-1 cp-3]"},
		{"by status", server.ComplaintFilter{Status: "received"}, "[cp-4 cp-1 cp-3]"},
		{"overdue (due before 20 April 09:00)", server.ComplaintFilter{Overdue: true}, "[cp-4 cp-2 cp-1]"},
		{"overdue of one status", server.ComplaintFilter{Overdue: true, Status: "verified"}, "[cp-2]"},
		{"of one courier", server.ComplaintFilter{CourierID: a.p.UserID}, "[cp-1 cp-3]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := complaintIDs(t, db, tt.f); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("pages follow the cursor", func(t *testing.T) {
		var ids []string
		cursor := ""
		for {
			l, err := db.ListComplaints(bg, server.ComplaintFilter{Cursor: cursor, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range l.Complaints {
				ids = append(ids, c.ComplaintID)
			}
			if !l.HasMore {
				break
			}
			cursor = l.Cursor
		}
		if fmt.Sprint(ids) != "[cp-4 cp-2 cp-1 cp-3]" {
			t.Fatalf("pages gave %v", ids)
		}
	})
	t.Run("a malformed filter is refused", func(t *testing.T) {
		for _, f := range []server.ComplaintFilter{{Status: "open"}, {Cursor: "!!"}, {Status: "closed", Overdue: true}} {
			_, err := db.ListComplaints(bg, f)
			dsWantCode(t, err, syncproto.CodeInvalidRequest)
		}
	})
}

func TestAComplaintShowsTheCallbacksMadeFromIt(t *testing.T) {
	clock := newDSClock("2026-03-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "han")
	c, err := db.CreateComplaint(bg, dsDispatcher, newComplaint("2026-03-02T08:30:00+08:00", server.ChannelPhone))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CallbackIDs) != 0 {
		t.Fatalf("a new complaint lists callbacks %v", c.CallbackIDs)
	}
	task, err := db.CreateCallback(bg, dsDispatcher, &server.NewCallback{CourierID: a.p.UserID, Waybill: "WB-CB-0001", Reason: "apologise",
		Customer: syncproto.Customer{Name: "张伟", Phone: "13812345678"}, ComplaintID: c.ComplaintID})
	if err != nil {
		t.Fatal(err)
	}
	if got := getComplaint(t, db, c.ComplaintID).CallbackIDs; fmt.Sprint(got) != "["+task.TaskID+"]" {
		t.Fatalf("callback ids %v, want [%s]", got, task.TaskID)
	}
}
