package server

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// errRuleStore is the store failure the fakes inject.
var errRuleStore = errors.New("disk failure")

// memComplaints is the complaint workflow's transaction held in memory:
// the rules are tested without any store. fail names a method that
// fails with errRuleStore.
type memComplaints struct {
	complaints map[string]*ComplaintState
	couriers   map[string]bool
	pickups    map[string]string // waybill → courier
	published  []ComplaintState
	events     []AuditEvent
	fail       string
}

func newMemComplaints() *memComplaints {
	return &memComplaints{complaints: map[string]*ComplaintState{}, couriers: map[string]bool{"u7": true, "u8": true},
		pickups: map[string]string{"WB-000001": "u7"}}
}

func (m *memComplaints) err(method string) error {
	if m.fail == method {
		return errRuleStore
	}
	return nil
}

func (m *memComplaints) Complaint(id string) (*ComplaintState, error) {
	c, ok := m.complaints[id]
	if !ok {
		return nil, m.err("Complaint")
	}
	cp := *c
	cp.History = slices.Clone(c.History)
	return &cp, m.err("Complaint")
}
func (m *memComplaints) CourierAccount(id string) (bool, error) {
	return m.couriers[id], m.err("CourierAccount")
}
func (m *memComplaints) PickupCourier(w string) (string, error) {
	return m.pickups[w], m.err("PickupCourier")
}
func (m *memComplaints) InsertComplaint(c *ComplaintState) error {
	if err := m.err("InsertComplaint"); err != nil {
		return err
	}
	c.ComplaintID = "cp-" + strconv.Itoa(len(m.complaints)+1)
	cp := *c
	m.complaints[c.ComplaintID] = &cp
	return nil
}
func (m *memComplaints) UpdateComplaint(old, c *ComplaintState) error {
	if err := m.err("UpdateComplaint"); err != nil {
		return err
	}
	if cur := m.complaints[c.ComplaintID]; cur.Status != old.Status || len(cur.History) != len(old.History) {
		return fmt.Errorf("old is not the stored state")
	}
	cp := *c
	m.complaints[c.ComplaintID] = &cp
	return nil
}
func (m *memComplaints) PublishComplaint(c *ComplaintState) error {
	m.published = append(m.published, *c)
	return m.err("PublishComplaint")
}
func (m *memComplaints) Redact(c *ComplaintState, text string) string {
	return RedactText(text, "张伟")
}
func (m *memComplaints) Audit(e AuditEvent) error {
	m.events = append(m.events, e)
	return m.err("Audit")
}

var (
	cDisp = Principal{UserID: "u2", Role: syncproto.RoleDispatcher}
	cSup  = Principal{UserID: "u3", Role: syncproto.RoleSupervisor}
	cT0   = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
)

func newComplaintReq(waybill, courier string) *NewComplaint {
	return &NewComplaint{Category: "damage", Channel: ChannelPhone, Waybill: waybill, CourierID: courier}
}

func TestCreateComplaintDecidesTheCourierConcerned(t *testing.T) {
	s := DefaultSettings()
	tests := []struct {
		name, waybill, courier string
		wantCourier            string
		wantCode               syncproto.Code
	}{
		{"named courier", "", "u8", "u8", ""},
		{"named courier wins over the pickup's", "WB-000001", "u8", "u8", ""},
		{"named account is not a courier", "", "u2", "", syncproto.CodeUnprocessable},
		{"the waybill's pickup courier", "WB-000001", "", "u7", ""},
		{"a waybill nobody picked up", "WB-000099", "", "", ""},
		{"no waybill, nobody", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemComplaints()
			received := cT0.Add(-time.Hour)
			c, err := CreateComplaint(m, cDisp, newComplaintReq(tt.waybill, tt.courier), received, s, cT0)
			if codeOf(err) != tt.wantCode || (tt.wantCode == "" && err != nil) {
				t.Fatalf("err %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode != "" {
				if len(m.complaints) != 0 || len(m.events) != 0 || len(m.published) != 0 {
					t.Fatalf("a refusal wrote: %+v %+v %+v", m.complaints, m.events, m.published)
				}
				return
			}
			if c.CourierID != tt.wantCourier || c.Status != ComplaintReceived || c.Version != 1 || c.ComplaintID != "cp-1" ||
				!c.DueBy.Equal(received.Add(s.ComplaintDue)) || c.Channel != ChannelPhone || c.CreatedBy != "u2" || !c.CreatedAt.Equal(cT0) {
				t.Fatalf("complaint %+v", c)
			}
			if wantPub := tt.wantCourier != ""; (len(m.published) == 1) != wantPub {
				t.Fatalf("published %d changes, courier %q", len(m.published), tt.wantCourier)
			}
			if len(m.events) != 1 || m.events[0].Action != ActionComplaintCreate || m.events[0].Detail != "channel phone" ||
				m.events[0].Object != "cp-1" {
				t.Fatalf("events %+v", m.events)
			}
		})
	}
}

