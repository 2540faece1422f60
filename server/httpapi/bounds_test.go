package httpapi_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// pushAt sends ops in an envelope whose sent_at is the device's clock.
func (s *session) pushAt(tb testing.TB, sentAt time.Time, ops ...syncproto.Op) []syncproto.PushResult {
	tb.Helper()
	body := struct {
		pushBody
		SentAt string `json:"sent_at"`
	}{pushBody{DeviceID: s.device, Ops: ops}, sentAt.Format(time.RFC3339Nano)}
	var pr syncproto.PushResponse
	s.h.do(tb, "POST", "/v1/sync/push", s.access, body).decode(tb, 200, &pr)
	if err := checkOrder(ops, pr.Results); err != nil {
		tb.Fatal(err)
	}
	return pr.Results
}

// auditOp returns the audit entry of one op.
func auditOp(tb testing.TB, h *harness, sup *session, opID string) syncproto.AuditOp {
	tb.Helper()
	var list syncproto.AuditOpList
	h.do(tb, "GET", "/v1/audit/ops?limit=500", sup.access, nil).decode(tb, 200, &list)
	for _, o := range list.Ops {
		if o.OpID == opID {
			return o
		}
	}
	tb.Fatalf("op %s not in the audit", opID)
	return syncproto.AuditOp{}
}

// Issue 12 item 5: clock_skew is measured from the envelope's sent_at,
// not from how long an op waited in the outbox.
func TestClockSkewIsMeasuredFromSentAt(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "qian")
	sup := h.user(t, "sup", syncproto.RoleSupervisor)
	now := h.clock.Now()

	t.Run("an op recorded offline three hours ago and sent with a right clock is not flagged", func(t *testing.T) {
		o := makeOp("pickup", 1, now.Add(-3*time.Hour), pickup(waybill()))
		r := c.pushAt(t, now, o)[0]
		applied(t, r)
		if hasFlag(r, "clock_skew") {
			t.Fatalf("flags = %v", r.Flags)
		}
		a := auditOp(t, h, sup, o.OpID)
		if a.RecordedAtCorrected == nil || !a.RecordedAtCorrected.Equal(now.Add(-3*time.Hour)) {
			t.Fatalf("audit recorded_at_corrected = %v, want the recorded time (skew 0)", a.RecordedAtCorrected)
		}
	})
	t.Run("without sent_at an op three hours old is not flagged", func(t *testing.T) {
		r := c.pushOK(t, makeOp("pickup", 2, now.Add(-3*time.Hour), pickup(waybill())))[0]
		applied(t, r)
		if hasFlag(r, "clock_skew") {
			t.Fatalf("flags = %v", r.Flags)
		}
	})
	t.Run("a device two hours fast is flagged, and its future-dated op judged by the corrected time is applied", func(t *testing.T) {
		fast := now.Add(2 * time.Hour)
		wb := waybill()
		o := makeOp("cod_receipt", 3, fast.Add(-time.Minute), codReceipt(wb, "SKEW-1", 1000))
		r := c.pushAt(t, fast, o)[0]
		applied(t, r)
		if !hasFlag(r, "clock_skew") {
			t.Fatalf("flags = %v, want clock_skew", r.Flags)
		}
		a := auditOp(t, h, sup, o.OpID)
		if a.RecordedAt != o.RecordedAt || a.RecordedAtCorrected == nil || !a.RecordedAtCorrected.Equal(now.Add(-time.Minute)) {
			t.Fatalf("audit: recorded_at %s corrected %v, want the device's time and %s", a.RecordedAt, a.RecordedAtCorrected, now.Add(-time.Minute))
		}
		if len(a.Flags) == 0 {
			t.Fatalf("audit shows no flags")
		}
	})
	t.Run("a device two hours slow is flagged", func(t *testing.T) {
		r := c.pushAt(t, now.Add(-2*time.Hour), makeOp("pickup", 4, now.Add(-2*time.Hour), pickup(waybill())))[0]
		applied(t, r)
		if !hasFlag(r, "clock_skew") {
			t.Fatalf("flags = %v, want clock_skew", r.Flags)
		}
	})
	t.Run("a malformed sent_at is invalid_request", func(t *testing.T) {
		body := map[string]any{"device_id": c.device, "sent_at": "yesterday", "ops": []syncproto.Op{makeOp("pickup", 5, now, pickup(waybill()))}}
		h.do(t, "POST", "/v1/sync/push", c.access, body).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
}

// Issue 8 item 4: device dates of year 9999 (or tomorrow) made lists fail
// and escaped deadlines. They are rejected op by op, their neighbours
// applied, and every list still answers.
func TestFarFutureDatesAreRejectedOpByOp(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "sun")
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	now := h.clock.Now()
	y9999 := time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)
	wb := waybill()
	ops := []syncproto.Op{
		c.op("pickup", pickup(wb)),
		makeOp("cod_receipt", 100, y9999, codReceipt(wb, "Y-9999", 5000)),
		makeOp("cod_receipt", 101, now.Add(24*time.Hour), codReceipt(wb, "Y-TOMORROW", 5000)),
		makeOp("complaint", 102, now, complaint(y9999)),
		makeOp("complaint", 103, now, complaint(now.Add(24*time.Hour))),
		makeOp("cod_receipt", 104, now, codReceipt(wb, "Y-NOW", 25900)),
	}
	for i := 0; i < 2; i++ { // the resend gets the same answers: nothing is stuck
		res := c.pushOK(t, ops...)
		for _, k := range []int{1, 2, 3, 4} {
			if res[k].Status != syncproto.StatusRejected || res[k].Error.Code != syncproto.CodeValidationFailed {
				t.Fatalf("op %d: %s, want validation_failed", k, show(res[k]))
			}
		}
		if res[0].Status != syncproto.StatusApplied || res[5].Status != syncproto.StatusApplied || res[5].Duplicate != (i == 1) {
			t.Fatalf("neighbours: %s / %s", show(res[0]), show(res[5]))
		}
	}
	for _, path := range []string{"/v1/cod/ledger", "/v1/cod/ledger?overdue=true", "/v1/complaints", "/v1/cod/ledger?from=9999-12-31T00:00:00Z",
		"/v1/cod/ledger?to=0001-01-01T00:00:00Z"} {
		var body map[string]json.RawMessage
		h.do(t, "GET", path, disp.access, nil).decode(t, 200, &body)
	}
	t.Run("a callback due in year 9999 is unprocessable", func(t *testing.T) {
		body := map[string]any{"courier_id": c.userID, "waybill": wb, "reason": "r", "customer": map[string]any{"name": "李四", "phone": "13912345678"},
			"due_by": y9999.Format(time.RFC3339)}
		h.do(t, "POST", "/v1/callbacks", disp.access, body).wantError(t, 422, syncproto.CodeUnprocessable)
	})
	t.Run("a dispatcher's complaint received in year 9999 or before 2000 is invalid_request", func(t *testing.T) {
		for _, at := range []time.Time{y9999, time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)} {
			body := map[string]any{"category": "delay", "description": "d", "customer": map[string]any{"name": "李四", "phone": "13912345678"},
				"received_at": at.Format(time.RFC3339), "channel": "phone"}
			h.do(t, "POST", "/v1/complaints", disp.access, body).wantError(t, 400, syncproto.CodeInvalidRequest)
		}
	})
}

