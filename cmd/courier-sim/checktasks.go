package main

import (
	"slices"
	"strings"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/server/push/pushtest"
	"github.com/courier-sync/courier-sync/syncproto"
)

// flagReview is the flag of an outcome (and its task) that arrived for a
// task cancelled or taken away meanwhile.
const flagReview = syncproto.FlagReviewNeeded

// checkTasks compares every task the dispatcher created with the server's
// view of it: assigned to the right courier, in the state its history
// implies, linked to its complaint, every outcome the couriers recorded on
// it once with its result, flagged review_needed exactly when it arrived
// after the task was cancelled or reassigned, and listed by ?review=true
// exactly when it has such an outcome.
func (ac *actorCheck) checkTasks(tasks []*simTask, views map[string]*syncproto.CallbackView, review map[string]bool) {
	ac.ByStatus = map[string]int{}
	for _, st := range tasks {
		ac.Tasks++
		want := st.wantStatus()
		ac.ByStatus[want]++
		ac.Outcomes += len(st.outcomes)
		v := views[st.ID]
		if v == nil {
			ac.add("task %s (%s): not found on the server", st.ID, st.Plan)
			continue
		}
		ok := true
		bad := func(format string, args ...any) {
			ok = false
			ac.add("task %s (%s): "+format, append([]any{st.ID, st.Plan}, args...)...)
		}
		if v.Status != want {
			bad("status %q, its history implies %q", v.Status, want)
		}
		if v.CourierID != st.assignee().userID {
			bad("assigned to %q, want courier %d", v.CourierID, st.assignee().idx)
		}
		if v.ComplaintID != st.ComplaintID {
			bad("complaint %q, want %q", v.ComplaintID, st.ComplaintID)
		}
		if got := slices.Contains(v.Flags, flagReview); got != st.flagged() {
			bad("flagged %s: %v, want %v", flagReview, got, st.flagged())
		}
		if review[st.ID] != st.flagged() {
			bad("listed by ?review=true: %v, want %v", review[st.ID], st.flagged())
		}
		if !ac.matchOutcomes(st, v) {
			ok = false
		}
		if ok {
			ac.TasksRight++
		}
	}
}

// matchOutcomes pairs the task's outcomes, by courier and recorded_at, with
// the server's attempts and compares them.
func (ac *actorCheck) matchOutcomes(st *simTask, v *syncproto.CallbackView) bool {
	type key struct {
		courier string
		at      int64
	}
	got := map[key]*syncproto.CallbackAttempt{}
	for i := range v.Outcomes {
		a := &v.Outcomes[i]
		got[key{a.CourierID, a.RecordedAt.UnixMilli()}] = a
	}
	ok := true
	for _, o := range st.outcomes {
		t, err := time.Parse(time.RFC3339, o.RecordedAt)
		if err != nil {
			ac.add("task %s: outcome of courier %d has recorded_at %q", st.ID, o.Courier.idx, o.RecordedAt)
			ok = false
			continue
		}
		k := key{o.Courier.userID, t.UnixMilli()}
		a := got[k]
		delete(got, k)
		sat := 0
		if a != nil && a.Satisfaction != nil {
			sat = *a.Satisfaction
		}
		switch {
		case a == nil:
			ac.add("task %s: the outcome courier %d recorded at %s is not on the task", st.ID, o.Courier.idx, o.RecordedAt)
		case a.Result != o.Result || a.Resolved != o.Resolved || sat != o.Satisfaction:
			ac.add("task %s: outcome of courier %d at %s is %s/resolved %v/satisfaction %d, want %s/%v/%d",
				st.ID, o.Courier.idx, o.RecordedAt, a.Result, a.Resolved, sat, o.Result, o.Resolved, o.Satisfaction)
		case slices.Contains(a.Flags, flagReview) != o.Flagged:
			ac.add("task %s: outcome of courier %d at %s flagged %s: %v, want %v",
				st.ID, o.Courier.idx, o.RecordedAt, flagReview, !o.Flagged, o.Flagged)
		default:
			ac.OutcomesRight++
			if o.Flagged {
				ac.Flagged++
			}
			continue
		}
		ok = false
	}
	for k := range got {
		ac.add("task %s: an outcome of %s recorded at %s that no courier recorded", st.ID, k.courier, time.UnixMilli(k.at).Format(time.RFC3339))
		ok = false
	}
	return ok
}

