package bolt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The customer of every test task. Tests search the file, feeds, views and
// events for these.
const (
	custName  = "张伟"
	custPhone = "13812345678"
)

// testClock is a server.Clock the tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// cbWorld is a store with a clock, a dispatcher and two couriers.
type cbWorld struct {
	db       *bolt.DB
	clock    *testClock
	disp     server.Principal
	alice    server.Principal
	bob      server.Principal
	settings server.Settings
}

func newWorld(t *testing.T, tweak ...func(*server.Settings)) *cbWorld {
	t.Helper()
	w := &cbWorld{clock: &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}, settings: server.DefaultSettings()}
	for _, f := range tweak {
		f(&w.settings)
	}
	w.db = openDB(t, bolt.Options{Clock: w.clock.Now, Settings: w.settings})
	w.disp = account(t, w.db, "disp", syncproto.RoleDispatcher, "console")
	w.alice = courier(t, w.db, "alice", "pda-a")
	w.bob = courier(t, w.db, "bob", "pda-b")
	return w
}

func account(t *testing.T, db *bolt.DB, name, role, device string) server.Principal {
	t.Helper()
	u := &server.User{Username: name, Role: role, PasswordHash: "x"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return server.Principal{UserID: u.ID, Role: role, DeviceID: device, IP: "192.0.2.7"}
}

func (w *cbWorld) create(t *testing.T, courierID, waybill string) *server.CallbackTask {
	t.Helper()
	task, err := w.db.CreateCallback(context.Background(), w.disp, &server.NewCallback{CourierID: courierID, Waybill: waybill,
		Reason: "customer asked for a call", Customer: syncproto.Customer{Name: custName, Phone: custPhone}})
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func (w *cbWorld) patch(t *testing.T, id string, p server.CallbackPatch) (*server.CallbackTask, error) {
	t.Helper()
	return w.db.UpdateCallback(context.Background(), w.disp, id, &p)
}

func (w *cbWorld) get(t *testing.T, id string) *server.CallbackTask {
	t.Helper()
	task, err := w.db.Callback(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// feedChange is a callback_task change as a device decodes it.
type feedChange = syncproto.CallbackTask

// taskFeed returns the callback_task changes of a courier's feed.
func taskFeed(t *testing.T, db *bolt.DB, p server.Principal) []feedChange {
	t.Helper()
	page, err := db.Pull(context.Background(), p, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []feedChange
	for _, ch := range page.Changes {
		if ch.Type != syncproto.ChangeCallbackTask {
			continue
		}
		var fc feedChange
		if err := json.Unmarshal(ch.Data, &fc); err != nil {
			t.Fatal(err)
		}
		out = append(out, fc)
	}
	return out
}

func outcome(seq int64, at time.Time, taskID, result string, resolved bool) syncproto.Op {
	p := map[string]any{"task_id": taskID, "result": result, "resolved": resolved, "note": "called"}
	if result == syncproto.ResultReached {
		p["satisfaction"] = 5
	}
	return op(syncproto.KindCallbackOutcome, seq, at, p)
}

func ptr[T any](v T) *T { return &v }

func codeIs(err error, code syncproto.Code) bool {
	var pe *syncproto.Error
	return errors.As(err, &pe) && pe.Code == code
}

func TestCreatedTaskReachesTheCourierMaskedAndIsSealedAtRest(t *testing.T) {
	w := newWorld(t)
	task := w.create(t, w.alice.UserID, "SF1000000001")
	if task.TaskID != "cb-1" || task.Status != server.TaskOpen || task.Version != 1 || task.Flags == nil || len(task.Outcomes) != 0 {
		t.Fatalf("view %+v", task)
	}
	if task.Contact != (syncproto.Contact{NameMasked: "张*", PhoneMasked: "138****5678"}) {
		t.Fatalf("contact %+v, want masked", task.Contact)
	}
	if want := w.clock.Now().Add(w.settings.CallbackDue); !task.DueBy.Equal(want) {
		t.Fatalf("due_by %v, want now + CallbackDue = %v", task.DueBy, want)
	}
	feed := taskFeed(t, w.db, w.alice)
	if len(feed) != 1 || feed[0].TaskID != task.TaskID || feed[0].Status != server.TaskOpen || feed[0].Contact != task.Contact || feed[0].Version != 1 {
		t.Fatalf("alice's feed %+v", feed)
	}
	if len(taskFeed(t, w.db, w.bob)) != 0 {
		t.Fatal("bob's feed got alice's task")
	}
	for k, v := range w.db.BucketCopy("callback_tasks") {
		if containsBytes(v, custPhone) || containsBytes(v, custName) {
			t.Fatalf("task %s stored with the customer's contact in plain text", k)
		}
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	w := newWorld(t)
	ok := func() server.NewCallback {
		return server.NewCallback{CourierID: w.alice.UserID, Waybill: "SF1000000001", Reason: "call back",
			Customer: syncproto.Customer{Name: custName, Phone: custPhone}}
	}
	cases := []struct {
		name   string
		change func(*server.NewCallback)
		code   syncproto.Code
	}{
		{"a malformed waybill is invalid", func(r *server.NewCallback) { r.Waybill = "SF 1" }, syncproto.CodeInvalidRequest},
		{"a missing reason is invalid", func(r *server.NewCallback) { r.Reason = " " }, syncproto.CodeInvalidRequest},
		{"a missing customer name is invalid", func(r *server.NewCallback) { r.Customer.Name = "" }, syncproto.CodeInvalidRequest},
		{"a phone with letters is invalid", func(r *server.NewCallback) { r.Customer.Phone = "call me" }, syncproto.CodeInvalidRequest},
		{"a due_by without offset is invalid", func(r *server.NewCallback) { r.DueBy = "2026-11-28T09:00:00" }, syncproto.CodeInvalidRequest},
		{"a dispatcher as courier is unprocessable", func(r *server.NewCallback) { r.CourierID = w.disp.UserID }, syncproto.CodeUnprocessable},
		{"an unknown courier is unprocessable", func(r *server.NewCallback) { r.CourierID = "u999" }, syncproto.CodeUnprocessable},
		{"an unknown complaint is unprocessable", func(r *server.NewCallback) { r.ComplaintID = "cp-42" }, syncproto.CodeUnprocessable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := ok()
			c.change(&req)
			_, err := w.db.CreateCallback(context.Background(), w.disp, &req)
			if !codeIs(err, c.code) {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			if pe := new(syncproto.Error); errors.As(err, &pe) && (containsBytes([]byte(pe.Message), custPhone) || containsBytes([]byte(pe.Message), custName)) {
				t.Fatalf("error message carries personal data: %s", pe.Message)
			}
		})
	}
	if page, _ := w.db.ListCallbacks(context.Background(), server.CallbackFilter{Limit: 10}); len(page.Callbacks) != 0 {
		t.Fatalf("refused requests left %d tasks", len(page.Callbacks))
	}
}

func TestTaskFromAComplaintIsLinkedToIt(t *testing.T) {
	w := newWorld(t)
	res := push(t, w.db, w.alice, op(syncproto.KindComplaint, 1, w.clock.Now(), map[string]any{"category": "delay",
		"description": "late", "customer": map[string]any{"name": custName, "phone": custPhone}, "received_at": w.clock.Now().Format(time.RFC3339)}))
	if res[0].Ref != "cp-1" {
		t.Fatalf("complaint op: %+v", res[0])
	}
	due := w.clock.Now().Add(2 * time.Hour).In(time.FixedZone("CST", 8*3600))
	task, err := w.db.CreateCallback(context.Background(), w.disp, &server.NewCallback{CourierID: w.alice.UserID, Waybill: "SF1000000001",
		Reason: "complaint follow-up", Customer: syncproto.Customer{Name: custName, Phone: custPhone}, ComplaintID: "cp-1", DueBy: due.Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	if task.ComplaintID != "cp-1" || !task.DueBy.Equal(due) {
		t.Fatalf("view %+v", task)
	}
	if got := w.db.ComplaintCallbacks("cp-1"); len(got) != 1 || got[0] != task.TaskID {
		t.Fatalf("complaint_callbacks/cp-1 = %v", got)
	}
}

func TestOutcomesKeepTheTaskOpenUntilResolved(t *testing.T) {
	w := newWorld(t)
	task := w.create(t, w.alice.UserID, "SF1000000001")
	now := w.clock.Now()
	if r := push(t, w.db, w.alice, outcome(1, now, task.TaskID, syncproto.ResultNoAnswer, false))[0]; r.Status != syncproto.StatusApplied || len(r.Flags) != 0 {
		t.Fatalf("no-answer outcome: %+v", r)
	}
	v := w.get(t, task.TaskID)
	if v.Status != server.TaskOpen || len(v.Outcomes) != 1 || v.Outcomes[0].Result != syncproto.ResultNoAnswer || v.Version != 2 {
		t.Fatalf("after an unresolved attempt: %+v", v)
	}
	w.clock.Add(time.Hour)
	if r := push(t, w.db, w.alice, outcome(2, w.clock.Now(), task.TaskID, syncproto.ResultReached, true))[0]; r.Status != syncproto.StatusApplied {
		t.Fatalf("resolved outcome: %+v", r)
	}
	v = w.get(t, task.TaskID)
	if v.Status != server.TaskDone || len(v.Outcomes) != 2 || !v.Outcomes[1].Resolved || *v.Outcomes[1].Satisfaction != 5 || v.ClosedAt == nil {
		t.Fatalf("after the resolving attempt: %+v", v)
	}
	feed := taskFeed(t, w.db, w.alice)
	if last := feed[len(feed)-1]; last.Status != server.TaskDone || last.Version != v.Version {
		t.Fatalf("the courier's feed ends with %+v, want the done view", last)
	}
	t.Run("another courier's outcome is not_assigned", func(t *testing.T) {
		r := push(t, w.db, w.bob, outcome(1, now, task.TaskID, syncproto.ResultReached, true))[0]
		if codeOf(r) != "rejected:not_assigned" {
			t.Fatalf("got %s", codeOf(r))
		}
	})
}

func TestOutcomeForATaskCancelledWhileOfflineIsKeptAndFlagged(t *testing.T) {
	w := newWorld(t)
	task := w.create(t, w.alice.UserID, "SF1000000001")
	cancelled, err := w.patch(t, task.TaskID, server.CallbackPatch{Version: ptr(task.Version), Status: server.TaskCancelled})
	if err != nil || cancelled.Status != server.TaskCancelled {
		t.Fatalf("cancel: %v %+v", err, cancelled)
	}
	r := push(t, w.db, w.alice, outcome(1, w.clock.Now(), task.TaskID, syncproto.ResultReached, true))[0]
	if r.Status != syncproto.StatusApplied || !contains(r.Flags, server.FlagReviewNeeded) {
		t.Fatalf("outcome: %+v", r)
	}
	v := w.get(t, task.TaskID)
	if v.Status != server.TaskCancelled || !contains(v.Flags, server.FlagReviewNeeded) || len(v.Outcomes) != 1 || !contains(v.Outcomes[0].Flags, server.FlagReviewNeeded) {
		t.Fatalf("task after the late outcome: %+v", v)
	}
	list, err := w.db.ListCallbacks(context.Background(), server.CallbackFilter{Review: true, Limit: 10})
	if err != nil || len(list.Callbacks) != 1 || list.Callbacks[0].TaskID != task.TaskID {
		t.Fatalf("review list: %v %+v", err, list)
	}
	t.Run("a dispatcher clears the review", func(t *testing.T) {
		v, err := w.patch(t, task.TaskID, server.CallbackPatch{Version: ptr(v.Version), Reviewed: true})
		if err != nil || contains(v.Flags, server.FlagReviewNeeded) || v.Status != server.TaskCancelled {
			t.Fatalf("review: %v %+v", err, v)
		}
	})
	t.Run("a cancelled task cannot be cancelled again", func(t *testing.T) {
		cur := w.get(t, task.TaskID)
		if _, err := w.patch(t, task.TaskID, server.CallbackPatch{Version: ptr(cur.Version), Status: server.TaskCancelled}); !codeIs(err, syncproto.CodeConflict) {
			t.Fatalf("got %v, want conflict", err)
		}
	})
}

func TestReassignMovesTheTaskBetweenFeedsInOneChange(t *testing.T) {
	w := newWorld(t)
	task := w.create(t, w.alice.UserID, "SF1000000001")
	t.Run("a stale version is a conflict and changes nothing", func(t *testing.T) {
		if _, err := w.patch(t, task.TaskID, server.CallbackPatch{Version: ptr(task.Version + 1), CourierID: w.bob.UserID}); !codeIs(err, syncproto.CodeConflict) {
			t.Fatalf("got %v, want conflict", err)
		}
		if v := w.get(t, task.TaskID); v.CourierID != w.alice.UserID || v.Version != task.Version {
			t.Fatalf("task changed: %+v", v)
		}
	})
	t.Run("reassigning to a non-courier is unprocessable", func(t *testing.T) {
		if _, err := w.patch(t, task.TaskID, server.CallbackPatch{Version: ptr(task.Version), CourierID: w.disp.UserID}); !codeIs(err, syncproto.CodeUnprocessable) {
			t.Fatalf("got %v", err)
		}
	})
	v, err := w.patch(t, task.TaskID, server.CallbackPatch{Version: ptr(task.Version), CourierID: w.bob.UserID})
	if err != nil || v.CourierID != w.bob.UserID || v.Version != 2 || v.Status != server.TaskOpen {
		t.Fatalf("reassign: %v %+v", err, v)
	}
	af := taskFeed(t, w.db, w.alice)
	if last := af[len(af)-1]; last.Status != server.TaskCancelled || last.RemovedReason != server.RemovedReassigned || last.Version != 2 {
		t.Fatalf("alice's feed ends with %+v, want the removal", last)
	}
	bf := taskFeed(t, w.db, w.bob)
	if len(bf) != 1 || bf[0].Status != server.TaskOpen || bf[0].Version != 2 || bf[0].Contact.PhoneMasked != "138****5678" {
		t.Fatalf("bob's feed %+v", bf)
	}
	t.Run("alice's outcome from while she was offline is kept and flagged", func(t *testing.T) {
		r := push(t, w.db, w.alice, outcome(1, w.clock.Now(), task.TaskID, syncproto.ResultReached, true))[0]
		if r.Status != syncproto.StatusApplied || !contains(r.Flags, server.FlagReviewNeeded) {
			t.Fatalf("outcome: %+v", r)
		}
		v := w.get(t, task.TaskID)
		if v.Status != server.TaskOpen || v.CourierID != w.bob.UserID || !contains(v.Flags, server.FlagReviewNeeded) {
			t.Fatalf("task after alice's late outcome: %+v", v)
		}
	})
	t.Run("bob resolves it", func(t *testing.T) {
		r := push(t, w.db, w.bob, outcome(1, w.clock.Now(), task.TaskID, syncproto.ResultReached, true))[0]
		if r.Status != syncproto.StatusApplied || len(r.Flags) != 0 || w.get(t, task.TaskID).Status != server.TaskDone {
			t.Fatalf("bob's outcome: %+v", r)
		}
	})
}

func TestOverdueAndFilteredLists(t *testing.T) {
	w := newWorld(t)
	a := w.create(t, w.alice.UserID, "SF1000000001")
	w.clock.Add(time.Hour)
	b := w.create(t, w.bob.UserID, "SF1000000002")
	w.clock.Add(w.settings.CallbackDue - 30*time.Minute) // a is overdue, b not yet
	ctx := context.Background()
	list := func(f server.CallbackFilter) []string {
		t.Helper()
		f.Limit = 100
		page, err := w.db.ListCallbacks(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range page.Callbacks {
			ids = append(ids, c.TaskID)
		}
		return ids
	}
	cases := []struct {
		name string
		f    server.CallbackFilter
		want []string
	}{
		{"everything, in creation order", server.CallbackFilter{}, []string{a.TaskID, b.TaskID}},
		{"overdue lists the open task past its due time", server.CallbackFilter{Overdue: true}, []string{a.TaskID}},
		{"courier_id keeps that courier's tasks", server.CallbackFilter{CourierID: w.bob.UserID}, []string{b.TaskID}},
		{"due_before keeps tasks due earlier", server.CallbackFilter{DueBefore: a.DueBy.Add(time.Minute)}, []string{a.TaskID}},
		{"status done keeps none yet", server.CallbackFilter{Status: server.TaskDone}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := list(c.f); !equalStrings(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	if v := w.get(t, a.TaskID); !v.Overdue {
		t.Fatalf("task view does not say overdue: %+v", v)
	}
	t.Run("a resolved task is no longer overdue", func(t *testing.T) {
		push(t, w.db, w.alice, outcome(1, w.clock.Now(), a.TaskID, syncproto.ResultReached, true))
		if got := list(server.CallbackFilter{Overdue: true}); len(got) != 0 {
			t.Fatalf("overdue: %v", got)
		}
	})
	t.Run("pages follow the cursor", func(t *testing.T) {
		p1, err := w.db.ListCallbacks(ctx, server.CallbackFilter{Limit: 1})
		if err != nil || len(p1.Callbacks) != 1 || !p1.HasMore {
			t.Fatalf("page 1: %v %+v", err, p1)
		}
		p2, err := w.db.ListCallbacks(ctx, server.CallbackFilter{Limit: 1, Cursor: p1.Cursor})
		if err != nil || len(p2.Callbacks) != 1 || p2.Callbacks[0].TaskID != b.TaskID {
			t.Fatalf("page 2: %v %+v", err, p2)
		}
	})
}

func TestRevealOnlyToTheAssignedCourierWhileOpenRateLimitedAndAudited(t *testing.T) {
	w := newWorld(t, func(s *server.Settings) { s.RevealsPerHour = 3 })
	ctx := context.Background()
	task := w.create(t, w.alice.UserID, "SF1000000001")
	got, err := w.db.RevealContact(ctx, w.alice, task.TaskID)
	if err != nil || got.Phone != custPhone || got.Name != custName || !got.ExpiresAt.Equal(w.clock.Now().Add(w.settings.RevealTTL)) {
		t.Fatalf("reveal: %v %+v", err, got)
	}
	cases := []struct {
		name string
		p    server.Principal
		id   string
		want error
	}{
		{"another courier gets not_found", w.bob, task.TaskID, server.ErrNotFound},
		{"a dispatcher gets forbidden", w.disp, task.TaskID, server.ErrForbidden},
		{"an unknown task is not_found", w.alice, "cb-99", server.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := w.db.RevealContact(ctx, c.p, c.id); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	t.Run("over the hourly limit the courier waits", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			if _, err := w.db.RevealContact(ctx, w.alice, task.TaskID); err != nil {
				t.Fatal(err)
			}
		}
		w.clock.Add(10 * time.Minute)
		_, err := w.db.RevealContact(ctx, w.alice, task.TaskID)
		var ra *server.RetryAfterError
		if !errors.As(err, &ra) || ra.Err.Code != syncproto.CodeRateLimited || ra.After != 50*time.Minute {
			t.Fatalf("got %v, want rate_limited with 50m to wait", err)
		}
		w.clock.Add(50 * time.Minute)
		if _, err := w.db.RevealContact(ctx, w.alice, task.TaskID); err != nil {
			t.Fatalf("after the hour: %v", err)
		}
	})
	t.Run("every reveal is an audit event with actor, device and address, never the number", func(t *testing.T) {
		evs, err := w.db.ListEvents(ctx, server.EventFilter{Action: server.ActionContactReveal, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs.Events) != 4 {
			t.Fatalf("%d reveal events, want 4", len(evs.Events))
		}
		for _, e := range evs.Events {
			if e.Actor != w.alice.UserID || e.Role != syncproto.RoleCourier || e.DeviceID != w.alice.DeviceID || e.IP != w.alice.IP || e.Object != task.TaskID {
				t.Fatalf("event %+v", e)
			}
			raw, _ := json.Marshal(e)
			if containsBytes(raw, custPhone) || containsBytes(raw, custName) {
				t.Fatalf("event carries the contact: %s", raw)
			}
		}
	})
	t.Run("once the task is done the number is no longer revealed", func(t *testing.T) {
		push(t, w.db, w.alice, outcome(1, w.clock.Now(), task.TaskID, syncproto.ResultReached, true))
		w.clock.Add(2 * time.Hour)
		if _, err := w.db.RevealContact(ctx, w.alice, task.TaskID); !codeIs(err, syncproto.CodeConflict) {
			t.Fatalf("got %v, want conflict", err)
		}
	})
}

func TestStoreFileHoldsNoCustomerPhoneInPlainText(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	phones := []string{custPhone, "13912345678", "021-5555-0101"}
	party := func(i int) map[string]any {
		return map[string]any{"name": "客户" + string(rune('A'+i)), "phone": phones[i], "address": "上海市浦东新区世纪大道 100 号"}
	}
	pk := map[string]any{"waybill": "SF2000000001", "sender": party(1), "recipient": party(2), "weight_g": 900,
		"declared_value_cents": 1000, "insured": false, "cod_amount_cents": 500, "inspected": true}
	push(t, w.db, w.alice, op(syncproto.KindPickup, 1, w.clock.Now(), pk),
		op(syncproto.KindComplaint, 2, w.clock.Now(), map[string]any{"category": "delay", "description": "late",
			"customer": map[string]any{"name": custName, "phone": custPhone}, "received_at": w.clock.Now().Format(time.RFC3339)}))
	task := w.create(t, w.alice.UserID, "SF2000000001")
	if _, err := w.db.RevealContact(ctx, w.alice, task.TaskID); err != nil {
		t.Fatal(err)
	}
	v, err := w.patch(t, task.TaskID, server.CallbackPatch{Version: ptr(task.Version), CourierID: w.bob.UserID})
	if err != nil {
		t.Fatal(err)
	}
	push(t, w.db, w.bob, outcome(1, w.clock.Now(), v.TaskID, syncproto.ResultReached, true))
	if err := w.db.Check(); err != nil {
		t.Fatal(err)
	}
	assertFileFree(t, w.db.Path(), phones...)
}

func TestPushTokensQueueCoalescedWakeUps(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice2 := w.alice
	alice2.DeviceID = "phone-a"
	for _, p := range []server.Principal{w.alice, alice2} {
		if err := w.db.SetPushToken(ctx, p, "tok-"+p.DeviceID); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("a malformed token is invalid", func(t *testing.T) {
		for _, tok := range []string{"", "has space", string(make([]byte, 5000))} {
			if err := w.db.SetPushToken(ctx, w.alice, tok); !codeIs(err, syncproto.CodeInvalidRequest) {
				t.Fatalf("token %.10q: got %v", tok, err)
			}
		}
	})
	w.create(t, w.alice.UserID, "SF1000000001")
	second := w.create(t, w.alice.UserID, "SF1000000002")
	w.create(t, w.bob.UserID, "SF1000000003") // bob has no token: no wake-up
	pending, next, err := w.db.PendingWakeUps(ctx, w.clock.Now(), 100)
	if err != nil || !next.IsZero() {
		t.Fatal(err, next)
	}
	if len(pending) != 2 {
		t.Fatalf("%d pending wake-ups, want one per device of alice: %+v", len(pending), pending)
	}
	for _, p := range pending {
		if p.CourierID != w.alice.UserID || p.TaskID != second.TaskID || p.Token != "tok-"+p.DeviceID || p.Hint != server.HintCallbackTask {
			t.Fatalf("wake-up %+v, want the latest task for alice's device", p)
		}
	}
	t.Run("a wake-up replaced while it was sent stays queued", func(t *testing.T) {
		third := w.create(t, w.alice.UserID, "SF1000000004")
		ds := []server.Delivery{{WakeUp: pending[0], Result: server.Delivered}, {WakeUp: pending[1], Result: server.Delivered}}
		if err := w.db.CompleteWakeUps(ctx, ds, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		again, _, _ := w.db.PendingWakeUps(ctx, w.clock.Now(), 100)
		if len(again) != 2 || again[0].TaskID != third.TaskID {
			t.Fatalf("pending %+v, want both devices again for %s", again, third.TaskID)
		}
		pending = again
	})
	t.Run("a delivered wake-up leaves the outbox", func(t *testing.T) {
		if err := w.db.CompleteWakeUps(ctx, []server.Delivery{{WakeUp: pending[0], Result: server.Delivered}}, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.db.PendingWakeUpCount(); n != 1 {
			t.Fatalf("%d pending, want 1", n)
		}
	})
	t.Run("a retry is held back until its time", func(t *testing.T) {
		at := w.clock.Now().Add(30 * time.Second)
		if err := w.db.CompleteWakeUps(ctx, []server.Delivery{{WakeUp: pending[1], Result: server.RetryLater, RetryAt: at}}, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		due, next, _ := w.db.PendingWakeUps(ctx, w.clock.Now(), 100)
		if len(due) != 0 || !next.Equal(at) {
			t.Fatalf("due %v next %v, want none until %v", due, next, at)
		}
		due, _, _ = w.db.PendingWakeUps(ctx, at, 100)
		if len(due) != 1 || due[0].Attempts != 1 {
			t.Fatalf("at the retry time: %+v", due)
		}
		pending[1] = due[0]
	})
	t.Run("an unregistered token is removed with its wake-up", func(t *testing.T) {
		if err := w.db.CompleteWakeUps(ctx, []server.Delivery{{WakeUp: pending[1], Result: server.TokenInvalid}}, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if tok, _ := w.db.PushToken(pending[1].CourierID, pending[1].DeviceID); tok != "" {
			t.Fatalf("token still stored: %q", tok)
		}
		if n, _ := w.db.PendingWakeUpCount(); n != 0 {
			t.Fatalf("%d pending, want 0", n)
		}
	})
	t.Run("a token that moves to another login leaves the old device", func(t *testing.T) {
		if err := w.db.SetPushToken(ctx, w.bob, "tok-pda-a"); err != nil {
			t.Fatal(err)
		}
		if tok, _ := w.db.PushToken(w.alice.UserID, w.alice.DeviceID); tok != "" {
			t.Fatalf("alice's device kept the token: %q", tok)
		}
		if tok, _ := w.db.PushToken(w.bob.UserID, w.bob.DeviceID); tok != "tok-pda-a" {
			t.Fatalf("bob's token %q", tok)
		}
	})
}

func containsBytes(b []byte, s string) bool { return len(s) > 0 && bytes.Contains(b, []byte(s)) }

// assertFileFree reads the store file byte by byte and fails on any of
// the phone numbers, as written or as bare digits.
func assertFileFree(t *testing.T, path string, phones ...string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range phones {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, p)
		for _, form := range []string{p, digits} {
			if i := bytes.Index(raw, []byte(form)); i >= 0 {
				t.Fatalf("the store file holds %q in plain text at byte %d", form, i)
			}
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