func TestRecordComplaintIsTheRecordingCouriers(t *testing.T) {
	m := newMemComplaints()
	s := DefaultSettings()
	p := &syncproto.Complaint{Category: "delay", Waybill: "WB-000001"}
	received := cT0.Add(-3 * time.Hour)
	c, err := RecordComplaint(m, "u8", p, received, s, cT0)
	if err != nil {
		t.Fatal(err)
	}
	if c.CourierID != "u8" || c.Channel != ChannelCourier || c.CreatedBy != "u8" || c.Category != "delay" ||
		!c.DueBy.Equal(ComplaintDeadline(received, s)) || len(m.published) != 1 || len(m.events) != 0 {
		t.Fatalf("complaint %+v, published %d, events %d", c, len(m.published), len(m.events))
	}
	if got := ComplaintAtRiskFrom(received, s); !got.Equal(received.Add(5 * 24 * time.Hour)) {
		t.Fatalf("at risk from %v", got)
	}
}

func TestComplaintTransitions(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name     string
		from     string
		exempted bool
		p        Principal
		req      ComplaintTransition
		wantCode syncproto.Code
		closed   bool // closed_at set after the step
		events   []string
	}{
		{"verify", ComplaintReceived, false, cDisp, ComplaintTransition{To: ComplaintVerified}, "", false, []string{"to verified"}},
		{"handle", ComplaintVerified, false, cDisp, ComplaintTransition{To: ComplaintHandled}, "", false, []string{"to handled"}},
		{"close", ComplaintHandled, false, cDisp, ComplaintTransition{To: ComplaintClosed}, "", true, []string{"to closed"}},
		{"skip a step", ComplaintReceived, false, cDisp, ComplaintTransition{To: ComplaintHandled}, syncproto.CodeConflict, false, nil},
		{"step back", ComplaintHandled, false, cDisp, ComplaintTransition{To: ComplaintVerified}, syncproto.CodeConflict, false, nil},
		{"closed takes no step", ComplaintClosed, false, cDisp, ComplaintTransition{To: ComplaintClosed}, syncproto.CodeConflict, true, nil},
		{"dispatcher reopens", ComplaintClosed, false, cDisp, ComplaintTransition{To: ComplaintReceived, Note: "why"}, syncproto.CodeConflict, true, nil},
		{"supervisor reopens without a note", ComplaintClosed, false, cSup, ComplaintTransition{To: ComplaintReceived, Note: " "}, syncproto.CodeInvalidRequest, true, nil},
		{"supervisor reopens", ComplaintClosed, false, cSup, ComplaintTransition{To: ComplaintReceived, Note: "customer called back"}, "", false, []string{"to received"}},
		{"exempt on closing", ComplaintHandled, false, cSup, ComplaintTransition{To: ComplaintClosed, ExemptCourier: &yes, Note: "张伟 lied"},
			"", true, []string{"to closed", "courier u7 exempted: 张* lied"}},
		{"withdraw an exemption", ComplaintReceived, true, cSup, ComplaintTransition{To: ComplaintVerified, ExemptCourier: &no},
			"", false, []string{"to verified", "exemption of courier u7 withdrawn"}},
		{"an exemption that changes nothing", ComplaintReceived, true, cSup, ComplaintTransition{To: ComplaintVerified, ExemptCourier: &yes},
			"", false, []string{"to verified"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemComplaints()
			due := cT0.Add(7 * 24 * time.Hour)
			var closedAt *time.Time
			if tt.from == ComplaintClosed {
				at := cT0.Add(-time.Hour)
				closedAt = &at
			}
			m.complaints["cp-1"] = &ComplaintState{ComplaintID: "cp-1", CourierID: "u7", Status: tt.from, Received: cT0,
				DueBy: due, Exempted: tt.exempted, ClosedAt: closedAt, Version: 3, History: []ComplaintStep{{To: tt.from}}}
			now := cT0.Add(2 * time.Hour)
			c, err := TransitionComplaint(m, tt.p, "cp-1", &tt.req, now)
			if codeOf(err) != tt.wantCode || (tt.wantCode == "" && err != nil) {
				t.Fatalf("err %v, want code %q", err, tt.wantCode)
			}
			stored := m.complaints["cp-1"]
			if tt.wantCode != "" {
				if stored.Status != tt.from || stored.Version != 3 || len(m.events)+len(m.published) != 0 {
					t.Fatalf("a refusal wrote: %+v", stored)
				}
				return
			}
			if c.Status != tt.req.To || c.Version != 4 || !c.DueBy.Equal(due) || stored.Version != 4 || len(stored.History) != 2 {
				t.Fatalf("after the step: %+v", c)
			}
			step := c.History[1]
			if step.To != tt.req.To || step.By != tt.p.UserID || !step.At.Equal(now) || step.Note != tt.req.Note {
				t.Fatalf("step %+v", step)
			}
			if (c.ClosedAt != nil) != tt.closed || (tt.closed && !c.ClosedAt.Equal(now)) {
				t.Fatalf("closed_at %v, want closed %v", c.ClosedAt, tt.closed)
			}
			var details []string
			for _, e := range m.events {
				details = append(details, e.Detail)
			}
			if fmt.Sprint(details) != fmt.Sprint(tt.events) || len(m.published) != 1 {
				t.Fatalf("events %q, want %q; published %d", details, tt.events, len(m.published))
			}
			if tt.req.ExemptCourier != nil && c.Exempted != *tt.req.ExemptCourier {
				t.Fatalf("exempted %v", c.Exempted)
			}
		})
	}
}

