package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// callbackBehaviours cover server.CallbackService.
var callbackBehaviours = []behaviour{
	{"a created task reaches its courier's feed masked", callbackCreated},
	{"bad requests are refused and leave no task", callbackRefusals},
	{"outcomes keep the task open until resolved; another courier's is not_assigned", callbackOutcomes},
	{"an outcome for a task cancelled while offline is kept and flagged for review", callbackCancelledOffline},
	{"reassigning moves the task between feeds with a removal notice", callbackReassign},
	{"lists filter by status, courier, due time and overdue, page by page", callbackLists},
	{"the contact is revealed only to the assigned courier while open, rate limited and audited", callbackReveal},
}

// taskChange is a callback_task change as a device decodes it.
type taskChange struct {
	syncproto.CallbackTask
	RemovedReason string `json:"removed_reason"`
}

func (w *world) patch(id string, p server.CallbackPatch) (*server.CallbackTask, error) {
	return w.s.Callbacks.UpdateCallback(w.ctx, w.disp, id, &p)
}

func (w *world) task(id string) *server.CallbackTask {
	w.t.Helper()
	task, err := w.s.Callbacks.Callback(w.ctx, id)
	if err != nil {
		w.t.Fatalf("Callback(%s): %v", id, err)
	}
	return task
}

func callbackCreated(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	task := w.callback(a.p.UserID, "SF1000000001")
	if task.TaskID == "" || task.Status != syncproto.TaskOpen || task.Version != 1 || task.Flags == nil || len(task.Outcomes) != 0 || task.CourierID != a.p.UserID {
		t.Fatalf("view %+v", task)
	}
	if task.Contact != (syncproto.Contact{NameMasked: "张*", PhoneMasked: maskedPhone}) {
		t.Fatalf("contact %+v, want masked", task.Contact)
	}
	if want := w.now().Add(server.DefaultSettings().CallbackDue); !task.DueBy.Equal(want) {
		t.Fatalf("due_by %v, want now + CallbackDue = %v", task.DueBy, want)
	}
	feed := changesOf[taskChange](w, a.p, syncproto.ChangeCallbackTask)
	if len(feed) != 1 || feed[0].TaskID != task.TaskID || feed[0].Status != syncproto.TaskOpen || feed[0].Contact != task.Contact || feed[0].Version != 1 {
		t.Fatalf("alice's feed %+v", feed)
	}
	if n := len(changesOf[taskChange](w, b.p, syncproto.ChangeCallbackTask)); n != 0 {
		t.Fatal("bob's feed got alice's task")
	}
	for _, ch := range w.pull(a.p) {
		if strings.Contains(string(ch.Data), custPhone) || strings.Contains(string(ch.Data), custName) {
			t.Fatalf("feed change carries the contact: %s", ch.Data)
		}
	}
	if got := w.task(task.TaskID); got.TaskID != task.TaskID || got.Version != 1 {
		t.Fatalf("Callback = %+v", got)
	}
	_, err := w.s.Callbacks.Callback(w.ctx, "cb-999999")
	wantCode(t, err, syncproto.CodeNotFound)
}

func callbackRefusals(t *testing.T, w *world) {
	a := w.courier("alice")
	ok := func() server.NewCallback {
		return server.NewCallback{CourierID: a.p.UserID, Waybill: "SF1000000001", Reason: "call back", Customer: syncproto.Customer{Name: custName, Phone: custPhone}}
	}
	cases := []struct {
		name   string
		change func(*server.NewCallback)
		code   syncproto.Code
	}{
		{"a malformed waybill", func(r *server.NewCallback) { r.Waybill = "SF 1" }, syncproto.CodeInvalidRequest},
		{"a missing reason", func(r *server.NewCallback) { r.Reason = " " }, syncproto.CodeInvalidRequest},
		{"a phone with letters", func(r *server.NewCallback) { r.Customer.Phone = "call me" }, syncproto.CodeInvalidRequest},
		{"a due_by without offset", func(r *server.NewCallback) { r.DueBy = "2026-03-03T09:00:00" }, syncproto.CodeInvalidRequest},
		{"a dispatcher as courier", func(r *server.NewCallback) { r.CourierID = w.disp.UserID }, syncproto.CodeUnprocessable},
		{"an unknown courier", func(r *server.NewCallback) { r.CourierID = "u999" }, syncproto.CodeUnprocessable},
		{"an unknown complaint", func(r *server.NewCallback) { r.ComplaintID = "cp-42"; r.Customer = syncproto.Customer{} }, syncproto.CodeUnprocessable},
		{"a due_by in the past", func(r *server.NewCallback) { r.DueBy = w.now().Add(-time.Hour).Format(time.RFC3339) }, syncproto.CodeUnprocessable},
	}
	for _, c := range cases {
		req := ok()
		c.change(&req)
		_, err := w.s.Callbacks.CreateCallback(w.ctx, w.disp, &req)
		var pe *syncproto.Error
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Fatalf("%s: got %v, want %s", c.name, err, c.code)
		}
		if strings.Contains(pe.Message, custPhone) || strings.Contains(pe.Message, custName) {
			t.Fatalf("%s: the error message carries personal data: %s", c.name, pe.Message)
		}
	}
	if page, err := w.s.Callbacks.ListCallbacks(w.ctx, server.CallbackFilter{Limit: 10}); err != nil || len(page.Callbacks) != 0 {
		t.Fatalf("refused requests left tasks: %+v, %v", page, err)
	}
}

