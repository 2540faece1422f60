package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func dsComplaintBody(received time.Time, channel string) map[string]any {
	return map[string]any{"category": "loss", "description": "parcel never arrived",
		"customer": map[string]any{"name": "Chen Jie", "phone": "13700001111"}, "received_at": received.In(shanghai).Format(time.RFC3339), "channel": channel}
}

func TestComplaintsOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "zhang")
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	now := h.clock.Now()
	applied(t, c.pushOK(t, c.op("complaint", complaint(now.Add(-6*24*time.Hour))))[0]) // cp-1: at risk
	var created json.RawMessage
	h.do(t, "POST", "/v1/complaints", disp.access, dsComplaintBody(now.Add(-8*24*time.Hour), "wechat")).decode(t, 201, &created) // cp-2: breached

	t.Run("the view has the protocol's fields and masks the customer", func(t *testing.T) {
		keys := dsKeys(t, created)
		for _, k := range []string{"complaint_id", "category", "status", "received_at", "due_by", "at_risk", "breached", "customer", "history", "exempted"} {
			if !strings.Contains(","+keys+",", ","+k+",") {
				t.Fatalf("view lacks %s: %s", k, created)
			}
		}
		if strings.Contains(string(created), "13700001111") || strings.Contains(string(created), "Chen Jie") ||
			!strings.Contains(string(created), `"customer":{"name_masked":"C****","phone_masked":"137****1111"}`) {
			t.Fatalf("customer not masked: %s", created)
		}
		if !strings.Contains(string(created), `"history":[]`) || !strings.Contains(string(created), `"breached":true`) {
			t.Fatalf("view = %s", created)
		}
	})
	t.Run("the list is one list sorted by deadline", func(t *testing.T) {
		var l server.ComplaintList
		h.do(t, "GET", "/v1/complaints", disp.access, nil).decode(t, 200, &l)
		if len(l.Complaints) != 2 || l.Complaints[0].ComplaintID != "cp-2" || l.Complaints[1].ComplaintID != "cp-1" || !l.Complaints[1].AtRisk {
			t.Fatalf("list = %s", show(l))
		}
		h.do(t, "GET", "/v1/complaints?overdue=true", disp.access, nil).decode(t, 200, &l)
		if len(l.Complaints) != 1 || l.Complaints[0].ComplaintID != "cp-2" {
			t.Fatalf("overdue = %s", show(l))
		}
	})
	t.Run("transitions go one step at a time; others are 409", func(t *testing.T) {
		h.do(t, "POST", "/v1/complaints/cp-1/transition", disp.access, map[string]any{"to": "handled", "note": "skip"}).wantError(t, 409, syncproto.CodeConflict)
		var v server.Complaint
		h.do(t, "POST", "/v1/complaints/cp-1/transition", disp.access, map[string]any{"to": "verified", "note": "called the customer", "exempt_courier": true}).decode(t, 200, &v)
		if v.Status != "verified" || !v.Exempted || len(v.History) != 1 || v.History[0].By != disp.userID || v.History[0].Note != "called the customer" {
			t.Fatalf("view = %s", show(v))
		}
		h.do(t, "POST", "/v1/complaints/cp-1/transition", disp.access, map[string]any{"to": "verified"}).wantError(t, 409, syncproto.CodeConflict)
		h.do(t, "POST", "/v1/complaints/cp-1/transition", disp.access, map[string]any{"to": "reopened"}).wantError(t, 400, syncproto.CodeInvalidRequest)
		h.do(t, "POST", "/v1/complaints/cp-9/transition", disp.access, map[string]any{"to": "verified"}).wantError(t, 404, syncproto.CodeNotFound)
		h.do(t, "GET", "/v1/complaints/cp-1", disp.access, nil).decode(t, 200, &v)
		if v.Status != "verified" {
			t.Fatalf("GET = %s", show(v))
		}
		h.do(t, "GET", "/v1/complaints/nope", disp.access, nil).wantError(t, 404, syncproto.CodeNotFound)
	})
	t.Run("bad requests are 400", func(t *testing.T) {
		for _, b := range []map[string]any{
			with(dsComplaintBody(now, "wechat"), "channel", "fax"),
			with(dsComplaintBody(now, "wechat"), "category", "rude"),
			with(dsComplaintBody(now, "wechat"), "received_at", "yesterday"),
			with(dsComplaintBody(now.Add(24*time.Hour), "wechat"), "x", nil),
			with(dsComplaintBody(now, "wechat"), "customer", map[string]any{"name": "", "phone": "1"}),
		} {
			h.do(t, "POST", "/v1/complaints", disp.access, b).wantError(t, 400, syncproto.CodeInvalidRequest)
		}
		h.do(t, "POST", "/v1/complaints", disp.access, with(dsComplaintBody(now, "web"), "courier_id", disp.userID)).wantError(t, 422, syncproto.CodeUnprocessable)
		h.do(t, "GET", "/v1/complaints?status=open", disp.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
}
