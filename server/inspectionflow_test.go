package server

import (
	"strconv"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// memInspections is the inspection workflow's transaction in memory.
type memInspections struct {
	inspections map[string]*Inspection
	actions     map[string]*CorrectiveAction
	users       map[string]bool
	events      []AuditEvent
}

func (m *memInspections) Inspection(id string) (*Inspection, error) {
	in, ok := m.inspections[id]
	if !ok {
		return nil, nil
	}
	cp := *in
	cp.Items = append([]InspectionItem(nil), in.Items...)
	return &cp, nil
}
func (m *memInspections) PutInspection(in *Inspection) error {
	m.inspections[in.InspectionID] = in
	return nil
}
func (m *memInspections) UserExists(id string) (bool, error) { return m.users[id], nil }
func (m *memInspections) InsertAction(a *CorrectiveAction) error {
	a.ActionID = "ca-" + strconv.Itoa(len(m.actions)+1)
	cp := *a
	m.actions[a.ActionID] = &cp
	return nil
}
func (m *memInspections) Action(id string) (*CorrectiveAction, error) {
	if a, ok := m.actions[id]; ok {
		cp := *a
		return &cp, nil
	}
	return nil, nil
}
func (m *memInspections) UpdateAction(a *CorrectiveAction) error {
	cp := *a
	m.actions[a.ActionID] = &cp
	return nil
}
func (m *memInspections) Audit(e AuditEvent) error { m.events = append(m.events, e); return nil }

func TestInspectionWorkflowWithoutAStore(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	m := &memInspections{inspections: map[string]*Inspection{}, actions: map[string]*CorrectiveAction{}, users: map[string]bool{"u7": true, "u9": true}}
	sup := Principal{UserID: "u2", Role: syncproto.RoleSupervisor}
	s := NewSampler([]byte("seed"), "2026-11", 2)
	for i := 0; i < 3; i++ {
		s.Add(SampleCandidate{CourierID: "u7", Kind: "pickup", Ref: "pk-" + strconv.Itoa(i), Primary: true})
	}
	in, err := OpenInspection(m, sup, "2026-11", []byte("seed"), s, 2, now)
	if err != nil || len(in.Items) != 2 || in.InspectionID != "in-2026-11" || in.Status != InspectionOpen {
		t.Fatalf("%+v, %v", in, err)
	}
	if _, err := OpenInspection(m, sup, "2026-11", []byte("seed"), s, 2, now); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("second open: %v", err)
	}
	mark := func(item string, r *ItemMark) (*Inspection, error) {
		return MarkInspectionItem(m, sup, in.InspectionID, item, r, now)
	}
	if _, err := mark("9", &ItemMark{Result: ItemPass}); codeOf(err) != syncproto.CodeNotFound {
		t.Fatalf("unknown item: %v", err)
	}
	if _, err := MarkInspectionItem(m, sup, "in-2020-01", "1", &ItemMark{Result: ItemPass}, now); codeOf(err) != syncproto.CodeNotFound {
		t.Fatalf("unknown inspection: %v", err)
	}
	if _, err := mark("1", &ItemMark{Result: ItemFail, Finding: "no signature", Owner: "u404"}); codeOf(err) != syncproto.CodeUnprocessable {
		t.Fatalf("unknown owner: %v", err)
	}
	got, err := mark("1", &ItemMark{Result: ItemFail, Finding: "no signature"})
	if err != nil || got.Items[0].ActionID != "ca-1" || got.Status != InspectionOpen {
		t.Fatalf("%+v, %v", got, err)
	}
	if a := m.actions["ca-1"]; a.Owner != "u7" || !a.DueBy.Equal(now.Add(DefaultCorrectiveDue)) || a.Status != ActionOpen {
		t.Fatalf("action %+v", a)
	}
	if _, err := mark("1", &ItemMark{Result: ItemPass}); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("marked twice: %v", err)
	}
	got, err = mark("2", &ItemMark{Result: ItemPass, Owner: "u9"})
	if err != nil || got.Status != InspectionCompleted || got.CompletedAt == nil {
		t.Fatalf("completed: %+v, %v", got, err)
	}
	a, err := CloseCorrectiveAction(m, sup, "ca-1", &ActionClose{Note: "retrained"}, now.Add(time.Hour))
	if err != nil || a.Status != ActionClosed || a.Overdue {
		t.Fatalf("close %+v, %v", a, err)
	}
	if _, err := CloseCorrectiveAction(m, sup, "ca-1", &ActionClose{}, now); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("closed twice: %v", err)
	}
	if _, err := CloseCorrectiveAction(m, sup, "ca-9", &ActionClose{}, now); codeOf(err) != syncproto.CodeNotFound {
		t.Fatalf("unknown action: %v", err)
	}
	empty, err := OpenInspection(m, sup, "2026-10", []byte("s"), NewSampler([]byte("s"), "2026-10", 2), 2, now)
	if err != nil || empty.Status != InspectionCompleted || len(empty.Items) != 0 {
		t.Fatalf("a month with nothing to sample: %+v, %v", empty, err)
	}
	if len(m.events) != 6 { // open, fail + action, pass, close, open
		t.Fatalf("audit events %d", len(m.events))
	}
	f := ActionFilter{Status: "bogus"}
	if f.Check() == nil {
		t.Fatal("bad action filter accepted")
	}
}

