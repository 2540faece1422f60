package server

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// memCallbacks is the callback workflow's transaction held in memory
// (CallbackTx, CallbackOutcomeTx and RevealTx): the rules are tested
// without any store. fail names a method that fails with errRuleStore.
type memCallbacks struct {
	tasks      map[string]*CallbackState
	complaints map[string]*ComplaintState
	couriers   map[string]bool
	pickups    map[string]bool
	outcomes   [][]string // flags of each outcome record
	published  []string   // "courier:status:removed_reason"
	wakeUps    []string   // "courier:task"
	reveals    map[string][]time.Time
	events     []AuditEvent
	fail       string
}

func newMemCallbacks() *memCallbacks {
	return &memCallbacks{tasks: map[string]*CallbackState{}, couriers: map[string]bool{"u7": true, "u8": true},
		pickups: map[string]bool{"WB-000001": true}, reveals: map[string][]time.Time{},
		complaints: map[string]*ComplaintState{
			"cp-1": {ComplaintID: "cp-1", Waybill: "WB-000001"},
			"cp-2": {ComplaintID: "cp-2"},
			"cp-3": {ComplaintID: "cp-3", Waybill: "WB-000002", ContactGone: true},
		}}
}

func (m *memCallbacks) err(method string) error {
	if m.fail == method {
		return errRuleStore
	}
	return nil
}

func (m *memCallbacks) CourierAccount(id string) (bool, error) {
	return m.couriers[id], m.err("CourierAccount")
}
func (m *memCallbacks) Complaint(id string) (*ComplaintState, error) {
	return m.complaints[id], m.err("Complaint")
}
func (m *memCallbacks) PickupKnown(w string) (bool, error) { return m.pickups[w], m.err("PickupKnown") }
func (m *memCallbacks) Task(id string) (*CallbackState, error) {
	t, ok := m.tasks[id]
	if !ok {
		return nil, m.err("Task")
	}
	cp := *t
	cp.Flags, cp.PrevCouriers, cp.Attempts = slices.Clone(t.Flags), slices.Clone(t.PrevCouriers), slices.Clone(t.Attempts)
	return &cp, m.err("Task")
}
func (m *memCallbacks) InsertTask(t *CallbackState) error {
	if err := m.err("InsertTask"); err != nil {
		return err
	}
	t.TaskID = "cb-" + strconv.Itoa(len(m.tasks)+1)
	cp := *t
	m.tasks[t.TaskID] = &cp
	return nil
}
func (m *memCallbacks) UpdateTask(t *CallbackState) error {
	cp := *t
	m.tasks[t.TaskID] = &cp
	return m.err("UpdateTask")
}
func (m *memCallbacks) PublishTask(courier string, t *CallbackState, removed string) error {
	m.published = append(m.published, courier+":"+t.Status+":"+removed)
	return m.err("PublishTask")
}
func (m *memCallbacks) WakeUp(courier, task string, _ time.Time) error {
	m.wakeUps = append(m.wakeUps, courier+":"+task)
	return m.err("WakeUp")
}
func (m *memCallbacks) Audit(e AuditEvent) error {
	m.events = append(m.events, e)
	return m.err("Audit")
}
func (m *memCallbacks) InsertOutcome(flags []string) (string, error) {
	m.outcomes = append(m.outcomes, flags)
	return "co-" + strconv.Itoa(len(m.outcomes)), m.err("InsertOutcome")
}
func (m *memCallbacks) Reveals(courier string, from time.Time, n int) ([]time.Time, error) {
	m.reveals[courier] = slices.DeleteFunc(m.reveals[courier], func(at time.Time) bool { return at.Before(from) })
	if n <= 0 {
		return nil, m.err("Reveals")
	}
	return slices.Clone(m.reveals[courier][:min(n, len(m.reveals[courier]))]), m.err("Reveals")
}
func (m *memCallbacks) AddReveal(courier, _ string, at time.Time) error {
	m.reveals[courier] = append(m.reveals[courier], at)
	return m.err("AddReveal")
}

func (m *memCallbacks) details() string {
	var out []string
	for _, e := range m.events {
		out = append(out, e.Action+" "+e.Detail)
	}
	return fmt.Sprintf("%q", out)
}

