package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// complaintBehaviours cover server.ComplaintService.
var complaintBehaviours = []behaviour{
	{"a complaint takes one step at a time, each stamped, and the courier's feed follows it", complaintSteps},
	{"two dispatchers taking the same step: exactly one wins", complaintStepOneWins},
	{"a supervisor reopens a closed complaint keeping history and deadline", complaintReopen},
	{"deadlines run from received_at: at risk from day 5, breached after day 7", complaintDeadlines},
	{"complaints from ops and dispatchers are one list sorted by due_by, filtered and paged", complaintList},
	{"a complaint lists the callbacks made from it", complaintCallbacks},
	{"unknown complaints are not found; malformed ones and non-courier courier ids are refused", complaintUnknown},
}

func (w *world) step(p server.Principal, id, to, note string) (*server.Complaint, error) {
	return w.s.Complaints.TransitionComplaint(w.ctx, p, id, &server.ComplaintTransition{To: to, Note: note})
}

func complaintSteps(t *testing.T, w *world) {
	a := w.courier("zheng")
	a.apply(syncproto.KindPickup, pickup("WB-CP-0001", 0))
	c := w.complaint("WB-CP-0001", w.now().Add(-30*time.Minute))
	if c.CourierID != a.p.UserID || c.Status != syncproto.ComplaintReceived || len(c.History) != 0 || c.Customer.PhoneMasked != maskedPhone {
		t.Fatalf("a complaint about a waybill concerns the courier who picked it up, masked: %+v", c)
	}
	steps := []struct{ to, want string }{
		{"handled", "409"}, {"closed", "409"}, {"received", "409"},
		{"verified", "ok"}, {"verified", "409"}, {"closed", "409"},
		{"handled", "ok"}, {"verified", "409"},
		{"closed", "ok"}, {"closed", "409"}, {"received", "409"},
	}
	for i, s := range steps {
		w.clock.Advance(time.Hour)
		exempt := (*bool)(nil)
		if i == 3 {
			exempt = ptr(true)
		}
		_, err := w.s.Complaints.TransitionComplaint(w.ctx, w.disp, c.ComplaintID, &server.ComplaintTransition{To: s.to, Note: fmt.Sprintf("note %d", i), ExemptCourier: exempt})
		got := "ok"
		if err != nil {
			wantCode(t, err, syncproto.CodeConflict)
			got = "409"
		}
		if got != s.want {
			t.Fatalf("step %d to %s: %s, want %s", i, s.to, got, s.want)
		}
	}
	c, err := w.s.Complaints.Complaint(w.ctx, c.ComplaintID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.History) != 3 || c.History[0].To != "verified" || c.History[2].To != "closed" || c.ClosedAt == nil || c.Status != syncproto.ComplaintClosed {
		t.Fatalf("complaint %+v", c)
	}
	if h := c.History[0]; h.By != w.disp.UserID || !h.At.Equal(Start.Add(4*time.Hour)) || h.Note != "note 3" {
		t.Fatalf("first step %+v, want stamped by the dispatcher at 13:00 with its note", h)
	}
	if !c.Exempted {
		t.Fatalf("the courier exemption is kept: %+v", c)
	}
	if ev := w.events(server.ActionComplaintExempt); len(ev) != 1 || ev[0].Object != c.ComplaintID {
		t.Fatalf("exemption events %+v", ev)
	}
	if n := len(w.events(server.ActionComplaintTransition)); n != 3 {
		t.Fatalf("%d transition events, want 3", n)
	}
	wantComplaintFeed(t, w, a.p, "[received verified handled closed]")
}

// wantComplaintFeed fails unless p's feed follows the complaint through
// statuses, masked.
func wantComplaintFeed(t *testing.T, w *world, p server.Principal, statuses string) {
	t.Helper()
	var seen []string
	for _, ch := range w.pull(p) {
		if ch.Type != server.ChangeComplaint {
			continue
		}
		if strings.Contains(string(ch.Data), custPhone) || strings.Contains(string(ch.Data), custName) {
			t.Fatalf("a feed change shows personal data: %s", ch.Data)
		}
		cc := decode[server.ComplaintChange](t, []syncproto.Change{ch}, server.ChangeComplaint)[0]
		seen = append(seen, cc.Status)
	}
	if fmt.Sprint(seen) != statuses {
		t.Fatalf("feed statuses %v", seen)
	}
}