func callbackOutcomes(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	task := w.callback(a.p.UserID, "SF1000000001")
	a.apply(syncproto.KindCallbackOutcome, outcomePayload(task.TaskID, syncproto.ResultNoAnswer, false))
	if v := w.task(task.TaskID); v.Status != syncproto.TaskOpen || len(v.Outcomes) != 1 || v.Outcomes[0].Result != syncproto.ResultNoAnswer {
		t.Fatalf("after an unresolved outcome %+v", v)
	}
	if got := outcome(b.send(b.op(syncproto.KindCallbackOutcome, w.now(), outcomePayload(task.TaskID, syncproto.ResultReached, true)))[0]); got != "rejected:not_assigned" {
		t.Fatalf("another courier's outcome: %s", got)
	}
	w.clock.Advance(time.Hour)
	a.apply(syncproto.KindCallbackOutcome, outcomePayload(task.TaskID, syncproto.ResultReached, true))
	v := w.task(task.TaskID)
	if v.Status != syncproto.TaskDone || len(v.Outcomes) != 2 || v.Outcomes[1].Satisfaction == nil || *v.Outcomes[1].Satisfaction != 5 || v.ClosedAt == nil {
		t.Fatalf("after the resolving outcome %+v", v)
	}
	feed := changesOf[taskChange](w, a.p, syncproto.ChangeCallbackTask)
	if last := feed[len(feed)-1]; last.Status != syncproto.TaskDone {
		t.Fatalf("the courier's feed ends with %+v, want the task done", last)
	}
	_, err := w.patch(task.TaskID, server.CallbackPatch{Version: ptr(v.Version), Status: syncproto.TaskCancelled})
	wantCode(t, err, syncproto.CodeConflict)
}

func callbackCancelledOffline(t *testing.T, w *world) {
	a := w.courier("alice")
	task := w.callback(a.p.UserID, "SF1000000001")
	cancelled, err := w.patch(task.TaskID, server.CallbackPatch{Version: ptr(task.Version), Status: syncproto.TaskCancelled})
	if err != nil || cancelled.Status != syncproto.TaskCancelled || cancelled.Version != task.Version+1 {
		t.Fatalf("cancel: %+v, %v", cancelled, err)
	}
	r := a.apply(syncproto.KindCallbackOutcome, outcomePayload(task.TaskID, syncproto.ResultReached, true))
	if !contains(r.Flags, server.FlagReviewNeeded) {
		t.Fatalf("outcome %+v, want flagged review_needed", r)
	}
	v := w.task(task.TaskID)
	if v.Status != syncproto.TaskCancelled || !contains(v.Flags, server.FlagReviewNeeded) || len(v.Outcomes) != 1 {
		t.Fatalf("task after the late outcome %+v", v)
	}
	l, err := w.s.Callbacks.ListCallbacks(w.ctx, server.CallbackFilter{Review: true, Limit: 10})
	if err != nil || len(l.Callbacks) != 1 || l.Callbacks[0].TaskID != task.TaskID {
		t.Fatalf("review list %+v, %v", l, err)
	}
	rv, err := w.patch(task.TaskID, server.CallbackPatch{Version: ptr(v.Version), Reviewed: true})
	if err != nil || contains(rv.Flags, server.FlagReviewNeeded) || rv.Status != syncproto.TaskCancelled {
		t.Fatalf("review: %+v, %v", rv, err)
	}
	_, err = w.patch(task.TaskID, server.CallbackPatch{Version: ptr(rv.Version), Status: syncproto.TaskCancelled})
	wantCode(t, err, syncproto.CodeConflict)
	if n := len(w.events(server.ActionCallbackCancel)); n != 1 {
		t.Fatalf("%d cancel events, want 1", n)
	}
}

