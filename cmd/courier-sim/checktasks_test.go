package main

import (
	"strings"
	"testing"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/server/push/pushtest"
	"github.com/courier-sync/courier-sync/syncproto"
)

// taskFixture is a small run whose tasks all ended as their histories
// imply: t1 answered (no answer, then resolved), t2 cancelled while its
// courier was offline (outcome flagged), t3 reassigned while its first
// courier was offline (that outcome flagged) and resolved by the second.
type taskFixture struct {
	c1, c2  *courier
	tasks   []*simTask
	views   map[string]*syncproto.CallbackView
	review  map[string]bool
	inboxes map[*courier][]*mobileapi.CallbackTask
	msgs    []pushtest.Message
	bodies  [][]byte
	events  []syncproto.AuditEvent
	reveals revealStats
}

func sat(n int) *int { return &n }

func goodTasks() *taskFixture {
	c1 := &courier{idx: 1, userID: "u1", token: "tok-1", gen: &generator{pii: []string{"王芳", "13912345678"}}}
	c2 := &courier{idx: 2, userID: "u2", token: "tok-2", gen: &generator{}}
	rec := func(sec int) string { return time.Date(2026, 11, 27, 9, 0, sec, 0, shanghai).Format(recordedAtLayout) }
	when := func(sec int) time.Time { return time.Date(2026, 11, 27, 9, 0, sec, 0, shanghai) }
	t0 := time.Now()
	cust := syncproto.Customer{Name: "李娜", Phone: "+86 138 0000 5678"}
	t1 := &simTask{ID: "cb-1", Plan: planAnswer, Owner: c1, customer: cust, outcomes: []simOutcome{
		{Courier: c1, Result: "no_answer", RecordedAt: rec(1)},
		{Courier: c1, Result: "reached", Resolved: true, Satisfaction: 5, RecordedAt: rec(2)},
	}, wakes: []wakeEvent{{Courier: c1, At: t0, What: "created"}}}
	t2 := &simTask{ID: "cb-2", Plan: planCancelOffline, Owner: c1, customer: cust, cancelled: true, outcomes: []simOutcome{
		{Courier: c1, Result: "reached", Resolved: true, Satisfaction: 4, RecordedAt: rec(3), Flagged: true},
	}}
	t3 := &simTask{ID: "cb-3", Plan: planReassignOffline, Owner: c1, target: c2, reassigned: true, customer: cust, outcomes: []simOutcome{
		{Courier: c1, Result: "no_answer", RecordedAt: rec(4), Flagged: true},
		{Courier: c2, Result: "reached", Resolved: true, Satisfaction: 3, RecordedAt: rec(5)},
	}, wakes: []wakeEvent{{Courier: c2, At: t0.Add(time.Second), What: "reassigned to"}}}
	f := &taskFixture{c1: c1, c2: c2, tasks: []*simTask{t1, t2, t3}, review: map[string]bool{"cb-2": true, "cb-3": true},
		views: map[string]*syncproto.CallbackView{
			"cb-1": {TaskID: "cb-1", CourierID: "u1", Status: "done", Flags: []string{}, Outcomes: []syncproto.CallbackAttempt{
				{CourierID: "u1", Result: "no_answer", RecordedAt: when(1)},
				{CourierID: "u1", Result: "reached", Resolved: true, Satisfaction: sat(5), RecordedAt: when(2)}}},
			"cb-2": {TaskID: "cb-2", CourierID: "u1", Status: "cancelled", Flags: []string{flagReview}, Outcomes: []syncproto.CallbackAttempt{
				{CourierID: "u1", Result: "reached", Resolved: true, Satisfaction: sat(4), RecordedAt: when(3), Flags: []string{flagReview}}}},
			"cb-3": {TaskID: "cb-3", CourierID: "u2", Status: "done", Flags: []string{flagReview}, Outcomes: []syncproto.CallbackAttempt{
				{CourierID: "u1", Result: "no_answer", RecordedAt: when(4), Flags: []string{flagReview}},
				{CourierID: "u2", Result: "reached", Resolved: true, Satisfaction: sat(3), RecordedAt: when(5)}}},
		},
		inboxes: map[*courier][]*mobileapi.CallbackTask{
			c1: {{TaskID: "cb-1", Status: "done"}, {TaskID: "cb-2", Status: "cancelled"}, {TaskID: "cb-3", Status: "cancelled", RemovedReason: "reassigned"}},
			c2: {{TaskID: "cb-3", Status: "done"}},
		},
		events:  []syncproto.AuditEvent{{Action: "contact.reveal", Object: "cb-1"}, {Action: "contact.reveal", Object: "cb-9"}},
		reveals: revealStats{Tried: 2, OK: 1, Failed: 1},
	}
	msg := func(tok string, at time.Time) pushtest.Message {
		m := pushtest.Message{Token: tok, At: at, Data: map[string]string{"type": "sync", "hint": "callback_task", "task_id": "cb-1"}}
		m.Android.Priority, m.Android.CollapseKey, m.Android.TTL = "high", "sync", "3600s"
		return m
	}
	f.msgs = []pushtest.Message{msg("tok-1", t0.Add(time.Millisecond)), msg("tok-2", t0.Add(time.Second+time.Millisecond))}
	f.bodies = [][]byte{[]byte(`{"message":{"token":"tok-1","data":{"task_id":"cb-1"}}}`)}
	return f
}