// Issue 8 item 3: receipts of 2^63−1 overflowed the ledger's sums and a
// courier's balance showed 0 after a real 5,000-fen receipt.
func TestAmountsAboveTenToTheTwelveAreRefused(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "zhou")
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	wb := waybill()
	res := c.pushOK(t,
		c.op("cod_receipt", codReceipt(wb, "HUGE-1", math.MaxInt64)),
		c.op("cod_receipt", codReceipt(wb, "HUGE-2", math.MaxInt64)),
		c.op("pickup", with(pickup(waybill()), "cod_amount_cents", syncproto.MaxCents+1)),
		c.op("cod_receipt", codReceipt(wb, "REAL-1", 5000)))
	for _, r := range res[:3] {
		if r.Status != syncproto.StatusRejected || r.Error.Code != syncproto.CodeValidationFailed {
			t.Fatalf("%s, want validation_failed", show(r))
		}
	}
	applied(t, res[3])
	var page struct {
		Totals struct {
			CollectedCents int64 `json:"collected_cents"`
			InHandCents    int64 `json:"in_hand_cents"`
		} `json:"totals"`
	}
	h.do(t, "GET", "/v1/cod/ledger?courier_id="+c.userID, disp.access, nil).decode(t, 200, &page)
	if page.Totals.CollectedCents != 5000 || page.Totals.InHandCents != 5000 {
		t.Fatalf("totals %+v, want the real 5,000 fen", page.Totals)
	}
	t.Run("a hand-over counting more than 10^12 is invalid_request", func(t *testing.T) {
		body := map[string]any{"courier_id": c.userID, "receipt_nos": []string{"REAL-1"}, "counted_cents": syncproto.MaxCents + 1}
		h.do(t, "POST", "/v1/cod/handovers", disp.access, body).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
}