func callbackReassign(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	task := w.callback(a.p.UserID, "SF1000000001")
	_, err := w.patch(task.TaskID, server.CallbackPatch{Version: ptr(task.Version + 1), CourierID: b.p.UserID})
	wantCode(t, err, syncproto.CodeConflict)
	if v := w.task(task.TaskID); v.CourierID != a.p.UserID || v.Version != task.Version {
		t.Fatalf("a stale version changed the task: %+v", v)
	}
	_, err = w.patch(task.TaskID, server.CallbackPatch{Version: ptr(task.Version), CourierID: w.disp.UserID})
	wantCode(t, err, syncproto.CodeUnprocessable)
	_, err = w.patch("cb-999999", server.CallbackPatch{Version: ptr(int64(1)), Status: syncproto.TaskCancelled})
	wantCode(t, err, syncproto.CodeNotFound)
	v, err := w.patch(task.TaskID, server.CallbackPatch{Version: ptr(task.Version), CourierID: b.p.UserID})
	if err != nil || v.CourierID != b.p.UserID || v.Version != 2 || v.Status != syncproto.TaskOpen {
		t.Fatalf("reassign: %+v, %v", v, err)
	}
	af := changesOf[taskChange](w, a.p, syncproto.ChangeCallbackTask)
	if last := af[len(af)-1]; last.Status != syncproto.TaskCancelled || last.RemovedReason != syncproto.RemovedReassigned || last.Version != 2 {
		t.Fatalf("alice's feed ends with %+v, want the removal notice", last)
	}
	bf := changesOf[taskChange](w, b.p, syncproto.ChangeCallbackTask)
	if len(bf) != 1 || bf[0].Status != syncproto.TaskOpen || bf[0].Version != 2 || bf[0].Contact.PhoneMasked != maskedPhone {
		t.Fatalf("bob's feed %+v", bf)
	}
	r := a.apply(syncproto.KindCallbackOutcome, outcomePayload(task.TaskID, syncproto.ResultReached, true))
	if !contains(r.Flags, server.FlagReviewNeeded) {
		t.Fatalf("alice's outcome from while she was offline: %+v, want kept and flagged", r)
	}
	if v := w.task(task.TaskID); v.Status != syncproto.TaskOpen || v.CourierID != b.p.UserID {
		t.Fatalf("a late outcome of the old courier closed the task: %+v", v)
	}
	r = b.apply(syncproto.KindCallbackOutcome, outcomePayload(task.TaskID, syncproto.ResultReached, true))
	if len(r.Flags) != 0 || w.task(task.TaskID).Status != syncproto.TaskDone {
		t.Fatalf("bob's outcome %+v", r)
	}
}

