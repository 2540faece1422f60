package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestPushAppliesAValidOpOfEveryKind(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "wang")
	h.seedTask(t, "cb-1", c.userID, "open")
	wb := waybill()

	cases := []struct {
		name    string
		kind    string
		payload any
	}{
		{"a pickup is applied", syncproto.KindPickup, pickup(wb)},
		{"a damage report is applied", syncproto.KindDamageReport, damageReport(wb)},
		{"a COD receipt is applied", syncproto.KindCODReceipt, codReceipt(wb, "R-0001", 25900)},
		{"a complaint is applied", syncproto.KindComplaint, complaint(h.clock.Now().Add(-time.Hour))},
		{"a complaint without a waybill is applied", syncproto.KindComplaint, with(complaint(h.clock.Now()), "waybill", nil)},
		{"a callback outcome for the courier's own open task is applied", syncproto.KindCallbackOutcome, callbackOutcome("cb-1")},
		{"a callback outcome without a satisfaction score is applied", syncproto.KindCallbackOutcome, with(callbackOutcome("cb-1"), "satisfaction", nil)},
		{"an odometer reading is applied", syncproto.KindVehicleLog, vehicleLog("ZJ-A12345", 48213)},
		{"a passed inspection is applied", syncproto.KindVehicleLog, inspection("ZJ-A12345", 48214, true)},
		{"a COD receipt in another currency is applied", syncproto.KindCODReceipt, with(codReceipt(wb, "R-0002", 25900), "currency", "HKD")},
		{"a COD receipt without a currency is applied (CNY)", syncproto.KindCODReceipt, with(codReceipt(wb, "R-0003", 25900), "currency", nil)},
	}
	refs := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.pushOK(t, c.op(tc.kind, tc.payload))
			applied(t, res[0])
			if prev, seen := refs[res[0].Ref]; seen {
				t.Fatalf("ref %q was already given to %q", res[0].Ref, prev)
			}
			refs[res[0].Ref] = tc.name
		})
	}
}