func complaintStepOneWins(t *testing.T, w *world) {
	for round := 0; round < 5; round++ {
		c := w.complaint("", w.now())
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.step(w.disp, c.ComplaintID, syncproto.ComplaintVerified, "")
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: errors %v, want exactly one conflict", round, errs)
		}
		got, err := w.s.Complaints.Complaint(w.ctx, c.ComplaintID)
		if err != nil || len(got.History) != 1 {
			t.Fatalf("history %+v, %v; want one step", got, err)
		}
	}
}

func complaintReopen(t *testing.T, w *world) {
	c := w.complaint("", w.now())
	step := func(p server.Principal, to, note string) (*server.Complaint, error) {
		w.clock.Advance(3 * 24 * time.Hour)
		return w.step(p, c.ComplaintID, to, note)
	}
	for _, to := range []string{"verified", "handled", "closed"} { // closed on day 9: late
		if _, err := step(w.disp, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err := step(w.disp, "received", "customer called again")
	wantCode(t, err, syncproto.CodeConflict)
	_, err = step(w.sup, "received", "")
	wantCode(t, err, syncproto.CodeInvalidRequest)
	r, err := step(w.sup, "received", "customer called again")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != syncproto.ComplaintReceived || !r.DueBy.Equal(c.DueBy) || !r.Breached || r.ClosedAt != nil || len(r.History) != 4 || r.History[3].By != w.sup.UserID {
		t.Fatalf("reopened %+v", r)
	}
	l, err := w.s.Complaints.ListComplaints(w.ctx, server.ComplaintFilter{Overdue: true, Limit: 10})
	if err != nil || len(l.Complaints) != 1 {
		t.Fatalf("a reopened late complaint is overdue again: %+v, %v", l, err)
	}
}

func complaintDeadlines(t *testing.T, w *world) {
	received := w.now().Add(-time.Hour)
	c := w.complaint("", received)
	if want := received.Add(7 * 24 * time.Hour); !c.DueBy.Equal(want) || c.AtRisk || c.Breached {
		t.Fatalf("new complaint %+v, due_by want %s", c, want)
	}
	at := func(d time.Duration) *server.Complaint {
		w.clock.Set(received.Add(d))
		got, err := w.s.Complaints.Complaint(w.ctx, c.ComplaintID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if g := at(5*24*time.Hour - time.Minute); g.AtRisk || g.Breached {
		t.Fatalf("just before day 5: %+v", g)
	}
	if g := at(5 * 24 * time.Hour); !g.AtRisk || g.Breached {
		t.Fatalf("at day 5: %+v", g)
	}
	if g := at(7*24*time.Hour + time.Minute); g.AtRisk || !g.Breached {
		t.Fatalf("past day 7: %+v", g)
	}
	for _, to := range []string{"verified", "handled", "closed"} {
		if _, err := w.step(w.disp, c.ComplaintID, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	if g := at(30 * 24 * time.Hour); !g.Breached || g.AtRisk {
		t.Fatalf("a late close stays breached: %+v", g)
	}
	l, err := w.s.Complaints.ListComplaints(w.ctx, server.ComplaintFilter{Overdue: true, Limit: 10})
	if err != nil || len(l.Complaints) != 0 {
		t.Fatalf("a closed complaint leaves the overdue list: %+v, %v", l, err)
	}
}

func complaintList(t *testing.T, w *world) {
	a := w.courier("feng")
	day := func(d int) time.Time { return w.now().Add(time.Duration(-d) * 24 * time.Hour) }
	// received 10, 17, 5 and 19 days ago: due_by order is 4th, 2nd, 1st, 3rd.
	ids := make([]string, 4)
	ids[0] = a.apply(syncproto.KindComplaint, complaintPayload("", day(10))).Ref
	ids[1] = w.complaint("", day(17)).ComplaintID
	ids[2] = a.apply(syncproto.KindComplaint, complaintPayload("", day(5))).Ref
	ids[3] = w.complaint("", day(19)).ComplaintID
	if _, err := w.step(w.disp, ids[1], syncproto.ComplaintVerified, ""); err != nil {
		t.Fatal(err)
	}
	list := func(f server.ComplaintFilter) string {
		if f.Limit == 0 {
			f.Limit = 100
		}
		l, err := w.s.Complaints.ListComplaints(w.ctx, f)
		if err != nil {
			t.Fatalf("ListComplaints(%+v): %v", f, err)
		}
		var got []string
		for _, c := range l.Complaints {
			got = append(got, c.ComplaintID)
		}
		return fmt.Sprint(got)
	}
	for _, tt := range []struct {
		name string
		f    server.ComplaintFilter
		want []string
	}{
		{"all, by due_by", server.ComplaintFilter{}, []string{ids[3], ids[1], ids[0], ids[2]}},
		{"by status", server.ComplaintFilter{Status: "received"}, []string{ids[3], ids[0], ids[2]}},
		{"overdue", server.ComplaintFilter{Overdue: true}, []string{ids[3], ids[1], ids[0]}},
		{"overdue of one status", server.ComplaintFilter{Overdue: true, Status: "verified"}, []string{ids[1]}},
		{"of one courier", server.ComplaintFilter{CourierID: a.p.UserID}, []string{ids[0], ids[2]}},
	} {
		if got := list(tt.f); got != fmt.Sprint(tt.want) {
			t.Fatalf("%s: got %s, want %v", tt.name, got, tt.want)
		}
	}
	if paged := pagedComplaints(t, w); fmt.Sprint(paged) != fmt.Sprint([]string{ids[3], ids[1], ids[0], ids[2]}) {
		t.Fatalf("pages gave %v", paged)
	}
	for _, f := range []server.ComplaintFilter{{Status: "open"}, {Cursor: "!!"}, {Status: "closed", Overdue: true}} {
		_, err := w.s.Complaints.ListComplaints(w.ctx, f)
		wantCode(t, err, syncproto.CodeInvalidRequest)
	}
}

// pagedComplaints lists every complaint one per page.
func pagedComplaints(t *testing.T, w *world) []string {
	t.Helper()
	var paged []string
	cursor := ""
	for {
		l, err := w.s.Complaints.ListComplaints(w.ctx, server.ComplaintFilter{Cursor: cursor, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Complaints {
			paged = append(paged, c.ComplaintID)
		}
		if !l.HasMore {
			return paged
		}
		cursor = l.Cursor
	}
}

func complaintCallbacks(t *testing.T, w *world) {
	a := w.courier("han")
	c := w.complaint("", w.now())
	if len(c.CallbackIDs) != 0 {
		t.Fatalf("a new complaint lists callbacks %v", c.CallbackIDs)
	}
	task, err := w.s.Callbacks.CreateCallback(w.ctx, w.disp, &server.NewCallback{CourierID: a.p.UserID, Waybill: "WB-CB-0001", Reason: "apologise", ComplaintID: c.ComplaintID})
	if err != nil {
		t.Fatal(err)
	}
	if task.Contact.PhoneMasked != maskedPhone || task.ComplaintID != c.ComplaintID {
		t.Fatalf("a task from a complaint takes its contact: %+v", task)
	}
	got, err := w.s.Complaints.Complaint(w.ctx, c.ComplaintID)
	if err != nil || fmt.Sprint(got.CallbackIDs) != "["+task.TaskID+"]" {
		t.Fatalf("callback ids %+v, %v; want [%s]", got, err, task.TaskID)
	}
}

func complaintUnknown(t *testing.T, w *world) {
	for _, id := range []string{"cp-99", "cp-x", "cb-1", ""} {
		_, err := w.s.Complaints.Complaint(w.ctx, id)
		wantCode(t, err, syncproto.CodeNotFound)
		_, err = w.step(w.disp, id, syncproto.ComplaintVerified, "")
		wantCode(t, err, syncproto.CodeNotFound)
	}
	_, err := w.s.Complaints.CreateComplaint(w.ctx, w.disp, &server.NewComplaint{Category: "weather", Description: "x", Channel: syncproto.ChannelPhone,
		Customer: syncproto.Customer{Name: custName, Phone: custPhone}, ReceivedAt: w.now().Format(time.RFC3339)})
	wantCode(t, err, syncproto.CodeInvalidRequest)
	_, err = w.s.Complaints.CreateComplaint(w.ctx, w.disp, &server.NewComplaint{Category: syncproto.CategoryDelay, Description: "x", Channel: syncproto.ChannelPhone,
		Customer: syncproto.Customer{Name: custName, Phone: custPhone}, ReceivedAt: w.now().Format(time.RFC3339), CourierID: w.sup.UserID})
	wantCode(t, err, syncproto.CodeUnprocessable)
	if l, err := w.s.Complaints.ListComplaints(w.ctx, server.ComplaintFilter{Limit: 10}); err != nil || len(l.Complaints) != 0 {
		t.Fatalf("refused complaints were kept: %+v, %v", l, err)
	}
}
