package server

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestCallbackOutcomeRules(t *testing.T) {
	tests := []struct {
		name       string
		status     string
		assigned   string
		prev       []string
		taskFlags  []string
		courier    string
		resolved   bool
		refused    bool
		flags      []string
		wantStatus string
		wantFlags  []string
	}{
		{"assigned, unresolved: stays open", TaskOpen, "u7", nil, nil, "u7", false, false, nil, TaskOpen, nil},
		{"assigned, resolved: done", TaskOpen, "u7", nil, nil, "u7", true, false, nil, TaskDone, nil},
		{"assigned but cancelled meanwhile", TaskCancelled, "u7", nil, nil, "u7", true, false,
			[]string{FlagReviewNeeded}, TaskCancelled, []string{FlagReviewNeeded}},
		{"assigned but done meanwhile, flagged once", TaskDone, "u7", nil, []string{FlagReviewNeeded}, "u7", false, false,
			[]string{FlagReviewNeeded}, TaskDone, []string{FlagReviewNeeded}},
		{"reassigned away meanwhile", TaskOpen, "u8", []string{"u7"}, []string{FlagUnknownWaybill}, "u7", true, false,
			[]string{FlagReviewNeeded}, TaskOpen, []string{FlagUnknownWaybill, FlagReviewNeeded}},
		{"never this courier's", TaskOpen, "u8", nil, nil, "u7", true, true, nil, TaskOpen, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemCallbacks()
			m.tasks["cb-1"] = &CallbackState{TaskID: "cb-1", CourierID: tt.assigned, PrevCouriers: tt.prev, Status: tt.status,
				Version: 5, Flags: tt.taskFlags}
			resolved, sat := tt.resolved, 4
			op := OutcomeOp{CourierID: tt.courier, DeviceID: "d1", RecordedAt: cT0.Add(-time.Hour),
				Outcome: &syncproto.CallbackOutcome{TaskID: "cb-1", Result: "reached", Resolved: &resolved, Satisfaction: &sat}}
			ref, flags, refusal, err := RecordCallbackOutcome(m, op, cT0)
			if err != nil {
				t.Fatal(err)
			}
			if tt.refused {
				if refusal == nil || refusal.Code != syncproto.CodeNotAssigned || len(m.outcomes)+len(m.events)+len(m.published) != 0 {
					t.Fatalf("refusal %v; wrote %d outcomes", refusal, len(m.outcomes))
				}
				return
			}
			got := m.tasks["cb-1"]
			if refusal != nil || ref != "co-1" || !slices.Equal(flags, tt.flags) || got.Status != tt.wantStatus ||
				!slices.Equal(got.Flags, tt.wantFlags) || got.Version != 6 || !got.UpdatedAt.Equal(cT0) {
				t.Fatalf("ref %q flags %q refusal %v task %+v", ref, flags, refusal, got)
			}
			if (got.ClosedAt != nil) != (tt.wantStatus == TaskDone && tt.status == TaskOpen) {
				t.Fatalf("closed_at %v", got.ClosedAt)
			}
			at := got.Attempts[0]
			if len(got.Attempts) != 1 || at.OutcomeID != "co-1" || at.CourierID != tt.courier || at.Resolved != tt.resolved ||
				!at.RecordedAt.Equal(op.RecordedAt) || !at.ReceivedAt.Equal(cT0) || !slices.Equal(at.Flags, tt.flags) {
				t.Fatalf("attempt %+v", at)
			}
			want := "result reached"
			if tt.flags != nil {
				want += "; review needed"
			}
			e := m.events[0]
			if len(m.events) != 1 || e.Detail != want || e.Actor != tt.courier || e.Role != syncproto.RoleCourier || e.DeviceID != "d1" ||
				fmt.Sprint(m.published) != "["+tt.assigned+":"+tt.wantStatus+":]" || !slices.Equal(m.outcomes[0], tt.flags) {
				t.Fatalf("event %+v, published %q", e, m.published)
			}
		})
	}
	m := newMemCallbacks()
	r := true
	if _, _, refusal, err := RecordCallbackOutcome(m, OutcomeOp{CourierID: "u7", Outcome: &syncproto.CallbackOutcome{TaskID: "cb-9", Resolved: &r}}, cT0); err != nil ||
		refusal == nil || refusal.Code != syncproto.CodeNotAssigned {
		t.Fatalf("unknown task: %v %v", refusal, err)
	}
}