func TestPushRejectsAnInvalidOpWithItsCode(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "lina")
	now := h.clock.Now()
	wb := waybill()

	cases := []struct {
		name string
		op   syncproto.Op
		code syncproto.Code
	}{
		{"a pickup weighing nothing fails validation", c.op("pickup", with(pickup(wb), "weight_g", 0)), syncproto.CodeValidationFailed},
		{"a pickup with a five-character waybill fails validation", c.op("pickup", with(pickup(wb), "waybill", "AB123")), syncproto.CodeValidationFailed},
		{"a pickup with a waybill of odd characters fails validation", c.op("pickup", with(pickup(wb), "waybill", "YT 2026/11")), syncproto.CodeValidationFailed},
		{"a pickup without a sender phone fails validation", c.op("pickup", with(pickup(wb), "sender", party("Zhang Wei", "", "Hangzhou"))), syncproto.CodeValidationFailed},
		{"an insured pickup without an insured value fails validation", c.op("pickup", with(pickup(wb), "insured_value_cents", 0)), syncproto.CodeValidationFailed},
		{"a pickup without declared_value_cents fails validation", c.op("pickup", with(pickup(wb), "declared_value_cents", nil)), syncproto.CodeValidationFailed},
		{"a pickup whose weight is a string fails validation", c.op("pickup", with(pickup(wb), "weight_g", "heavy")), syncproto.CodeValidationFailed},
		{"an uninspected pickup needs inspection", c.op("pickup", with(pickup(wb), "inspected", false)), syncproto.CodeInspectionRequired},
		{"a pickup that says nothing of inspection needs inspection", c.op("pickup", with(pickup(wb), "inspected", nil)), syncproto.CodeInspectionRequired},
		{"a damage report without photos fails validation", c.op("damage_report", with(damageReport(wb), "photos", []string{})), syncproto.CodeValidationFailed},
		{"a damage report with an upper-case digest fails validation", c.op("damage_report", with(damageReport(wb), "photos", []string{strings.ToUpper(digest("x"))})), syncproto.CodeValidationFailed},
		{"a damage report of unknown severity fails validation", c.op("damage_report", with(damageReport(wb), "severity", "catastrophic")), syncproto.CodeValidationFailed},
		{"a COD receipt of zero fails validation", c.op("cod_receipt", codReceipt(wb, "R-9", 0)), syncproto.CodeValidationFailed},
		{"a COD receipt paid by cheque fails validation", c.op("cod_receipt", with(codReceipt(wb, "R-9", 100), "method", "cheque")), syncproto.CodeValidationFailed},
		{"a COD receipt in lower-case currency fails validation", c.op("cod_receipt", with(codReceipt(wb, "R-9", 100), "currency", "cny")), syncproto.CodeValidationFailed},
		{"a complaint of unknown category fails validation", c.op("complaint", with(complaint(now), "category", "rude")), syncproto.CodeValidationFailed},
		{"a complaint without an offset on received_at fails validation", c.op("complaint", with(complaint(now), "received_at", "2026-11-27T09:12:03")), syncproto.CodeValidationFailed},
		{"a callback outcome scored 6 fails validation", c.op("callback_outcome", with(callbackOutcome("cb-1"), "satisfaction", 6)), syncproto.CodeValidationFailed},
		{"a satisfaction score for a customer never reached fails validation", c.op("callback_outcome", with(callbackOutcome("cb-1"), "result", "no_answer")), syncproto.CodeValidationFailed},
		{"a callback outcome without resolved fails validation", c.op("callback_outcome", with(callbackOutcome("cb-1"), "resolved", nil)), syncproto.CodeValidationFailed},
		{"a vehicle log with a negative odometer fails validation", c.op("vehicle_log", vehicleLog("ZJ-A1", -1)), syncproto.CodeValidationFailed},
		{"an inspection without items fails validation", c.op("vehicle_log", with(inspection("ZJ-A1", 10, true), "items", nil)), syncproto.CodeValidationFailed},
		{"a vehicle log of unknown type fails validation", c.op("vehicle_log", with(vehicleLog("ZJ-A1", 10), "type", "carwash")), syncproto.CodeValidationFailed},
		{"an op of an unknown kind is refused as unknown_kind", c.op("teleport", map[string]any{"to": "moon"}), syncproto.CodeUnknownKind},
		{"an op with an empty kind is refused as unknown_kind", c.op("", pickup(wb)), syncproto.CodeUnknownKind},
		{"a null payload fails validation", c.op("pickup", json.RawMessage(`null`)), syncproto.CodeValidationFailed},
		{"an array payload fails validation", c.op("pickup", json.RawMessage(`[1,2]`)), syncproto.CodeValidationFailed},
		{"an op recorded \"yesterday\" fails validation", recordedAt(c.op("pickup", pickup(wb)), "yesterday"), syncproto.CodeValidationFailed},
		{"an op recorded without a time-zone offset fails validation", recordedAt(c.op("pickup", pickup(wb)), "2026-11-27T09:12:03"), syncproto.CodeValidationFailed},
		{"an op recorded with a one-digit hour fails validation", recordedAt(c.op("pickup", pickup(wb)), "2026-11-27T9:12:03+08:00"), syncproto.CodeValidationFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.pushOK(t, tc.op)
			rejected(t, res[0], tc.code)
		})
	}
	t.Run("none of the rejected pickups took the waybill", func(t *testing.T) {
		applied(t, c.pushOK(t, c.op("pickup", pickup(wb)))[0])
	})
}