func callbackLists(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	ta := w.callback(a.p.UserID, "SF1000000001")
	w.clock.Advance(time.Hour)
	tb := w.callback(b.p.UserID, "SF1000000002")
	w.clock.Advance(server.DefaultSettings().CallbackDue - 30*time.Minute) // ta is overdue, tb not yet
	list := func(f server.CallbackFilter) string {
		t.Helper()
		f.Limit = 100
		page, err := w.s.Callbacks.ListCallbacks(w.ctx, f)
		if err != nil {
			t.Fatalf("ListCallbacks(%+v): %v", f, err)
		}
		var ids []string
		for _, c := range page.Callbacks {
			ids = append(ids, c.TaskID)
		}
		return fmt.Sprint(ids)
	}
	for _, c := range []struct {
		name string
		f    server.CallbackFilter
		want []string
	}{
		{"everything, in creation order", server.CallbackFilter{}, []string{ta.TaskID, tb.TaskID}},
		{"overdue", server.CallbackFilter{Overdue: true}, []string{ta.TaskID}},
		{"one courier's", server.CallbackFilter{CourierID: b.p.UserID}, []string{tb.TaskID}},
		{"due before", server.CallbackFilter{DueBefore: ta.DueBy.Add(time.Minute)}, []string{ta.TaskID}},
		{"one waybill's", server.CallbackFilter{Waybill: "SF1000000002"}, []string{tb.TaskID}},
		{"status done", server.CallbackFilter{Status: syncproto.TaskDone}, nil},
	} {
		if got := list(c.f); got != fmt.Sprint(c.want) {
			t.Fatalf("%s: got %s, want %v", c.name, got, c.want)
		}
	}
	if v := w.task(ta.TaskID); !v.Overdue {
		t.Fatalf("the view does not say overdue: %+v", v)
	}
	a.apply(syncproto.KindCallbackOutcome, outcomePayload(ta.TaskID, syncproto.ResultReached, true))
	if got := list(server.CallbackFilter{Overdue: true}); got != "[]" {
		t.Fatalf("a resolved task is still overdue: %s", got)
	}
	p1, err := w.s.Callbacks.ListCallbacks(w.ctx, server.CallbackFilter{Limit: 1})
	if err != nil || len(p1.Callbacks) != 1 || !p1.HasMore {
		t.Fatalf("page 1 %+v, %v", p1, err)
	}
	p2, err := w.s.Callbacks.ListCallbacks(w.ctx, server.CallbackFilter{Limit: 1, Cursor: p1.Cursor})
	if err != nil || len(p2.Callbacks) != 1 || p2.Callbacks[0].TaskID != tb.TaskID || p2.HasMore {
		t.Fatalf("page 2 %+v, %v", p2, err)
	}
	_, err = w.s.Callbacks.ListCallbacks(w.ctx, server.CallbackFilter{Cursor: "%%bad%%", Limit: 1})
	wantCode(t, err, syncproto.CodeInvalidRequest)
}

func callbackReveal(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	task := w.callback(a.p.UserID, "SF1000000001")
	got, err := w.s.Callbacks.RevealContact(w.ctx, a.p, task.TaskID)
	if err != nil || got.Phone != custPhone || got.Name != custName || !got.ExpiresAt.Equal(w.now().Add(server.DefaultSettings().RevealTTL)) {
		t.Fatalf("reveal: %+v, %v", got, err)
	}
	for _, c := range []struct {
		name string
		p    server.Principal
		id   string
		want error
	}{
		{"another courier", b.p, task.TaskID, server.ErrNotFound},
		{"a dispatcher", w.disp, task.TaskID, server.ErrForbidden},
		{"an unknown task", a.p, "cb-999999", server.ErrNotFound},
	} {
		if _, err := w.s.Callbacks.RevealContact(w.ctx, c.p, c.id); !errors.Is(err, c.want) {
			t.Fatalf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	limit := server.DefaultSettings().RevealsPerHour
	for i := 1; i < limit; i++ {
		if _, err := w.s.Callbacks.RevealContact(w.ctx, a.p, task.TaskID); err != nil {
			t.Fatalf("reveal %d of %d: %v", i+1, limit, err)
		}
	}
	w.clock.Advance(10 * time.Minute)
	_, err = w.s.Callbacks.RevealContact(w.ctx, a.p, task.TaskID)
	var ra *server.RetryAfterError
	if !errors.As(err, &ra) || ra.Err.Code != syncproto.CodeRateLimited || ra.After != 50*time.Minute {
		t.Fatalf("over the hourly limit: %v, want rate_limited with 50m to wait", err)
	}
	w.clock.Advance(50 * time.Minute)
	if _, err := w.s.Callbacks.RevealContact(w.ctx, a.p, task.TaskID); err != nil {
		t.Fatalf("after the hour: %v", err)
	}
	evs := w.events(server.ActionContactReveal)
	if len(evs) != limit+1 {
		t.Fatalf("%d reveal events, want %d", len(evs), limit+1)
	}
	for _, e := range evs {
		raw, _ := json.Marshal(e)
		if e.Actor != a.p.UserID || e.DeviceID != a.p.DeviceID || e.IP != a.p.IP || e.Object != task.TaskID ||
			strings.Contains(string(raw), custPhone) || strings.Contains(string(raw), custName) {
			t.Fatalf("reveal event %s", raw)
		}
	}
	a.apply(syncproto.KindCallbackOutcome, outcomePayload(task.TaskID, syncproto.ResultReached, true))
	w.clock.Advance(2 * time.Hour)
	_, err = w.s.Callbacks.RevealContact(w.ctx, a.p, task.TaskID)
	wantCode(t, err, syncproto.CodeConflict)
}