func TestComplaintStepsIncludingReopening(t *testing.T) {
	disp := Principal{Role: syncproto.RoleDispatcher}
	sup := Principal{Role: syncproto.RoleSupervisor}
	cases := []struct {
		name     string
		p        Principal
		from, to string
		note     string
		code     syncproto.Code
	}{
		{"the next step is allowed", disp, ComplaintReceived, ComplaintVerified, "", ""},
		{"skipping a step is a conflict", disp, ComplaintReceived, ComplaintHandled, "", syncproto.CodeConflict},
		{"a supervisor reopens with a note", sup, ComplaintClosed, ComplaintReceived, "called again", ""},
		{"a supervisor needs a note to reopen", sup, ComplaintClosed, ComplaintReceived, " ", syncproto.CodeInvalidRequest},
		{"a dispatcher cannot reopen", disp, ComplaintClosed, ComplaintReceived, "called again", syncproto.CodeConflict},
		{"only a closed complaint reopens", sup, ComplaintHandled, ComplaintReceived, "x", syncproto.CodeConflict},
		{"a closed complaint takes no other step", sup, ComplaintClosed, ComplaintVerified, "x", syncproto.CodeConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckComplaintStep(tc.p, tc.from, tc.to, tc.note); codeOf(err) != tc.code {
				t.Fatalf("got %v, want %q", err, tc.code)
			}
		})
	}
}

func TestClaimFilterMatches(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	c := &Claim{Status: ClaimAcknowledged, Waybill: "WB-000001", DecideDueBy: now.Add(-time.Hour)}
	for _, tc := range []struct {
		f    ClaimFilter
		want bool
	}{{ClaimFilter{}, true}, {ClaimFilter{Overdue: true}, true}, {ClaimFilter{Status: ClaimFiled}, false},
		{ClaimFilter{Waybill: "WB-000002"}, false}, {ClaimFilter{Waybill: "WB-000001", Status: ClaimAcknowledged}, true}} {
		if got := tc.f.Match(c, now); got != tc.want {
			t.Errorf("%+v: %v", tc.f, got)
		}
	}
	for _, bad := range []ClaimFilter{{Status: "lost"}, {Waybill: "x"}} {
		if bad.Check() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if d := DuplicateCollection(); d.Code != DiscrepancyDuplicateCollection || *d.ExpectedCents != 0 {
		t.Fatalf("%+v", d)
	}
}