func TestPushRejectsAnOpThatClashesWithStoredState(t *testing.T) {
	h := newHarness(t)
	wang := h.courier(t, "wang")
	zhao := h.courier(t, "zhao")
	h.seedTask(t, "cb-zhao", zhao.userID, "open")
	t0 := h.clock.Now()

	t.Run("a second pickup of one waybill in the same batch is a duplicate_waybill", func(t *testing.T) {
		wb := waybill()
		res := wang.pushOK(t, wang.op("pickup", pickup(wb)), wang.op("pickup", pickup(wb)))
		applied(t, res[0])
		rejected(t, res[1], syncproto.CodeDuplicateWaybill)
	})
	t.Run("a pickup of a waybill another courier picked up is a duplicate_waybill", func(t *testing.T) {
		wb := waybill()
		applied(t, wang.pushOK(t, wang.op("pickup", pickup(wb)))[0])
		rejected(t, zhao.pushOK(t, zhao.op("pickup", pickup(wb)))[0], syncproto.CodeDuplicateWaybill)
	})
	t.Run("a second receipt with one receipt_no is a duplicate_receipt", func(t *testing.T) {
		wb := waybill()
		applied(t, wang.pushOK(t, wang.op("cod_receipt", codReceipt(wb, "R-77", 25900)))[0])
		rejected(t, zhao.pushOK(t, zhao.op("cod_receipt", codReceipt(waybill(), "R-77", 100)))[0], syncproto.CodeDuplicateReceipt)
	})
	t.Run("an earlier reading higher than a later one from another courier is an odometer_regression", func(t *testing.T) {
		// wang reads 1000 km at t0; zhao's handheld was offline and now
		// sends 1200 km recorded an hour before: the odometer went down.
		applied(t, wang.pushOK(t, makeOp("vehicle_log", 1000, t0, vehicleLog("SH-V1", 1000)))[0])
		rejected(t, zhao.pushOK(t, makeOp("vehicle_log", 1000, t0.Add(-time.Hour), vehicleLog("SH-V1", 1200)))[0], syncproto.CodeOdometerRegression)
	})
	t.Run("a later reading lower than an earlier one is an odometer_regression", func(t *testing.T) {
		rejected(t, zhao.pushOK(t, makeOp("vehicle_log", 1001, t0.Add(5*time.Minute), vehicleLog("SH-V1", 999)))[0], syncproto.CodeOdometerRegression)
	})
	t.Run("readings that fit between others in recorded_at order are applied", func(t *testing.T) {
		applied(t, zhao.pushOK(t, makeOp("vehicle_log", 1002, t0.Add(-time.Hour), vehicleLog("SH-V1", 900)))[0])
		applied(t, zhao.pushOK(t, makeOp("vehicle_log", 1003, t0.Add(-30*time.Minute), vehicleLog("SH-V1", 950)))[0])
		applied(t, wang.pushOK(t, makeOp("vehicle_log", 1004, t0.Add(5*time.Minute), vehicleLog("SH-V1", 1000)))[0])
	})
	t.Run("the regression rule is per vehicle", func(t *testing.T) {
		applied(t, zhao.pushOK(t, makeOp("vehicle_log", 1005, t0.Add(-time.Hour), vehicleLog("SH-V2", 5)))[0])
	})
	t.Run("a callback outcome for a task that does not exist is not_assigned", func(t *testing.T) {
		rejected(t, wang.pushOK(t, wang.op("callback_outcome", callbackOutcome("cb-nope")))[0], syncproto.CodeNotAssigned)
	})
	t.Run("a callback outcome for another courier's task is not_assigned", func(t *testing.T) {
		rejected(t, wang.pushOK(t, wang.op("callback_outcome", callbackOutcome("cb-zhao")))[0], syncproto.CodeNotAssigned)
	})
	t.Run("the task's own courier may report on it", func(t *testing.T) {
		applied(t, zhao.pushOK(t, zhao.op("callback_outcome", callbackOutcome("cb-zhao")))[0])
	})
}

func TestPushAppliesAndFlagsWhatItMustNotReject(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "sun")
	h.seedTask(t, "cb-cancelled", c.userID, "cancelled")
	wb := waybill()
	applied(t, c.pushOK(t, c.op("pickup", pickup(wb)))[0]) // cod_amount_cents 25900

	cases := []struct {
		name string
		op   syncproto.Op
		flag string
	}{
		{"a COD amount that differs from the pickup's is flagged", c.op("cod_receipt", codReceipt(wb, "R-1", 20000)), "cod_discrepancy"},
		{"an outcome for a task cancelled while offline is flagged for review", c.op("callback_outcome", callbackOutcome("cb-cancelled")), "review_needed"},
		{"a log for an unregistered vehicle registers it and is flagged", c.op("vehicle_log", vehicleLog("NEW-V9", 10)), "vehicle_unregistered"},
		{"a failed inspection item opens a defect", c.op("vehicle_log", inspection("NEW-V9", 11, false)), "defect_opened"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.pushOK(t, tc.op)[0]
			applied(t, r)
			if !hasFlag(r, tc.flag) {
				t.Fatalf("flags = %v, want %q", r.Flags, tc.flag)
			}
		})
	}
	t.Run("a device clock five minutes off is not flagged", func(t *testing.T) {
		r := c.pushOK(t, makeOp("complaint", 600, h.clock.Now().Add(5*time.Minute), complaint(h.clock.Now())))[0]
		applied(t, r)
		if hasFlag(r, "clock_skew") {
			t.Fatalf("flags = %v, want no clock_skew", r.Flags)
		}
	})
}