func TestRevealRules(t *testing.T) {
	courier := Principal{UserID: "u7", Role: syncproto.RoleCourier}
	tests := []struct {
		name     string
		p        Principal
		task     CallbackState
		earlier  []time.Duration // reveals this long before now
		limit    int
		wantCode syncproto.Code
		wait     time.Duration
	}{
		{"allowed", courier, CallbackState{CourierID: "u7", Status: TaskOpen}, nil, 3, "", 0},
		{"not a courier", cDisp, CallbackState{CourierID: "u7", Status: TaskOpen}, nil, 3, syncproto.CodeForbidden, 0},
		{"another's task", courier, CallbackState{CourierID: "u8", Status: TaskOpen}, nil, 3, syncproto.CodeNotFound, 0},
		{"closed", courier, CallbackState{CourierID: "u7", Status: TaskDone}, nil, 3, syncproto.CodeConflict, 0},
		{"purged", courier, CallbackState{CourierID: "u7", Status: TaskOpen, ContactGone: true}, nil, 3, syncproto.CodeNotFound, 0},
		{"under the limit", courier, CallbackState{CourierID: "u7", Status: TaskOpen}, []time.Duration{30 * time.Minute, time.Minute}, 3, "", 0},
		{"at the limit: wait for the oldest", courier, CallbackState{CourierID: "u7", Status: TaskOpen},
			[]time.Duration{50*time.Minute + 500*time.Millisecond, 30 * time.Minute, time.Minute}, 3, syncproto.CodeRateLimited, 10 * time.Minute},
		{"one window old has left it", courier, CallbackState{CourierID: "u7", Status: TaskOpen},
			[]time.Duration{time.Hour, 30 * time.Minute, time.Minute}, 3, "", 0},
		{"no limit", courier, CallbackState{CourierID: "u7", Status: TaskOpen}, []time.Duration{3 * time.Minute, 2 * time.Minute, time.Minute}, 0, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemCallbacks()
			tt.task.TaskID = "cb-1"
			m.tasks["cb-1"] = &tt.task
			for _, d := range tt.earlier {
				m.reveals["u7"] = append(m.reveals["u7"], cT0.Add(-d))
			}
			before := len(m.reveals["u7"])
			err := DecideReveal(m, tt.p, "cb-1", tt.limit, cT0)
			if codeOf(err) != tt.wantCode || (tt.wantCode == "" && err != nil) {
				t.Fatalf("err %v, want code %q", err, tt.wantCode)
			}
			var ra *RetryAfterError
			if errors.As(err, &ra) != (tt.wait > 0) || (ra != nil && ra.After != tt.wait) {
				t.Fatalf("retry after %+v, want %v", ra, tt.wait)
			}
			if tt.wantCode != "" {
				if len(m.events) != 0 || len(m.reveals["u7"]) > before {
					t.Fatal("a refusal recorded a reveal")
				}
				return
			}
			if len(m.events) != 1 || m.events[0].Action != ActionContactReveal || m.events[0].Object != "cb-1" ||
				!m.reveals["u7"][len(m.reveals["u7"])-1].Equal(cT0) {
				t.Fatalf("events %+v reveals %v", m.events, m.reveals)
			}
		})
	}
	if err := DecideReveal(newMemCallbacks(), courier, "cb-9", 3, cT0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
}

func TestRevealWaitRoundsUpToWholeSeconds(t *testing.T) {
	now := cT0
	tests := []struct {
		oldest time.Duration // before now
		want   time.Duration
	}{
		{59 * time.Minute, time.Minute},
		{59*time.Minute + 59*time.Second + 999*time.Millisecond, time.Second}, // a millisecond left: one second
		{time.Hour - time.Nanosecond, time.Second},
		{10 * time.Minute, 50 * time.Minute},
		{10*time.Minute + 300*time.Millisecond, 49*time.Minute + 60*time.Second},
	}
	for _, tt := range tests {
		times := []time.Time{now.Add(-tt.oldest), now}
		if got := RevealWait(times, 2, now); got != tt.want {
			t.Fatalf("oldest %v ago: wait %v, want %v", tt.oldest, got, tt.want)
		}
	}
	if RevealWait([]time.Time{now}, 2, now) != 0 || RevealWait([]time.Time{now, now}, 0, now) != 0 {
		t.Fatal("under the limit or without one, no wait")
	}
}