func TestTransitionOfAnUnknownComplaintIsNotFound(t *testing.T) {
	m := newMemComplaints()
	if _, err := TransitionComplaint(m, cDisp, "cp-9", &ComplaintTransition{To: ComplaintVerified}, cT0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err %v", err)
	}
}

func TestAComplaintNobodyIsConcernedWithIsNotPublished(t *testing.T) {
	m := newMemComplaints()
	m.complaints["cp-1"] = &ComplaintState{ComplaintID: "cp-1", Status: ComplaintReceived, Version: 1}
	if _, err := TransitionComplaint(m, cDisp, "cp-1", &ComplaintTransition{To: ComplaintVerified}, cT0); err != nil || len(m.published) != 0 {
		t.Fatalf("err %v, published %d", err, len(m.published))
	}
}

// TestComplaintRulesPassStoreFailuresOn: whatever the store fails at, the
// rule returns its error (the transaction is then rolled back).
func TestComplaintRulesPassStoreFailuresOn(t *testing.T) {
	yes := true
	run := map[string]func(m *memComplaints) error{
		"create": func(m *memComplaints) error {
			_, err := CreateComplaint(m, cDisp, newComplaintReq("WB-000001", ""), cT0, DefaultSettings(), cT0)
			return err
		},
		"create for a named courier": func(m *memComplaints) error {
			_, err := CreateComplaint(m, cDisp, newComplaintReq("", "u7"), cT0, DefaultSettings(), cT0)
			return err
		},
		"record": func(m *memComplaints) error {
			_, err := RecordComplaint(m, "u7", &syncproto.Complaint{}, cT0, DefaultSettings(), cT0)
			return err
		},
		"transition": func(m *memComplaints) error {
			m.complaints["cp-1"] = &ComplaintState{ComplaintID: "cp-1", CourierID: "u7", Status: ComplaintHandled}
			_, err := TransitionComplaint(m, cSup, "cp-1", &ComplaintTransition{To: ComplaintClosed, ExemptCourier: &yes}, cT0)
			return err
		},
	}
	methods := []string{"Complaint", "CourierAccount", "PickupCourier", "InsertComplaint", "UpdateComplaint", "PublishComplaint", "Audit"}
	for name, fn := range run {
		failed := 0
		for _, method := range methods {
			m := newMemComplaints()
			m.fail = method
			err := fn(m)
			if err != nil && !errors.Is(err, errRuleStore) {
				t.Fatalf("%s, %s failing: %v", name, method, err)
			}
			if err != nil {
				failed++
			}
		}
		if failed < 2 {
			t.Fatalf("%s: only %d store failures reached the caller", name, failed)
		}
	}
	// The exemption's own event fails after the transition's.
	m := newMemComplaints()
	m.complaints["cp-1"] = &ComplaintState{ComplaintID: "cp-1", CourierID: "u7", Status: ComplaintHandled}
	audit := &failSecondAudit{memComplaints: m}
	if _, err := TransitionComplaint(audit, cSup, "cp-1", &ComplaintTransition{To: ComplaintClosed, ExemptCourier: &yes}, cT0); !errors.Is(err, errRuleStore) {
		t.Fatalf("err %v", err)
	}
}