func TestOneBadOpNeverFailsItsNeighbours(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "zhou")
	wb1, wb2, wb3 := waybill(), waybill(), waybill()
	ops := []syncproto.Op{
		c.op("pickup", pickup(wb1)),
		c.op("pickup", with(pickup(wb2), "inspected", false)),
		c.op("damage_report", damageReport(wb1)),
		c.op("teleport", map[string]any{}),
		c.op("pickup", pickup(wb1)),
		c.op("cod_receipt", codReceipt(wb1, "R-1", 25900)),
		c.op("callback_outcome", callbackOutcome("cb-unknown")),
		c.op("pickup", with(pickup(wb3), "weight_g", -5)),
		c.op("pickup", pickup(wb3)),
	}
	res := c.pushOK(t, ops...) // also checks one result per op, in request order
	want := []syncproto.Code{"", syncproto.CodeInspectionRequired, "", syncproto.CodeUnknownKind, syncproto.CodeDuplicateWaybill, "", syncproto.CodeNotAssigned, syncproto.CodeValidationFailed, ""}
	for i, code := range want {
		if code == "" {
			applied(t, res[i])
		} else {
			rejected(t, res[i], code)
		}
	}
	t.Run("every result carries op_id, seq, status and duplicate", func(t *testing.T) {
		var raw struct {
			Results []map[string]json.RawMessage `json:"results"`
		}
		c.push(t, ops...).decode(t, 200, &raw)
		for i, r := range raw.Results {
			for _, k := range []string{"op_id", "seq", "status", "duplicate"} {
				if r[k] == nil {
					t.Errorf("result %d lacks %q: %v", i, k, r)
				}
			}
		}
	})
}

func TestAResentBatchGetsItsOriginalResults(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "qian")
	sup := h.user(t, "boss", syncproto.RoleSupervisor)
	wb := waybill()
	batch := []syncproto.Op{
		c.op("pickup", pickup(wb)),
		c.op("pickup", pickup(wb)),
		c.op("damage_report", damageReport(wb)),
		c.op("cod_receipt", codReceipt(wb, "R-5", 100)),
		c.op("complaint", complaint(h.clock.Now())),
		c.op("vehicle_log", vehicleLog("SH-V7", 12)),
		c.op("callback_outcome", callbackOutcome("cb-none")),
		c.op("teleport", map[string]any{}),
		c.op("pickup", with(pickup(waybill()), "inspected", false)),
	}
	first := c.pushOK(t, batch...)

	check := func(t *testing.T, again []syncproto.PushResult) {
		t.Helper()
		for i := range again {
			want := first[i]
			want.Duplicate = true
			if show(again[i]) != show(want) {
				t.Errorf("op %d resent: got %s, want %s", i, show(again[i]), show(want))
			}
		}
	}
	t.Run("the whole batch sent again gets the same results marked duplicate", func(t *testing.T) {
		check(t, c.pushOK(t, batch...))
	})
	t.Run("sending it a third time changes nothing either", func(t *testing.T) {
		check(t, c.pushOK(t, batch...))
	})
	t.Run("a batch mixing resent and new ops applies only the new ones", func(t *testing.T) {
		fresh := c.op("pickup", pickup(waybill()))
		mixed := append([]syncproto.Op{}, batch[:3]...)
		mixed = append(mixed, fresh)
		res := c.pushOK(t, mixed...)
		check(t, res[:3])
		applied(t, res[3])
	})
	t.Run("a resent op still gets its result after the server restarts", func(t *testing.T) {
		h.restart(t)
		check(t, c.pushOK(t, batch...))
	})
	t.Run("the audit log lists each op once", func(t *testing.T) {
		entries := h.auditAll(t, sup.access, c.device, 500)
		n := countByOpID(entries)
		if len(entries) != len(batch)+1 {
			t.Errorf("audit has %d entries, want %d", len(entries), len(batch)+1)
		}
		for _, op := range batch {
			if n[op.OpID] != 1 {
				t.Errorf("op %s appears %d times in the audit log", op.OpID, n[op.OpID])
			}
		}
	})
}