func TestCreateCallbackRules(t *testing.T) {
	typed := syncproto.Customer{Name: "张伟", Phone: "13812345678"}
	tests := []struct {
		name        string
		req         NewCallback
		wantCode    syncproto.Code
		waybill     string
		fromCompl   bool
		flags       []string
		auditDetail string
	}{
		{"typed", NewCallback{CourierID: "u7", Waybill: "WB-000001", Customer: typed}, "", "WB-000001", false, nil, "assigned to u7"},
		{"unknown waybill is flagged", NewCallback{CourierID: "u7", Waybill: "WB-000009", Customer: typed}, "", "WB-000009", false,
			[]string{FlagUnknownWaybill}, "assigned to u7"},
		{"not a courier", NewCallback{CourierID: "u2", Waybill: "WB-000001", Customer: typed}, syncproto.CodeUnprocessable, "", false, nil, ""},
		{"from a complaint: its waybill and contact", NewCallback{CourierID: "u8", ComplaintID: "cp-1"}, "", "WB-000001", true, nil,
			"assigned to u8; complaint cp-1"},
		{"from a complaint, own waybill", NewCallback{CourierID: "u8", ComplaintID: "cp-1", Waybill: "WB-000009"}, "", "WB-000009", true,
			[]string{FlagUnknownWaybill}, "assigned to u8; complaint cp-1"},
		{"from a complaint, typed contact", NewCallback{CourierID: "u8", ComplaintID: "cp-1", Customer: typed}, "", "WB-000001", false, nil,
			"assigned to u8; complaint cp-1"},
		{"unknown complaint", NewCallback{CourierID: "u8", ComplaintID: "cp-9"}, syncproto.CodeUnprocessable, "", false, nil, ""},
		{"complaint without a waybill", NewCallback{CourierID: "u8", ComplaintID: "cp-2"}, syncproto.CodeInvalidRequest, "", false, nil, ""},
		{"complaint's contact purged", NewCallback{CourierID: "u8", ComplaintID: "cp-3"}, syncproto.CodeUnprocessable, "", false, nil, ""},
		{"purged, but typed", NewCallback{CourierID: "u8", ComplaintID: "cp-3", Customer: typed}, "", "WB-000002", false,
			[]string{FlagUnknownWaybill}, "assigned to u8; complaint cp-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemCallbacks()
			due := cT0.Add(24 * time.Hour)
			task, err := CreateCallback(m, cDisp, &tt.req, due, cT0)
			if codeOf(err) != tt.wantCode || (tt.wantCode == "" && err != nil) {
				t.Fatalf("err %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode != "" {
				if len(m.tasks)+len(m.events)+len(m.published)+len(m.wakeUps) != 0 {
					t.Fatal("a refusal wrote")
				}
				return
			}
			if task.TaskID != "cb-1" || task.Status != TaskOpen || task.Version != 1 || task.Waybill != tt.waybill ||
				task.ContactFromComplaint != tt.fromCompl || !slices.Equal(task.Flags, tt.flags) || !task.DueBy.Equal(due) ||
				task.CourierID != tt.req.CourierID || task.ComplaintID != tt.req.ComplaintID || task.CreatedBy != "u2" {
				t.Fatalf("task %+v", task)
			}
			c := tt.req.CourierID
			if fmt.Sprint(m.published) != "["+c+":open:]" || fmt.Sprint(m.wakeUps) != "["+c+":cb-1]" {
				t.Fatalf("published %q, wake-ups %q", m.published, m.wakeUps)
			}
			if m.details() != fmt.Sprintf("%q", []string{ActionCallbackCreate + " " + tt.auditDetail}) {
				t.Fatalf("events %s", m.details())
			}
		})
	}
}

func cbVersion(n int64) *int64 { return &n }