func (f *taskFixture) check() *actorCheck {
	ac := &actorCheck{FakeOn: true, Reveals: f.reveals}
	couriers := []*courier{f.c1, f.c2}
	ac.checkTasks(f.tasks, f.views, f.review)
	ac.checkInboxes(couriers, f.tasks, f.inboxes)
	ac.checkReveals(f.tasks, f.events)
	ac.checkWakeUps(f.tasks, f.msgs, f.bodies, piiNeedles(couriers, f.tasks))
	return ac
}

func TestActorCheckOfTasks(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(f *taskFixture)
		problem string
	}{
		{"a run whose tasks ended as their histories imply passes", func(*taskFixture) {}, ""},
		{"a task in another status than its history implies is found",
			func(f *taskFixture) { f.views["cb-1"].Status = "open" },
			`task cb-1 (answer): status "open", its history implies "done"`},
		{"a reassigned task still with its first courier is found",
			func(f *taskFixture) { f.views["cb-3"].CourierID = "u1" },
			`assigned to "u1", want courier 2`},
		{"an outcome missing from its task is found",
			func(f *taskFixture) { f.views["cb-1"].Outcomes = f.views["cb-1"].Outcomes[1:] },
			"the outcome courier 1 recorded at 2026-11-27T09:00:01.000+08:00 is not on the task"},
		{"an outcome that arrived after a cancel but is not flagged is found",
			func(f *taskFixture) { f.views["cb-2"].Outcomes[0].Flags = nil },
			"flagged review_needed: false, want true"},
		{"an outcome with another result is found",
			func(f *taskFixture) { f.views["cb-3"].Outcomes[1].Satisfaction = sat(1) },
			"reached/resolved true/satisfaction 1, want reached/true/3"},
		{"an outcome no courier recorded is found",
			func(f *taskFixture) {
				f.views["cb-1"].Outcomes = append(f.views["cb-1"].Outcomes, syncproto.CallbackAttempt{CourierID: "u2", Result: "refused", RecordedAt: time.Now()})
			},
			"an outcome of u2 recorded at"},
		{"a task flagged for review but not listed by ?review=true is found",
			func(f *taskFixture) { delete(f.review, "cb-3") },
			"listed by ?review=true: false, want true"},
		{"a closed task whose contact stayed on the handheld is found",
			func(f *taskFixture) { f.inboxes[f.c1][0].PhoneMasked = "139****5678" },
			"task cb-1 is done but its contact or reason is still on the device"},
		{"a task taken away but shown open on the first handheld is found",
			func(f *taskFixture) { f.inboxes[f.c1][2].Status, f.inboxes[f.c1][2].RemovedReason = "open", "" },
			`task cb-3 is "open" (removed ""), want "cancelled" (removed "reassigned")`},
		{"a task the handheld never got is found",
			func(f *taskFixture) { f.inboxes[f.c2] = nil },
			"handheld of courier 2: never got task cb-3"},
		{"a reassignment whose wake-up arrived only before it is found",
			func(f *taskFixture) { f.msgs[1].At = f.tasks[2].wakes[0].At.Add(-time.Millisecond) },
			"task cb-3 reassigned to courier 2: no wake-up reached"},
		{"a wake-up with a notification block is found",
			func(f *taskFixture) { f.msgs[0].HasNotification = true },
			"notification true"},
		{"a customer's phone in an FCM request is found, digits only too",
			func(f *taskFixture) { f.bodies = append(f.bodies, []byte(`{"data":{"p":"8613800005678"}}`)) },
			"a request to FCM carries personal data"},
		{"a courier's name in an FCM request is found",
			func(f *taskFixture) { f.bodies = append(f.bodies, []byte(`{"data":{"n":"Sim courier 2"}}`)) },
			"a request to FCM carries personal data"},
		{"fewer reveals audited than answered is found",
			func(f *taskFixture) { f.events = nil },
			"0 reveals audited; 1 answered and 2 tried"},
		{"a reveal that gave another task's number is found",
			func(f *taskFixture) { f.reveals.Wrong, f.reveals.OK = 1, 0 },
			"1 reveals answered with another task's name or number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := goodTasks()
			tt.breakIt(f)
			ac := f.check()
			if tt.problem == "" {
				if !ac.OK() {
					t.Fatalf("check failed a good run: %q", ac.Problems)
				}
				if ac.TasksRight != 3 || ac.OutcomesRight != 5 || ac.Flagged != 2 || ac.InboxesRight != 2 || ac.Woken != 2 ||
					ac.WellFormed != 2 || ac.Audited != 1 || ac.ByStatus["done"] != 2 || ac.ByStatus["cancelled"] != 1 {
					t.Errorf("tallies: %+v", ac)
				}
				return
			}
			if ac.OK() {
				t.Fatal("check passed a broken run")
			}
			if !strings.Contains(strings.Join(ac.Problems, "\n"), tt.problem) {
				t.Errorf("problems %q do not mention %q", ac.Problems, tt.problem)
			}
		})
	}
}