func TestAReusedOpIDWithOtherContentIsAConflict(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "feng")
	other := h.courier(t, "chen")
	sup := h.user(t, "boss", syncproto.RoleSupervisor)
	wb, wb2 := waybill(), waybill()
	orig := c.op("pickup", pickup(wb))
	first := c.pushOK(t, orig)[0]
	applied(t, first)

	variant := func(f func(op *syncproto.Op)) syncproto.Op {
		op := orig
		f(&op)
		return op
	}
	c2 := h.login(t, "feng", "dev-feng-2") // the same courier on a second handheld
	cases := []struct {
		name string
		s    *session
		op   syncproto.Op
	}{
		{"a different payload", c, variant(func(op *syncproto.Op) { op.Payload, _ = json.Marshal(pickup(wb2)) })},
		{"a different weight", c, variant(func(op *syncproto.Op) { op.Payload, _ = json.Marshal(with(pickup(wb), "weight_g", 1)) })},
		{"a different kind", c, variant(func(op *syncproto.Op) { op.Kind = "complaint" })},
		{"a different seq", c, variant(func(op *syncproto.Op) { op.Seq += 100 })},
		{"a different device of the same courier", c2, orig},
		{"another courier's device", other, orig},
		{"an upper-case spelling of the op_id and a different payload", c, variant(func(op *syncproto.Op) {
			op.OpID = strings.ToUpper(op.OpID)
			op.Payload, _ = json.Marshal(pickup(wb2))
		})},
	}
	before := h.auditAll(t, sup.access, "", 500)
	for _, tc := range cases {
		t.Run("the same op_id with "+tc.name+" is rejected op_id_conflict", func(t *testing.T) {
			rejected(t, tc.s.pushOK(t, tc.op)[0], syncproto.CodeOpIDConflict)
		})
	}
	t.Run("the conflicts left the audit log unchanged", func(t *testing.T) {
		if after := h.auditAll(t, sup.access, "", 500); show(after) != show(before) {
			t.Errorf("audit changed:\nbefore %s\nafter  %s", show(before), show(after))
		}
	})
	t.Run("the original op still gets its original result", func(t *testing.T) {
		again := c.pushOK(t, orig)[0]
		want := first
		want.Duplicate = true
		if show(again) != show(want) {
			t.Errorf("got %s, want %s", show(again), show(want))
		}
	})
	t.Run("the conflicting payload's waybill was not taken", func(t *testing.T) {
		applied(t, c.pushOK(t, c.op("pickup", pickup(wb2)))[0])
	})
	t.Run("the original waybill is still taken", func(t *testing.T) {
		rejected(t, c.pushOK(t, c.op("pickup", pickup(wb)))[0], syncproto.CodeDuplicateWaybill)
	})
}

func TestPushForAnotherDeviceIsForbidden(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "hejun")
	sup := h.user(t, "boss", syncproto.RoleSupervisor)
	for _, dev := range []string{"dev-someone-else", "", strings.ToUpper(c.device)} {
		t.Run("a push naming device "+strconvQuote(dev)+" with a token for "+c.device+" is 403", func(t *testing.T) {
			h.do(t, "POST", "/v1/sync/push", c.access, pushBody{DeviceID: dev, Ops: []syncproto.Op{c.op("pickup", pickup(waybill()))}}).
				wantError(t, 403, syncproto.CodeForbidden)
		})
	}
	t.Run("nothing was taken", func(t *testing.T) {
		if got := h.auditAll(t, sup.access, "", 100); len(got) != 0 {
			t.Errorf("audit has %d entries, want 0", len(got))
		}
	})
}

func strconvQuote(s string) string { return `"` + s + `"` }

// An empty push once queued nothing for the single writer to take, and the
// writer panicked: every courier's next push failed with the server.
func TestAnEmptyPushIsAnsweredAndHarmsNoOne(t *testing.T) {
	h := newHarness(t)
	c, other := h.courier(t, "empty-pusher"), h.courier(t, "next-courier")
	var pr syncproto.PushResponse
	h.do(t, "POST", "/v1/sync/push", c.access, pushBody{DeviceID: c.device, Ops: []syncproto.Op{}}).decode(t, 200, &pr)
	if len(pr.Results) != 0 {
		t.Fatalf("results %+v for no ops", pr.Results)
	}
	applied(t, other.pushOK(t, other.op("pickup", pickup(waybill())))[0])
}