func TestCallbackFilters(t *testing.T) {
	now := cT0
	task := &CallbackState{Status: TaskOpen, CourierID: "u7", Waybill: "WB-000001", DueBy: now.Add(-time.Minute),
		Flags: []string{FlagReviewNeeded}}
	tests := []struct {
		f    CallbackFilter
		want bool
	}{
		{CallbackFilter{}, true},
		{CallbackFilter{Status: TaskOpen, CourierID: "u7", Waybill: "WB-000001", Overdue: true, Review: true, DueBefore: now}, true},
		{CallbackFilter{Status: TaskDone}, false},
		{CallbackFilter{CourierID: "u8"}, false},
		{CallbackFilter{Waybill: "WB-000002"}, false},
		{CallbackFilter{DueBefore: now.Add(-time.Hour)}, false},
		{CallbackFilter{DueBefore: now.Add(-time.Minute)}, false},
	}
	for i, tt := range tests {
		if got := tt.f.Match(task, now); got != tt.want {
			t.Fatalf("%d %+v: %v", i, tt.f, got)
		}
	}
	done := *task
	done.Status, done.Flags = TaskDone, nil
	if (&CallbackFilter{Overdue: true}).Match(&done, now) || (&CallbackFilter{Review: true}).Match(&done, now) {
		t.Fatal("a done task is neither overdue nor under review")
	}
	if TaskOverdue(TaskOpen, now, now) || !TaskOverdue(TaskOpen, now, now.Add(time.Nanosecond)) || TaskOverdue(TaskCancelled, now, now.Add(time.Hour)) {
		t.Fatal("TaskOverdue")
	}
	for _, st := range []string{"", TaskOpen, TaskDone, TaskCancelled} {
		if err := (&CallbackFilter{Status: st}).Check(); err != nil {
			t.Fatalf("%q: %v", st, err)
		}
	}
	if codeOf((&CallbackFilter{Status: "closed"}).Check()) != syncproto.CodeInvalidRequest {
		t.Fatal("unknown status accepted")
	}
}

// TestCallbackRulesPassStoreFailuresOn: whatever the store fails at, the
// rule returns its error (the transaction is then rolled back).
func TestCallbackRulesPassStoreFailuresOn(t *testing.T) {
	seed := func(m *memCallbacks) {
		m.tasks["cb-1"] = &CallbackState{TaskID: "cb-1", CourierID: "u7", Status: TaskOpen, Version: 1}
	}
	r := true
	run := map[string]func(m *memCallbacks) error{
		"create": func(m *memCallbacks) error {
			_, err := CreateCallback(m, cDisp, &NewCallback{CourierID: "u7", ComplaintID: "cp-1"}, cT0, cT0)
			return err
		},
		"reassign": func(m *memCallbacks) error {
			seed(m)
			_, err := UpdateCallback(m, cDisp, "cb-1", PatchReassign, &CallbackPatch{Version: cbVersion(1), CourierID: "u8"}, cT0)
			return err
		},
		"outcome": func(m *memCallbacks) error {
			seed(m)
			_, _, _, err := RecordCallbackOutcome(m, OutcomeOp{CourierID: "u7", Outcome: &syncproto.CallbackOutcome{TaskID: "cb-1", Resolved: &r}}, cT0)
			return err
		},
		"reveal": func(m *memCallbacks) error {
			seed(m)
			return DecideReveal(m, Principal{UserID: "u7", Role: syncproto.RoleCourier}, "cb-1", 3, cT0)
		},
	}
	methods := []string{"CourierAccount", "Complaint", "PickupKnown", "Task", "InsertTask", "UpdateTask", "PublishTask",
		"WakeUp", "Audit", "InsertOutcome", "Reveals", "AddReveal"}
	for name, fn := range run {
		failed := 0
		for _, method := range methods {
			m := newMemCallbacks()
			m.fail = method
			err := fn(m)
			if err != nil && !errors.Is(err, errRuleStore) {
				t.Fatalf("%s, %s failing: %v", name, method, err)
			}
			if err != nil {
				failed++
			}
		}
		if failed < 3 {
			t.Fatalf("%s: only %d store failures reached the caller", name, failed)
		}
	}
}

// A courier (or one the task was taken from, through review_needed) could
// append outcomes to one task without end, each rewriting the growing
// task: past MaxTaskAttempts the outcome is refused and nothing is written.
func TestATaskKeepsABoundedNumberOfAttempts(t *testing.T) {
	m := newMemCallbacks()
	m.tasks["cb-1"] = &CallbackState{TaskID: "cb-1", CourierID: "u7", Status: TaskOpen, Version: 1}
	resolved := false
	op := OutcomeOp{CourierID: "u7", DeviceID: "d1", RecordedAt: cT0.Add(-time.Hour),
		Outcome: &syncproto.CallbackOutcome{TaskID: "cb-1", Result: "no_answer", Resolved: &resolved}}
	for i := 0; i < MaxTaskAttempts; i++ {
		if _, _, refusal, err := RecordCallbackOutcome(m, op, cT0); err != nil || refusal != nil {
			t.Fatalf("attempt %d: %v %v", i+1, refusal, err)
		}
	}
	written := len(m.outcomes)
	_, _, refusal, err := RecordCallbackOutcome(m, op, cT0)
	if err != nil || refusal == nil || refusal.Code != syncproto.CodeValidationFailed {
		t.Fatalf("attempt %d: refusal %v, err %v", MaxTaskAttempts+1, refusal, err)
	}
	if len(m.outcomes) != written || len(m.tasks["cb-1"].Attempts) != MaxTaskAttempts {
		t.Fatalf("the refused attempt was written")
	}
}