// failSecondAudit fails the second audit event.
type failSecondAudit struct{ *memComplaints }

func (f *failSecondAudit) Audit(e AuditEvent) error {
	f.events = append(f.events, e)
	if len(f.events) == 2 {
		return errRuleStore
	}
	return nil
}

func TestComplaintListPlans(t *testing.T) {
	s := DefaultSettings()
	now := cT0
	open := []string{ComplaintReceived, ComplaintVerified, ComplaintHandled}
	tests := []struct {
		name              string
		f                 ComplaintFilter
		statuses          []string
		dueAfter, dueTill time.Time
	}{
		{"all", ComplaintFilter{}, ComplaintStatuses, time.Time{}, time.Time{}},
		{"one status", ComplaintFilter{Status: ComplaintClosed}, []string{ComplaintClosed}, time.Time{}, time.Time{}},
		{"overdue", ComplaintFilter{Overdue: true}, open, time.Time{}, now},
		{"overdue verified", ComplaintFilter{Overdue: true, Status: ComplaintVerified}, []string{ComplaintVerified}, time.Time{}, now},
		{"at risk", ComplaintFilter{AtRisk: true}, open, now, now.Add(2*24*time.Hour + time.Nanosecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := tt.f.Plan(now, s)
			if !slices.Equal(pl.Statuses, tt.statuses) || !pl.DueAfter.Equal(tt.dueAfter) || !pl.DueBefore.Equal(tt.dueTill) {
				t.Fatalf("plan %+v", pl)
			}
		})
	}
	if !slices.Equal(ComplaintStatuses, []string{"received", "verified", "handled", "closed"}) {
		t.Fatalf("statuses %q", ComplaintStatuses)
	}
	// The plan's at-risk window is exactly the clock's at-risk span.
	for _, due := range []time.Duration{0, time.Nanosecond, 2 * 24 * time.Hour, 2*24*time.Hour + time.Nanosecond} {
		received := now.Add(due).Add(-s.ComplaintDue)
		atRisk, _ := ComplaintClock(received, nil, now, s)
		pl := (&ComplaintFilter{AtRisk: true}).Plan(now, s)
		d := ComplaintDeadline(received, s)
		inPlan := d.After(pl.DueAfter) && d.Before(pl.DueBefore)
		if atRisk != inPlan {
			t.Fatalf("due in %v: clock says at risk %v, plan %v", due, atRisk, inPlan)
		}
	}
	if !strings.Contains(fmt.Sprint(ComplaintOpen(ComplaintClosed), ComplaintOpen(ComplaintHandled)), "false true") {
		t.Fatal("ComplaintOpen")
	}
}
