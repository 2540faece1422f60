package main

import (
	"strings"
	"testing"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// checkFixture is a small run that kept every promise: two devices, four
// ops, two of them rejected on purpose, plus an op of another run.
type checkFixture struct {
	expected []expectedOp
	audit    []syncproto.AuditOp
	outboxes []outboxState
}

func goodRun() *checkFixture {
	f := &checkFixture{
		expected: []expectedOp{
			{OpID: "op-1", Kind: syncproto.KindPickup, DeviceID: "d1"},
			{OpID: "op-2", Kind: syncproto.KindPickup, DeviceID: "d1", Want: syncproto.CodeDuplicateWaybill},
			{OpID: "op-3", Kind: syncproto.KindVehicleLog, DeviceID: "d2"},
			{OpID: "op-4", Kind: syncproto.KindCallbackOutcome, DeviceID: "d2", Want: syncproto.CodeNotAssigned},
		},
		audit: []syncproto.AuditOp{
			{OpID: "other-1", Kind: syncproto.KindPickup, Status: syncproto.StatusApplied, DeviceID: "someone-else", CourierID: "u9"},
			{OpID: "op-1", Kind: syncproto.KindPickup, Status: syncproto.StatusApplied, DeviceID: "d1", CourierID: "u1"},
			{OpID: "op-3", Kind: syncproto.KindVehicleLog, Status: syncproto.StatusApplied, DeviceID: "d2", CourierID: "u2"},
			{OpID: "op-2", Kind: syncproto.KindPickup, Status: syncproto.StatusRejected, ErrorCode: syncproto.CodeDuplicateWaybill, DeviceID: "d1", CourierID: "u1"},
			{OpID: "op-4", Kind: syncproto.KindCallbackOutcome, Status: syncproto.StatusRejected, ErrorCode: syncproto.CodeNotAssigned, DeviceID: "d2", CourierID: "u2"},
		},
		outboxes: []outboxState{
			{DeviceID: "d1", StatusRejected: 1, Rejected: []*mobileapi.RejectedOp{{OpID: "op-2", Kind: syncproto.KindPickup, Code: string(syncproto.CodeDuplicateWaybill)}}},
			{DeviceID: "d2", StatusRejected: 1, Rejected: []*mobileapi.RejectedOp{{OpID: "op-4", Kind: syncproto.KindCallbackOutcome, Code: string(syncproto.CodeNotAssigned)}}},
		},
	}
	return f
}

func (f *checkFixture) check() *checkResult {
	return checkRun(f.expected, f.audit, map[string]bool{"d1": true, "d2": true}, map[string]bool{"u1": true, "u2": true}, f.outboxes)
}

func TestCheckRun(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(f *checkFixture)
		want    func(r *checkResult) int // the counter that must be 1
		problem string
	}{
		{"a run that kept every promise passes", func(*checkFixture) {}, nil, ""},
		{"an op missing from the audit log is lost",
			func(f *checkFixture) { f.audit = append(f.audit[:1], f.audit[2:]...) },
			func(r *checkResult) int { return r.Lost }, "lost: op op-1"},
		{"an op in the audit log twice is duplicated",
			func(f *checkFixture) { f.audit = append(f.audit, f.audit[2]) },
			func(r *checkResult) int { return r.Duplicated }, "duplicated: op op-3"},
		{"a rejection with another code is a wrong reason",
			func(f *checkFixture) { f.audit[3].ErrorCode = syncproto.CodeValidationFailed },
			func(r *checkResult) int { return r.WrongReason }, "got rejected/validation_failed"},
		{"an applied op that should have been rejected is a wrong reason",
			func(f *checkFixture) { f.audit[4].Status, f.audit[4].ErrorCode = syncproto.StatusApplied, "" },
			func(r *checkResult) int { return r.WrongReason }, "want rejected/not_assigned"},
		{"a rejected op that should have been applied is a wrong reason",
			func(f *checkFixture) {
				f.audit[1].Status, f.audit[1].ErrorCode = syncproto.StatusRejected, syncproto.CodeDuplicateWaybill
			},
			func(r *checkResult) int { return r.WrongReason }, "want applied"},
		{"an op of the run's device that no handheld queued is unexpected",
			func(f *checkFixture) {
				f.audit = append(f.audit, syncproto.AuditOp{OpID: "ghost", Kind: syncproto.KindComplaint, Status: syncproto.StatusApplied, DeviceID: "d2", CourierID: "u2"})
			},
			func(r *checkResult) int { return r.Unexpected }, "unexpected: op ghost"},
		{"an op of the run's courier from another device is unexpected",
			func(f *checkFixture) {
				f.audit = append(f.audit, syncproto.AuditOp{OpID: "ghost", Kind: syncproto.KindComplaint, Status: syncproto.StatusApplied, DeviceID: "stolen", CourierID: "u1"})
			},
			func(r *checkResult) int { return r.Unexpected }, "unexpected: op ghost"},
		{"an outbox with ops left is pending",
			func(f *checkFixture) { f.outboxes[1].Pending = 1 },
			func(r *checkResult) int { return r.OutboxPending }, "1 ops still pending"},
		{"a rejection missing on the handheld is a mismatch",
			func(f *checkFixture) { f.outboxes[0].Rejected, f.outboxes[0].StatusRejected = nil, 0 },
			func(r *checkResult) int { return r.OutboxMismatch }, "op-2 missing from RejectedOps"},
		{"a handheld rejection with another code is a mismatch",
			func(f *checkFixture) { f.outboxes[1].Rejected[0].Code = "validation_failed" },
			func(r *checkResult) int { return r.OutboxMismatch }, "want not_assigned"},
		{"a handheld rejection of an op that should be applied is a mismatch",
			func(f *checkFixture) {
				f.outboxes[1].Rejected = append(f.outboxes[1].Rejected, &mobileapi.RejectedOp{OpID: "op-3", Code: "odometer_regression"})
				f.outboxes[1].StatusRejected = 2
			},
			func(r *checkResult) int { return r.OutboxMismatch }, "want applied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := goodRun()
			tt.breakIt(f)
			r := f.check()
			if tt.want == nil {
				if !r.OK() || len(r.Problems) > 0 {
					t.Fatalf("check failed a good run: %+v", r)
				}
				if r.Sent != 4 || r.Applied != 2 || r.GotRejected[syncproto.CodeNotAssigned] != 1 || r.WantRejected[syncproto.CodeDuplicateWaybill] != 1 {
					t.Errorf("tallies = sent %d applied %d got %v want %v", r.Sent, r.Applied, r.GotRejected, r.WantRejected)
				}
				return
			}
			if r.OK() {
				t.Fatal("check passed a broken run")
			}
			if got := tt.want(r); got != 1 {
				t.Errorf("counter = %d, want 1 (result %+v)", got, r)
			}
			if !strings.Contains(strings.Join(r.Problems, "\n"), tt.problem) {
				t.Errorf("problems %q do not mention %q", r.Problems, tt.problem)
			}
		})
	}
}

func TestSummaryVerdictNamesEveryFailure(t *testing.T) {
	f := goodRun()
	f.audit = append(f.audit[:1], f.audit[2:]...) // op-1 lost
	f.audit = append(f.audit, f.audit[1])         // op-3 duplicated
	f.audit[2].ErrorCode = syncproto.CodeConflict // op-2 wrong reason
	s := &summary{Check: f.check()}
	var b strings.Builder
	if err := s.write(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"FAIL: 1 lost, 1 duplicated, 1 with a wrong outcome", "rejected duplicate_waybill  expected 1, got 0  <- mismatch"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if s.OK() {
		t.Error("summary of a broken run is OK")
	}
}