// checkInboxes compares each handheld's tasks, after its last Sync, with
// what the tasks' histories imply: its own tasks in their final status;
// tasks reassigned away shown cancelled with removed reason "reassigned";
// no contact or reason text kept for any task that is not open; no task
// the dispatcher did not create for it.
func (ac *actorCheck) checkInboxes(couriers []*courier, tasks []*simTask, inboxes map[*courier][]*mobileapi.CallbackTask) {
	mine := map[*courier]map[string]*simTask{}
	for _, c := range couriers {
		mine[c] = map[string]*simTask{}
	}
	for _, st := range tasks {
		mine[st.Owner][st.ID] = st
		if st.reassigned {
			mine[st.target][st.ID] = st
		}
	}
	for _, c := range couriers {
		ac.Inboxes++
		ok := true
		bad := func(format string, args ...any) {
			ok = false
			ac.add("handheld of courier %d: "+format, append([]any{c.idx}, args...)...)
		}
		held := map[string]*mobileapi.CallbackTask{}
		for _, t := range inboxes[c] {
			held[t.TaskID] = t
			if mine[c][t.TaskID] == nil {
				bad("holds task %s, which was never its", t.TaskID)
			}
			if t.Status != syncproto.TaskOpen && (t.NameMasked != "" || t.PhoneMasked != "" || t.Reason != "") {
				bad("task %s is %s but its contact or reason is still on the device", t.TaskID, t.Status)
			}
		}
		for id, st := range mine[c] {
			t := held[id]
			wantStatus, wantReason := st.wantStatus(), ""
			if st.reassigned && st.Owner == c {
				wantStatus, wantReason = syncproto.TaskCancelled, syncproto.RemovedReassigned
			}
			switch {
			case t == nil:
				bad("never got task %s", id)
			case t.Status != wantStatus || t.RemovedReason != wantReason:
				bad("task %s is %q (removed %q), want %q (removed %q)", id, t.Status, t.RemovedReason, wantStatus, wantReason)
			}
		}
		if ok {
			ac.InboxesRight++
		}
	}
}

// checkReveals: every reveal answered must have given the task's own name
// and number, and the audit log must hold at least the reveals answered
// and at most those tried.
func (ac *actorCheck) checkReveals(tasks []*simTask, events []syncproto.AuditEvent) {
	ids := map[string]bool{}
	for _, st := range tasks {
		ids[st.ID] = true
	}
	for _, e := range events {
		if e.Action == "contact.reveal" && ids[e.Object] {
			ac.Audited++
		}
	}
	r := ac.Reveals
	if r.Wrong > 0 {
		ac.add("%d reveals answered with another task's name or number", r.Wrong)
	}
	if ac.Audited < r.OK || ac.Audited > r.Tried {
		ac.add("%d reveals audited; %d answered and %d tried", ac.Audited, r.OK, r.Tried)
	}
}

// wakeCovered reports whether msgs hold, for every event, a message to the
// courier's token that arrived at or after it.
func wakeCovered(tasks []*simTask, msgs []pushtest.Message) bool {
	for _, st := range tasks {
		for _, ev := range st.wakes {
			if !woken(ev, msgs) {
				return false
			}
		}
	}
	return true
}

func woken(ev wakeEvent, msgs []pushtest.Message) bool {
	for _, m := range msgs {
		if m.Token == ev.Courier.token && !m.At.Before(ev.At) {
			return true
		}
	}
	return false
}

// checkWakeUps: every creation and reassignment woke the courier's
// handheld (and the one a task was taken from), with a data-only message
// (no notification block, high priority, a collapse key and a time to
// live) that carries opaque ids only; no request that reached the fake
// holds any customer name, phone or address the run made up, or a
// courier's name.
func (ac *actorCheck) checkWakeUps(tasks []*simTask, msgs []pushtest.Message, bodies [][]byte, needles []string) {
	for _, st := range tasks {
		for _, ev := range st.wakes {
			ac.WakeEvents++
			if woken(ev, msgs) {
				ac.Woken++
			} else {
				ac.add("task %s %s courier %d: no wake-up reached its handheld's token afterwards", st.ID, ev.What, ev.Courier.idx)
			}
		}
	}
	for _, m := range msgs {
		ac.Messages++
		extra := ""
		for k := range m.Data {
			if k != "type" && k != "hint" && k != "task_id" {
				extra = k
			}
		}
		if m.HasNotification || !strings.EqualFold(m.Android.Priority, "high") || m.Android.CollapseKey == "" || m.Android.TTL == "" || extra != "" {
			ac.add("wake-up to %s…: notification %v, priority %q, collapse key %q, ttl %q, data key %q",
				m.Token[:min(12, len(m.Token))], m.HasNotification, m.Android.Priority, m.Android.CollapseKey, m.Android.TTL, extra)
			continue
		}
		ac.WellFormed++
	}
	ac.Bodies = len(bodies)
	ac.Needles = len(needles)
	all := string(slices.Concat(bodies...))
	for _, n := range needles {
		if strings.Contains(all, n) {
			ac.Leaks++
			ac.add("a request to FCM carries personal data (one of the made-up names, phones or addresses, %d bytes)", len(n))
		}
	}
}

// piiNeedles lists the personal data of the run to scan for: the tasks'
// customers, every name, phone and address the couriers recorded, each
// phone also as bare digits, and the couriers' names.
func piiNeedles(couriers []*courier, tasks []*simTask) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if len(s) >= 4 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
		if d := digitsOf(s); len(d) >= 7 && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, st := range tasks {
		add(st.customer.Name)
		add(st.customer.Phone)
	}
	for _, c := range couriers {
		add(courierName(c.idx))
		for _, s := range c.gen.pii {
			add(s)
		}
	}
	return out
}

// digitsOf returns the digits of a phone number such as "+86 139 1234
// 5678"; for anything with letters it returns "".
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == ' ' || r == '-':
		default:
			return ""
		}
	}
	return b.String()
}
