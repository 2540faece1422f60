package storetest

import (
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// auditBehaviours cover server.AuditService: the op listing.
var auditBehaviours = []behaviour{
	{"ops list in the order the server took them, page by page", opsListInOrder},
	{"the device filter keeps one device's ops", opsFilteredByDevice},
	{"a malformed op cursor is invalid", opsBadCursor},
}

// eventBehaviours cover server.EventLog: the audit trail.
var eventBehaviours = []behaviour{
	{"recorded events list oldest first, filtered by actor and action, page by page", eventsListInOrder},
	{"state changes write their own audit events", stateChangesAreAudited},
	{"a malformed event cursor is invalid", eventsBadCursor},
}

func opsListInOrder(t *testing.T, w *world) {
	c := w.courier("order")
	var want []string
	for i := 0; i < 7; i++ {
		o := c.op(syncproto.KindPickup, w.now(), pickup("SF7000000"+string(rune('1'+i)), 0))
		want = append(want, o.OpID)
		c.send(o)
	}
	var got []string
	cursor := ""
	for {
		page, err := w.s.Audit.ListOps(w.ctx, server.AuditFilter{Cursor: cursor, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Ops) > 3 {
			t.Fatalf("page of %d, limit 3", len(page.Ops))
		}
		for _, o := range page.Ops {
			got = append(got, o.OpID)
			if o.Kind != syncproto.KindPickup || o.Status != syncproto.StatusApplied || o.RecordedAt == "" {
				t.Fatalf("op %+v", o)
			}
		}
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("listed %v, want %v", got, want)
		}
	}
}

func opsFilteredByDevice(t *testing.T, w *world) {
	a, b := w.courier("dev-a"), w.courier("dev-b")
	a.apply(syncproto.KindPickup, pickup("SF71000001", 0))
	b.apply(syncproto.KindPickup, pickup("SF71000002", 0))
	a.apply(syncproto.KindPickup, pickup("SF71000003", 0))
	l, err := w.s.Audit.ListOps(w.ctx, server.AuditFilter{DeviceID: a.p.DeviceID, Limit: 100})
	if err != nil || len(l.Ops) != 2 {
		t.Fatalf("a's ops = %+v, %v; want 2", l, err)
	}
	if l.Ops[0].Seq != 1 || l.Ops[1].Seq != 2 {
		t.Fatalf("a's ops %+v, want seqs 1 and 2", l.Ops)
	}
}

func opsBadCursor(t *testing.T, w *world) {
	_, err := w.s.Audit.ListOps(w.ctx, server.AuditFilter{Cursor: "%%bad%%", Limit: 10})
	wantCode(t, err, syncproto.CodeInvalidRequest)
}

func eventsListInOrder(t *testing.T, w *world) {
	for i := 0; i < 5; i++ {
		e := server.NewEvent(w.disp, "test.read", "obj-"+string(rune('a'+i)), w.now())
		if i%2 == 1 {
			e = server.NewEvent(w.sup, "test.read", "obj-"+string(rune('a'+i)), w.now())
		}
		if err := w.s.Events.RecordEvent(w.ctx, e); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(1)
	}
	var objs []string
	cursor := ""
	for {
		page, err := w.s.Events.ListEvents(w.ctx, server.EventFilter{Action: "test.read", Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			objs = append(objs, e.Object)
		}
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	if got := strings.Join(objs, " "); got != "obj-a obj-b obj-c obj-d obj-e" {
		t.Fatalf("events %s, want oldest first", got)
	}
	l, err := w.s.Events.ListEvents(w.ctx, server.EventFilter{Actor: w.sup.UserID, Action: "test.read", Limit: 10})
	if err != nil || len(l.Events) != 2 || l.Events[0].Object != "obj-b" || l.Events[0].Actor != w.sup.UserID ||
		l.Events[0].Role != syncproto.RoleSupervisor || l.Events[0].DeviceID != w.sup.DeviceID || l.Events[0].IP != w.sup.IP {
		t.Fatalf("the supervisor's events = %+v, %v", l, err)
	}
}

func stateChangesAreAudited(t *testing.T, w *world) {
	c := w.courier("audited")
	task := w.callback(c.p.UserID, "SF72000001")
	cp := w.complaint("", w.now())
	if _, err := w.s.Complaints.TransitionComplaint(w.ctx, w.disp, cp.ComplaintID, &server.ComplaintTransition{To: syncproto.ComplaintVerified, Note: "checked"}); err != nil {
		t.Fatal(err)
	}
	for action, object := range map[string]string{server.ActionCallbackCreate: task.TaskID, server.ActionComplaintCreate: cp.ComplaintID,
		server.ActionComplaintTransition: cp.ComplaintID} {
		ev := w.events(action)
		if len(ev) != 1 || ev[0].Object != object || ev[0].Actor != w.disp.UserID {
			t.Fatalf("%s events = %+v, want one by the dispatcher on %s", action, ev, object)
		}
	}
}

func eventsBadCursor(t *testing.T, w *world) {
	_, err := w.s.Events.ListEvents(w.ctx, server.EventFilter{Cursor: "%%bad%%", Limit: 10})
	wantCode(t, err, syncproto.CodeInvalidRequest)
}
