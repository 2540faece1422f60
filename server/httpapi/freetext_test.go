package httpapi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// What a customer's name, phone, ID number and address look like when a
// dispatcher or a courier types them into free text.
const (
	leakName    = "欧阳娜娜"
	leakPhone   = "13987651234"
	leakID      = "11010519491231002X"
	leakAddress = "建国路88号5号楼1203室"
	leakText    = "客户欧阳娜娜（电话139-8765-1234，身份证11010519491231002X）住北京市朝阳区建国路88号5号楼1203室，说快递员态度差"
)

// leaks lists the personal data of leakText still readable in s.
func leaks(s string) []string {
	var found []string
	flat := strings.NewReplacer("-", "", " ", "").Replace(s)
	for _, v := range []string{leakName, leakPhone, leakID, leakAddress} {
		if strings.Contains(flat, v) {
			found = append(found, v)
		}
	}
	return found
}

// Free text reached the accused courier's handheld unmasked and
// unaudited, reassignment notices repeated the callback reason, and
// free text was stored in the clear (issue 8, item 11).
func TestFreeTextIsSealedAtRestMaskedInViewsAndRevealedOnlyAudited(t *testing.T) {
	h := newHarness(t)
	courier, other := h.courier(t, "ft-courier"), h.courier(t, "ft-other")
	disp := h.user(t, "ft-disp", syncproto.RoleDispatcher)
	sup := h.user(t, "ft-sup", syncproto.RoleSupervisor)
	customer := map[string]any{"name": leakName, "phone": leakPhone}

	var cp server.Complaint
	h.do(t, "POST", "/v1/complaints", disp.access, map[string]any{"category": "attitude", "description": leakText,
		"channel": "phone", "customer": customer, "courier_id": courier.userID,
		"received_at": h.clock.Now().Format(time.RFC3339)}).decode(t, 201, &cp)
	h.do(t, "POST", "/v1/complaints/"+cp.ComplaintID+"/transition", disp.access,
		map[string]any{"to": "verified", "note": "回电" + leakPhone + "核实"}).decode(t, 200, &cp)
	var task server.CallbackTask
	h.do(t, "POST", "/v1/callbacks", disp.access, map[string]any{"courier_id": courier.userID, "waybill": waybill(),
		"reason": leakText, "customer": customer, "complaint_id": cp.ComplaintID}).decode(t, 201, &task)
	dmg := with(damageReport(waybill()), "description", "收件人电话"+leakPhone+"，箱子压坏")
	applied(t, courier.pushOK(t, courier.op("damage_report", dmg))[0])

	t.Run("the courier's feed carries the description and reason masked", func(t *testing.T) {
		pr := h.pull(t, courier.access, "")
		raw, _ := json.Marshal(pr)
		if l := leaks(string(raw)); len(l) > 0 {
			t.Fatalf("the courier's feed shows %q: %s", l, raw)
		}
		if !bytes.Contains(raw, []byte("态度差")) {
			t.Fatalf("the masked description lost what the complaint is about: %s", raw)
		}
	})
	t.Run("a reassignment notice carries no reason", func(t *testing.T) {
		h.do(t, "PATCH", "/v1/callbacks/"+task.TaskID, disp.access, map[string]any{"version": task.Version,
			"courier_id": other.userID}).decode(t, 200, &task)
		pr := h.pull(t, courier.access, "")
		removals := 0
		for _, ch := range pr.Changes {
			var data map[string]any
			if err := json.Unmarshal(ch.Data, &data); err != nil {
				t.Fatal(err)
			}
			if data["removed_reason"] == "reassigned" {
				removals++
				if data["reason"] != "" {
					t.Fatalf("the removal repeats the reason: %s", ch.Data)
				}
			}
		}
		if removals != 1 {
			t.Fatalf("%d removals in the old assignee's feed, want 1", removals)
		}
		raw, _ := json.Marshal(h.pull(t, other.access, ""))
		if l := leaks(string(raw)); len(l) > 0 {
			t.Fatalf("the new assignee's feed shows %q", l)
		}
	})
	t.Run("dispatcher views show free text masked", func(t *testing.T) {
		for _, path := range []string{"/v1/complaints/" + cp.ComplaintID, "/v1/complaints", "/v1/callbacks/" + task.TaskID,
			"/v1/callbacks", "/v1/damage-reports"} {
			r := h.do(t, "GET", path, disp.access, nil)
			if l := leaks(string(r.body)); r.status != 200 || len(l) > 0 {
				t.Fatalf("GET %s: %d, shows %q", path, r.status, l)
			}
		}
	})
	t.Run("the full text is read through an audited reveal", func(t *testing.T) {
		var ft server.FreeText
		h.do(t, "POST", "/v1/complaints/"+cp.ComplaintID+"/text", disp.access, nil).decode(t, 200, &ft)
		if ft.Text != leakText || len(ft.Notes) != 1 || !strings.Contains(ft.Notes[0].Note, leakPhone) {
			t.Fatalf("complaint text %+v, want the description and the note as typed", ft)
		}
		h.do(t, "POST", "/v1/callbacks/"+task.TaskID+"/text", disp.access, nil).decode(t, 200, &ft)
		if ft.Text != leakText {
			t.Fatalf("callback text %+v, want the reason as typed", ft)
		}
		h.do(t, "POST", "/v1/damage-reports/dr-1/text", disp.access, nil).decode(t, 200, &ft)
		if !strings.Contains(ft.Text, leakPhone) {
			t.Fatalf("damage text %+v, want the description as typed", ft)
		}
		h.do(t, "POST", "/v1/complaints/cp-999/text", disp.access, nil).decode(t, 404, nil)
		h.do(t, "POST", "/v1/complaints/"+cp.ComplaintID+"/text", courier.access, nil).decode(t, 403, nil)
		var events server.EventList
		h.do(t, "GET", "/v1/audit/events?action=text.reveal", sup.access, nil).decode(t, 200, &events)
		if len(events.Events) != 3 || events.Events[0].Actor != disp.userID || events.Events[0].Object != cp.ComplaintID {
			t.Fatalf("text.reveal events %+v, want one per reveal by the dispatcher", events.Events)
		}
		raw, _ := json.Marshal(events)
		if l := leaks(string(raw)); len(l) > 0 {
			t.Fatalf("the audit trail shows %q", l)
		}
	})
	t.Run("the retention purge erases the sealed text", func(t *testing.T) {
		h.createUser(t, "ft-admin", syncproto.RoleAdmin)
		h.clock.Advance(200 * 24 * time.Hour)
		admin, disp := h.login(t, "ft-admin", "dev-ft-admin"), h.login(t, "ft-disp", "dev-ft-disp")
		h.do(t, "POST", "/v1/admin/purge", admin.access, nil).decode(t, 200, nil)
		for _, path := range []string{"/v1/complaints/" + cp.ComplaintID + "/text", "/v1/callbacks/" + task.TaskID + "/text", "/v1/damage-reports/dr-1/text"} {
			var ft server.FreeText
			h.do(t, "POST", path, disp.access, nil).decode(t, 200, &ft)
			for _, n := range ft.Notes {
				if n.Note != "" {
					t.Errorf("POST %s after the purge: note %q kept", path, n.Note)
				}
			}
			if ft.Text != "" {
				t.Errorf("POST %s after the purge: text %q kept", path, ft.Text)
			}
		}
	})
	t.Run("the store file holds none of it in the clear", func(t *testing.T) {
		if err := h.st.Shutdown(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(h.path)
		if err != nil {
			t.Fatal(err)
		}
		// Feeds keep the masked text (as they keep masked contacts); the
		// full text is sealed.
		for _, v := range []string{leakPhone, leakID, leakAddress, leakName, "箱子压坏"} {
			if bytes.Contains(raw, []byte(v)) {
				t.Errorf("the bbolt file holds %q in the clear", v)
			}
		}
		h.open(t)
	})
}