func TestUpdateCallbackRules(t *testing.T) {
	tests := []struct {
		name      string
		status    string
		flags     []string
		kind      string
		patch     CallbackPatch
		wantCode  syncproto.Code
		published string
		wakeUps   string
		events    string
	}{
		{"cancel", TaskOpen, nil, PatchCancel, CallbackPatch{Version: cbVersion(2), Status: TaskCancelled}, "",
			"[u7:cancelled:]", "[u7:cb-1]", `["callback.cancel "]`},
		{"stale version", TaskOpen, nil, PatchCancel, CallbackPatch{Version: cbVersion(1), Status: TaskCancelled}, syncproto.CodeConflict, "", "", ""},
		{"cancel a done task", TaskDone, nil, PatchCancel, CallbackPatch{Version: cbVersion(2), Status: TaskCancelled}, syncproto.CodeConflict, "", "", ""},
		{"reassign", TaskOpen, nil, PatchReassign, CallbackPatch{Version: cbVersion(2), CourierID: "u8"}, "",
			"[u7:cancelled:reassigned u8:open:]", "[u7:cb-1 u8:cb-1]", `["callback.reassign from u7 to u8"]`},
		{"reassign to the same courier", TaskOpen, nil, PatchReassign, CallbackPatch{Version: cbVersion(2), CourierID: "u7"}, syncproto.CodeConflict, "", "", ""},
		{"reassign to a dispatcher", TaskOpen, nil, PatchReassign, CallbackPatch{Version: cbVersion(2), CourierID: "u2"}, syncproto.CodeUnprocessable, "", "", ""},
		{"reassign a cancelled task", TaskCancelled, nil, PatchReassign, CallbackPatch{Version: cbVersion(2), CourierID: "u8"}, syncproto.CodeConflict, "", "", ""},
		{"review a closed task", TaskDone, []string{FlagUnknownWaybill, FlagReviewNeeded}, PatchReview, CallbackPatch{Version: cbVersion(2), Reviewed: true}, "",
			"[u7:done:]", "[]", `["callback.review "]`},
		{"review an unflagged task", TaskOpen, []string{FlagUnknownWaybill}, PatchReview, CallbackPatch{Version: cbVersion(2), Reviewed: true}, syncproto.CodeConflict, "", "", ""},
		{"unknown kind", TaskOpen, nil, "rename", CallbackPatch{Version: cbVersion(2)}, syncproto.CodeInvalidRequest, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemCallbacks()
			m.tasks["cb-1"] = &CallbackState{TaskID: "cb-1", CourierID: "u7", Status: tt.status, Version: 2, Flags: tt.flags}
			now := cT0.Add(time.Hour)
			task, err := UpdateCallback(m, cDisp, "cb-1", tt.kind, &tt.patch, now)
			if codeOf(err) != tt.wantCode || (tt.wantCode == "" && err != nil) {
				t.Fatalf("err %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode != "" {
				if st := m.tasks["cb-1"]; st.Version != 2 || len(m.events)+len(m.published)+len(m.wakeUps) != 0 {
					t.Fatal("a refusal wrote")
				}
				return
			}
			if task.Version != 3 || !task.UpdatedAt.Equal(now) || m.tasks["cb-1"].Version != 3 {
				t.Fatalf("task %+v", task)
			}
			if fmt.Sprint(m.published) != tt.published || fmt.Sprint(m.wakeUps) != tt.wakeUps || m.details() != tt.events {
				t.Fatalf("published %q, wake-ups %q, events %s", m.published, m.wakeUps, m.details())
			}
			switch tt.kind {
			case PatchCancel:
				if task.Status != TaskCancelled || task.ClosedAt == nil || !task.ClosedAt.Equal(now) {
					t.Fatalf("cancelled %+v", task)
				}
			case PatchReassign:
				if task.CourierID != "u8" || !slices.Equal(task.PrevCouriers, []string{"u7"}) || task.Status != TaskOpen {
					t.Fatalf("reassigned %+v", task)
				}
			case PatchReview:
				if !slices.Equal(task.Flags, []string{FlagUnknownWaybill}) || !slices.Equal(tt.flags, []string{FlagUnknownWaybill, FlagReviewNeeded}) {
					t.Fatalf("reviewed %+v (flags given %q)", task, tt.flags)
				}
			}
		})
	}
}

func TestReassignedBackAndForthKeepsOnePreviousEntryEach(t *testing.T) {
	m := newMemCallbacks()
	m.tasks["cb-1"] = &CallbackState{TaskID: "cb-1", CourierID: "u7", Status: TaskOpen, Version: 1}
	for i, to := range []string{"u8", "u7", "u8"} {
		if _, err := UpdateCallback(m, cDisp, "cb-1", PatchReassign, &CallbackPatch{Version: cbVersion(int64(i + 1)), CourierID: to}, cT0); err != nil {
			t.Fatal(err)
		}
	}
	if got := m.tasks["cb-1"]; !slices.Equal(got.PrevCouriers, []string{"u7", "u8"}) || got.CourierID != "u8" {
		t.Fatalf("task %+v", got)
	}
	if _, err := UpdateCallback(m, cDisp, "cb-9", PatchCancel, &CallbackPatch{Version: cbVersion(1)}, cT0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown task: %v", err)
	}
}
