package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestCallbackFromAComplaintTakesItsContact(t *testing.T) {
	h := newHarness(t)
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	courier := h.courier(t, "wang")
	wb := waybill()
	applied(t, courier.pushOK(t, courier.op("pickup", pickup(wb)))[0])
	var cp server.Complaint
	h.do(t, "POST", "/v1/complaints", disp.access, map[string]any{"category": "delay", "description": "late", "channel": "phone",
		"waybill": wb, "customer": map[string]any{"name": "Li Na", "phone": "13912345678"},
		"received_at": h.clock.Now().Format(time.RFC3339)}).decode(t, 201, &cp)

	var task server.CallbackTask
	r := h.do(t, "POST", "/v1/callbacks", disp.access, map[string]any{"courier_id": courier.userID, "complaint_id": cp.ComplaintID,
		"reason": "complaint follow-up"})
	r.decode(t, 201, &task)
	t.Run("the task has the complaint's masked contact and waybill", func(t *testing.T) {
		if task.Contact != cp.Customer || task.Waybill != wb || task.ComplaintID != cp.ComplaintID || len(task.Flags) != 0 {
			t.Fatalf("task = %s; complaint customer %s", show(task), show(cp.Customer))
		}
		if strings.Contains(string(r.body), "13912345678") {
			t.Fatalf("the reply carries the phone: %s", r.body)
		}
	})
	t.Run("the courier's reveal gives the complaint's number", func(t *testing.T) {
		var rc server.RevealedContact
		h.do(t, "POST", "/v1/callbacks/"+task.TaskID+"/contact", courier.access, nil).decode(t, 200, &rc)
		if rc.Phone != "13912345678" || rc.Name != "Li Na" {
			t.Fatalf("revealed = %s", show(rc))
		}
	})
	t.Run("the complaint lists the task", func(t *testing.T) {
		var v server.Complaint
		h.do(t, "GET", "/v1/complaints/"+cp.ComplaintID, disp.access, nil).decode(t, 200, &v)
		if len(v.CallbackIDs) != 1 || v.CallbackIDs[0] != task.TaskID {
			t.Fatalf("callback_ids = %v", v.CallbackIDs)
		}
	})
	t.Run("a waybill the server never saw is flagged, not refused", func(t *testing.T) {
		var tk server.CallbackTask
		h.do(t, "POST", "/v1/callbacks", disp.access, map[string]any{"courier_id": courier.userID, "waybill": "NEVER-SEEN-1",
			"reason": "check", "customer": map[string]any{"name": "Li Na", "phone": "13912345678"}}).decode(t, 201, &tk)
		if len(tk.Flags) != 1 || tk.Flags[0] != server.FlagUnknownWaybill {
			t.Fatalf("flags = %v", tk.Flags)
		}
	})
	cases := []struct {
		name   string
		body   map[string]any
		status int
		code   syncproto.Code
	}{
		{"a due_by in the past is 422", map[string]any{"courier_id": courier.userID, "complaint_id": cp.ComplaintID, "reason": "x",
			"due_by": h.clock.Now().Add(-time.Minute).Format(time.RFC3339)}, 422, syncproto.CodeUnprocessable},
		{"an unknown complaint is 422", map[string]any{"courier_id": courier.userID, "complaint_id": "cp-999", "reason": "x"}, 422, syncproto.CodeUnprocessable},
		{"neither customer nor complaint is 400", map[string]any{"courier_id": courier.userID, "waybill": wb, "reason": "x"}, 400, syncproto.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.do(t, "POST", "/v1/callbacks", disp.access, tc.body).wantError(t, tc.status, tc.code)
		})
	}
	t.Run("a complaint without a waybill needs one in the request", func(t *testing.T) {
		var bare server.Complaint
		h.do(t, "POST", "/v1/complaints", disp.access, map[string]any{"category": "attitude", "description": "rude", "channel": "phone",
			"customer": map[string]any{"name": "Li Na", "phone": "13912345678"}, "received_at": h.clock.Now().Format(time.RFC3339)}).decode(t, 201, &bare)
		h.do(t, "POST", "/v1/callbacks", disp.access, map[string]any{"courier_id": courier.userID, "complaint_id": bare.ComplaintID,
			"reason": "x"}).wantError(t, 400, syncproto.CodeInvalidRequest)
		h.do(t, "POST", "/v1/callbacks", disp.access, map[string]any{"courier_id": courier.userID, "complaint_id": bare.ComplaintID,
			"waybill": wb, "reason": "x"}).decode(t, 201, nil)
	})
}