func TestTaskHistoryImpliesItsStatus(t *testing.T) {
	c := &courier{idx: 1}
	for _, tt := range []struct {
		name string
		task simTask
		want string
	}{
		{"a task nobody answered stays open", simTask{}, "open"},
		{"a task answered without resolution stays open", simTask{outcomes: []simOutcome{{Courier: c, Result: "no_answer"}}}, "open"},
		{"a resolved outcome closes it", simTask{outcomes: []simOutcome{{Courier: c, Resolved: true}}}, "done"},
		{"a flagged outcome, even resolved, does not", simTask{reassigned: true, outcomes: []simOutcome{{Courier: c, Resolved: true, Flagged: true}}}, "open"},
		{"a cancelled task stays cancelled whatever arrives", simTask{cancelled: true, outcomes: []simOutcome{{Courier: c, Resolved: true, Flagged: true}}}, "cancelled"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.task.wantStatus(); got != tt.want {
				t.Errorf("wantStatus = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCouriersFollowTheDispatchersPlan(t *testing.T) {
	a, b := &courier{idx: 1}, &courier{idx: 2}
	bd := newBoard()
	t.Run("the owner answers until resolved, at most three times", func(t *testing.T) {
		st := &simTask{ID: "cb-1", Plan: planAnswer, Owner: a}
		for i := range maxAttempts {
			if got := bd.claim(st, a, true); got != actAnswer {
				t.Fatalf("attempt %d: %v, want answer", i+1, got)
			}
			bd.addOutcome(st, simOutcome{Courier: a, Result: "no_answer"}, false)
		}
		if got := bd.claim(st, a, true); got != actNothing {
			t.Errorf("a fourth attempt: %v", got)
		}
		st2 := &simTask{ID: "cb-2", Plan: planAnswer, Owner: a, outcomes: []simOutcome{{Courier: a, Resolved: true}}}
		if got := bd.claim(st2, a, true); got != actNothing {
			t.Errorf("after resolving: %v", got)
		}
		if got := bd.claim(st, b, true); got != actNothing {
			t.Errorf("another courier: %v", got)
		}
	})
	t.Run("an offline plan is answered once, and only while the dispatcher serves it", func(t *testing.T) {
		st := &simTask{ID: "cb-3", Plan: planReassignOffline, Owner: a, offline: offlineWaiting}
		if got := bd.claim(st, a, false); got != actNothing {
			t.Errorf("with the dispatcher gone: %v", got)
		}
		if got := bd.claim(st, a, true); got != actOffline {
			t.Fatalf("first sight: %v, want offline", got)
		}
		if got := bd.claim(st, a, true); got != actNothing {
			t.Errorf("second sight: %v", got)
		}
		if got := bd.claim(st, b, true); got != actNothing {
			t.Errorf("the target before the reassignment: %v", got)
		}
		st.cancelled = false
		st.target, st.reassigned = b, true
		bd.addOutcome(st, simOutcome{Courier: a}, true)
		if !st.outcomes[0].Flagged {
			t.Error("the offline outcome is not flagged after the reassignment")
		}
		if got := bd.claim(st, b, true); got != actAnswer {
			t.Errorf("the target after the reassignment: %v", got)
		}
	})
}
