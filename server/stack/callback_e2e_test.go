package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/push/pushtest"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The personal data of the callback tests: the customer and the
// courier's own name. None of it may reach FCM, the logs or (in plain
// text) the store file.
const (
	customerName    = "张伟"
	customerPhone   = "13812345678"
	customerAddress = "上海市浦东新区世纪大道 100 号"
	courierName     = "李四"
)

// waitFor bounds every wait on the fake FCM.
const waitFor = 15 * time.Second

// logBuffer collects the server's log (JSON, debug level).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func debugLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// courierWithToken creates a courier (display name given), logs it in on
// device and registers the device's FCM token.
func (ts *testServer) courierWithToken(t *testing.T, name, display, device, token string) *caller {
	t.Helper()
	ts.root.mustJSON(t, "POST", "/v1/admin/users", syncproto.CreateUserRequest{Username: name, Password: name + "-password",
		Role: syncproto.RoleCourier, DisplayName: display}, 201, nil)
	c := ts.login(t, name, name+"-password", device)
	if token != "" {
		c.mustJSON(t, "PUT", "/v1/devices/self/push-token", syncproto.PushTokenRequest{FCMToken: token}, 204, nil)
	}
	return c
}

func (c *caller) createTask(t *testing.T, courierID, waybill string) server.CallbackTask {
	t.Helper()
	var task server.CallbackTask
	c.mustJSON(t, "POST", "/v1/callbacks", map[string]any{"courier_id": courierID, "waybill": waybill,
		"reason": "parcel delayed; call the customer", "customer": map[string]any{"name": customerName, "phone": customerPhone}}, 201, &task)
	return task
}

// taskChanges pulls the caller's whole feed and returns its callback_task
// changes.
func (c *caller) taskChanges(t *testing.T) []map[string]any {
	t.Helper()
	var page syncproto.PullResponse
	c.mustJSON(t, "GET", "/v1/sync/pull?limit=500", nil, 200, &page)
	var out []map[string]any
	for _, ch := range page.Changes {
		if ch.Type != syncproto.ChangeCallbackTask {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(ch.Data, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func messagesFor(msgs []pushtest.Message, token string) []pushtest.Message {
	var out []pushtest.Message
	for _, m := range msgs {
		if m.Token == token {
			out = append(out, m)
		}
	}
	return out
}

// startQuiet is startStack with the wake-up sender stopped first at
// cleanup: the harness checks the store's consistency before shutting
// down, and a check beside a committing writer can report pages freed by
// the newer transaction.
func startQuiet(t *testing.T, cfg stack.Config) *testServer {
	t.Helper()
	ts := startStack(t, cfg)
	t.Cleanup(ts.quiesce)
	return ts
}

// quiesce shuts the app down, which stops the wake-up sender (its
// shutdown hook), so nothing writes to the store any more.
func (ts *testServer) quiesce() {
	if ts.Stack != nil {
		ts.App.ShutdownWithTimeout(5 * time.Second)
	}
}

// pendingFor returns the queued wake-ups of a courier.
func (ts *testServer) pendingFor(t *testing.T, courierID string) []server.WakeUp {
	t.Helper()
	all, _, err := ts.DB.PendingWakeUps(context.Background(), time.Now().Add(24*time.Hour), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	var out []server.WakeUp
	for _, w := range all {
		if w.CourierID == courierID {
			out = append(out, w)
		}
	}
	return out
}

// barrier creates a task for a courier kept for the purpose and waits for
// its wake-up: the sender works one batch at a time, so once that wake-up
// arrived, everything the sender took before has been recorded.
func (ts *testServer) barrier(t *testing.T, fake *pushtest.Fake, disp *caller, c *caller, token string) {
	t.Helper()
	task := disp.createTask(t, c.userID, "SF9999999999")
	if _, err := fake.Wait(waitFor, func(ms []pushtest.Message) bool {
		for _, m := range messagesFor(ms, token) {
			if m.Data["task_id"] == task.TaskID {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
}

// assertNoPersonalData fails when any of the personal values occurs in
// b, a stream of JSON documents (a JSON log, an FCM request, an error
// body). It looks at every string value and key, never at numbers and
// never at the log's "time" attribute, and finds the phone's last four
// digits only as a value of their own or after mask characters: a
// timestamp or an id that happens to hold the same four digits is not a
// leak (a raw substring scan once failed on a nanosecond timestamp).
func assertNoPersonalData(t *testing.T, what string, b []byte) {
	t.Helper()
	strs, err := jsonStrings(b)
	if err != nil {
		t.Fatalf("%s is not a stream of JSON documents (%v):\n%s", what, err, b)
	}
	if v, s := personalValueIn(strs); v != "" {
		t.Fatalf("%s contains %q in %q:\n%s", what, v, s, b)
	}
}

// lastFour matches the phone's last four digits standing alone or after
// mask characters, as a partly masked number would show them.
var lastFour = regexp.MustCompile(`(^|[*xX•])` + customerPhone[len(customerPhone)-4:] + `$`)

// personalValueIn returns the first personal value found in strs and the
// string holding it, or "".
func personalValueIn(strs []string) (found, in string) {
	whole := []string{customerName, customerPhone, customerAddress, courierName, "138****5678", "张*"}
	for _, s := range strs {
		for _, v := range whole {
			if strings.Contains(s, v) {
				return v, s
			}
		}
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '=' }) {
			if lastFour.MatchString(f) {
				return f, s
			}
		}
	}
	return "", ""
}

// jsonStrings decodes every JSON document in b and returns all of its
// string values and object keys, leaving out the value of "time".
func jsonStrings(b []byte) ([]string, error) {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				out = append(out, k)
				if k != "time" {
					walk(e)
				}
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		walk(v)
	}
}

func TestCallbackFromDispatcherToHandheldAndBack(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	var logs logBuffer
	ts := startQuiet(t, stack.Config{FCMEndpoint: fake.URL, FCMProjectID: "p", Logger: debugLogger(&logs)})
	disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
	li := ts.courierWithToken(t, "li.si", courierName, "pda-li", "tok-li-pda")

	// A pickup with sender and recipient, so the run holds an address too.
	party := map[string]any{"name": customerName, "phone": customerPhone, "address": customerAddress}
	res := li.push(t, newOp(syncproto.KindPickup, 1, map[string]any{"waybill": "SF1234567890", "sender": party, "recipient": party,
		"weight_g": 1200, "declared_value_cents": 5000, "insured": false, "cod_amount_cents": 0, "inspected": true}))
	if res[0].Status != syncproto.StatusApplied {
		t.Fatalf("pickup: %+v", res[0])
	}

	task := disp.createTask(t, li.userID, "SF1234567890")
	if task.Status != server.TaskOpen || task.Contact.NameMasked != "张*" || task.Contact.PhoneMasked != "138****5678" || task.Version != 1 {
		t.Fatalf("created %+v", task)
	}

	t.Run("the fake FCM receives a data message for the courier's token, ids only", func(t *testing.T) {
		msgs, err := fake.Wait(waitFor, func(ms []pushtest.Message) bool { return len(messagesFor(ms, "tok-li-pda")) > 0 })
		if err != nil {
			t.Fatal(err)
		}
		m := messagesFor(msgs, "tok-li-pda")[0]
		want := map[string]string{"type": "sync", "hint": "callback_task", "task_id": task.TaskID}
		if fmt.Sprint(m.Data) != fmt.Sprint(want) || m.HasNotification || m.Project != "p" {
			t.Fatalf("message %+v, want data %v and no notification", m, want)
		}
		if m.Android.Priority != "high" || m.Android.CollapseKey == "" || m.Android.TTL == "" {
			t.Fatalf("android block %+v", m.Android)
		}
		for i, b := range fake.Bodies() {
			assertNoPersonalData(t, fmt.Sprintf("FCM request %d", i), b)
		}
	})

	t.Run("the courier's pull shows the task masked", func(t *testing.T) {
		chs := li.taskChanges(t)
		if len(chs) != 1 {
			t.Fatalf("%d task changes, want 1", len(chs))
		}
		c := chs[0]
		contact, _ := c["contact"].(map[string]any)
		if c["task_id"] != task.TaskID || c["status"] != "open" || contact["name_masked"] != "张*" || contact["phone_masked"] != "138****5678" {
			t.Fatalf("change %v", c)
		}
		raw, _ := json.Marshal(c)
		if bytes.Contains(raw, []byte(customerPhone)) || bytes.Contains(raw, []byte(customerName)) {
			t.Fatalf("the feed carries the plain contact: %s", raw)
		}
	})

	t.Run("the courier reveals the number and the reveal is audited", func(t *testing.T) {
		var got server.RevealedContact
		li.mustJSON(t, "POST", "/v1/callbacks/"+task.TaskID+"/contact", nil, 200, &got)
		if got.Phone != customerPhone || got.Name != customerName || got.ExpiresAt.Before(time.Now()) {
			t.Fatalf("revealed %+v", got)
		}
		var evs server.EventList
		ts.root.mustJSON(t, "GET", "/v1/audit/events?action=contact.reveal", nil, 200, &evs)
		if len(evs.Events) != 1 {
			t.Fatalf("%d reveal events, want 1", len(evs.Events))
		}
		e := evs.Events[0]
		if e.Actor != li.userID || e.Role != syncproto.RoleCourier || e.DeviceID != "pda-li" || e.Object != task.TaskID || e.IP == "" {
			t.Fatalf("event %+v", e)
		}
	})

	t.Run("the courier's outcome closes the task for the dispatcher", func(t *testing.T) {
		res := li.push(t, newOp(syncproto.KindCallbackOutcome, 2, map[string]any{"task_id": task.TaskID, "result": "reached",
			"resolved": true, "satisfaction": 5, "note": "customer satisfied"}))
		if res[0].Status != syncproto.StatusApplied || len(res[0].Flags) != 0 {
			t.Fatalf("outcome: %+v", res[0])
		}
		var list server.CallbackList
		disp.mustJSON(t, "GET", "/v1/callbacks?courier_id="+li.userID, nil, 200, &list)
		if len(list.Callbacks) != 1 {
			t.Fatalf("list %+v", list)
		}
		v := list.Callbacks[0]
		if v.Status != server.TaskDone || len(v.Outcomes) != 1 || v.Outcomes[0].Result != "reached" || !v.Outcomes[0].Resolved || *v.Outcomes[0].Satisfaction != 5 {
			t.Fatalf("dispatcher sees %+v", v)
		}
		if chs := li.taskChanges(t); chs[len(chs)-1]["status"] != "done" {
			t.Fatalf("the courier's feed ends with %v, want the done view", chs[len(chs)-1])
		}
		resp, data := li.do(t, "POST", "/v1/callbacks/"+task.TaskID+"/contact", nil, nil)
		wantError(t, resp, data, 409, syncproto.CodeConflict)
	})

	t.Run("the start-up log says where wake-ups go", func(t *testing.T) {
		if !strings.Contains(logs.String(), `"mode":"endpoint"`) {
			t.Fatalf("no start-up line naming the endpoint mode in:\n%s", logs.String())
		}
	})

	ts.quiesce()
	ts.stop(t)
	t.Run("the server's log holds no personal data", func(t *testing.T) {
		if logs.String() == "" {
			t.Fatal("empty log: the scan proves nothing")
		}
		assertNoPersonalData(t, "the server log", []byte(logs.String()))
	})
	t.Run("the store file holds no customer phone in plain text", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(ts.dir, "courier.db"))
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(raw, []byte(customerPhone)); i >= 0 {
			t.Fatalf("phone number at byte %d of the store file", i)
		}
		if bytes.Contains(raw, []byte(customerAddress)) || bytes.Contains(raw, []byte(customerName)) {
			t.Fatal("address or name in plain text in the store file")
		}
	})
}

func TestContactRevealRules(t *testing.T) {
	ts := startQuiet(t, stack.Config{Settings: func() server.Settings {
		s := server.DefaultSettings()
		s.RevealsPerHour = 2
		return s
	}()})
	disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
	a := ts.courierWithToken(t, "courier.a", "", "pda-a", "")
	b := ts.courierWithToken(t, "courier.b", "", "pda-b", "")
	task := disp.createTask(t, a.userID, "SF1234567890")
	path := "/v1/callbacks/" + task.TaskID + "/contact"
	cases := []struct {
		name   string
		who    *caller
		path   string
		status int
		code   syncproto.Code
	}{
		{"another courier gets 404", b, path, 404, syncproto.CodeNotFound},
		{"a dispatcher gets 403", disp, path, 403, syncproto.CodeForbidden},
		{"a malformed task id is 404", a, "/v1/callbacks/cb%20x/contact", 404, syncproto.CodeNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, data := c.who.do(t, "POST", c.path, nil, nil)
			wantError(t, resp, data, c.status, c.code)
			assertNoPersonalData(t, "the error", data)
		})
	}
	t.Run("over the hourly limit the courier gets 429 with Retry-After", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			a.mustJSON(t, "POST", path, nil, 200, nil)
		}
		resp, data := a.do(t, "POST", path, nil, nil)
		wantError(t, resp, data, 429, syncproto.CodeRateLimited)
		if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After %q", ra)
		}
	})
	t.Run("the dispatcher's routes are closed to couriers", func(t *testing.T) {
		resp, data := a.do(t, "GET", "/v1/callbacks", nil, nil)
		wantError(t, resp, data, 403, syncproto.CodeForbidden)
	})
	t.Run("a push token must be printable", func(t *testing.T) {
		resp, data := a.do(t, "PUT", "/v1/devices/self/push-token", []byte(`{"fcm_token":""}`), map[string]string{"Content-Type": "application/json"})
		wantError(t, resp, data, 400, syncproto.CodeInvalidRequest)
	})
	t.Run("a stale version is 409", func(t *testing.T) {
		resp, data := disp.do(t, "PATCH", "/v1/callbacks/"+task.TaskID, []byte(`{"version":7,"status":"cancelled"}`), nil)
		wantError(t, resp, data, 409, syncproto.CodeConflict)
	})
	t.Run("an unknown task is 404", func(t *testing.T) {
		resp, data := disp.do(t, "GET", "/v1/callbacks/cb-999", nil, nil)
		wantError(t, resp, data, 404, syncproto.CodeNotFound)
	})
}

func TestReassignWhileTheFirstCourierIsOffline(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	ts := startQuiet(t, stack.Config{FCMEndpoint: fake.URL})
	disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
	a := ts.courierWithToken(t, "courier.a", "", "pda-a", "tok-a")
	b := ts.courierWithToken(t, "courier.b", "", "pda-b", "tok-b")
	task := disp.createTask(t, a.userID, "SF1234567890")
	if got := a.taskChanges(t); len(got) != 1 || got[0]["status"] != "open" {
		t.Fatalf("courier a's feed before going offline: %v", got)
	}

	// Courier a goes offline (stops pulling); the dispatcher moves the task.
	var moved server.CallbackTask
	disp.mustJSON(t, "PATCH", "/v1/callbacks/"+task.TaskID, map[string]any{"version": task.Version, "courier_id": b.userID}, 200, &moved)
	if moved.CourierID != b.userID || moved.Version != task.Version+1 || moved.Status != server.TaskOpen {
		t.Fatalf("reassigned %+v", moved)
	}
	t.Run("the second courier got the task and a wake-up", func(t *testing.T) {
		chs := b.taskChanges(t)
		if len(chs) != 1 || chs[0]["task_id"] != task.TaskID || chs[0]["status"] != "open" {
			t.Fatalf("courier b's feed %v", chs)
		}
		if _, err := fake.Wait(waitFor, func(ms []pushtest.Message) bool { return len(messagesFor(ms, "tok-b")) > 0 }); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the first courier's feed removes it", func(t *testing.T) {
		chs := a.taskChanges(t)
		last := chs[len(chs)-1]
		if last["status"] != "cancelled" || last["removed_reason"] != "reassigned" {
			t.Fatalf("courier a's feed ends with %v", last)
		}
	})
	t.Run("the first courier's late outcome is kept and flagged", func(t *testing.T) {
		res := a.push(t, newOp(syncproto.KindCallbackOutcome, 1, map[string]any{"task_id": task.TaskID, "result": "reached", "resolved": true, "note": "called before sync"}))
		if res[0].Status != syncproto.StatusApplied || len(res[0].Flags) == 0 || res[0].Flags[len(res[0].Flags)-1] != server.FlagReviewNeeded {
			t.Fatalf("outcome %+v", res[0])
		}
		var list server.CallbackList
		disp.mustJSON(t, "GET", "/v1/callbacks?review=true", nil, 200, &list)
		if len(list.Callbacks) != 1 {
			t.Fatalf("review list %+v", list)
		}
		v := list.Callbacks[0]
		if v.Status != server.TaskOpen || v.CourierID != b.userID || len(v.Outcomes) != 1 || v.Outcomes[0].CourierID != a.userID {
			t.Fatalf("task after the late outcome %+v: must stay open with b", v)
		}
	})
}

func TestWakeUpDeliveryFailures(t *testing.T) {
	t.Run("UNREGISTERED removes the token", func(t *testing.T) {
		fake := pushtest.New()
		defer fake.Close()
		fake.SetReply(func(tok string, _ int) pushtest.Reply {
			if tok == "tok-gone" {
				return pushtest.Reply{Status: 404, ErrorCode: "UNREGISTERED"}
			}
			return pushtest.Reply{}
		})
		ts := startQuiet(t, stack.Config{FCMEndpoint: fake.URL})
		disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
		gone := ts.courierWithToken(t, "courier.gone", "", "pda-gone", "tok-gone")
		other := ts.courierWithToken(t, "courier.other", "", "pda-other", "tok-other")
		disp.createTask(t, gone.userID, "SF1234567890")
		if err := fake.WaitRequests(waitFor, 1); err != nil {
			t.Fatal(err)
		}
		ts.barrier(t, fake, disp, other, "tok-other")
		if tok, err := ts.DB.PushToken(gone.userID, "pda-gone"); err != nil || tok != "" {
			t.Fatalf("token still stored: %q %v", tok, err)
		}
		if p := ts.pendingFor(t, gone.userID); len(p) != 0 {
			t.Fatalf("wake-ups still pending: %+v", p)
		}
	})
	t.Run("503 then 200 is delivered once", func(t *testing.T) {
		fake := pushtest.New()
		defer fake.Close()
		fake.SetReply(func(tok string, n int) pushtest.Reply {
			if tok == "tok-a" && n == 0 {
				return pushtest.Reply{Status: 503, ErrorCode: "UNAVAILABLE"}
			}
			return pushtest.Reply{}
		})
		ts := startQuiet(t, stack.Config{FCMEndpoint: fake.URL})
		disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
		a := ts.courierWithToken(t, "courier.a", "", "pda-a", "tok-a")
		other := ts.courierWithToken(t, "courier.other", "", "pda-other", "tok-other")
		disp.createTask(t, a.userID, "SF1234567890")
		if err := fake.WaitRequests(waitFor, 1); err != nil {
			t.Fatal(err)
		}
		ts.barrier(t, fake, disp, other, "tok-other")
		msgs := fake.Messages()
		if got := len(messagesFor(msgs, "tok-a")); got != 1 {
			t.Fatalf("tok-a got %d messages, want exactly 1", got)
		}
		if p := ts.pendingFor(t, a.userID); len(p) != 0 {
			t.Fatalf("wake-ups still pending: %+v", p)
		}
	})
	t.Run("wake-ups pending at shutdown are delivered after the restart", func(t *testing.T) {
		down := pushtest.New()
		defer down.Close()
		down.SetReply(func(string, int) pushtest.Reply { return pushtest.Reply{Block: true} })
		dir := t.TempDir()
		ts := startQuiet(t, stack.Config{DataDir: dir, FCMEndpoint: down.URL})
		disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
		a := ts.courierWithToken(t, "courier.a", "", "pda-a", "tok-a")
		task := disp.createTask(t, a.userID, "SF1234567890")
		if err := down.WaitRequests(waitFor, 1); err != nil {
			t.Fatal(err)
		}
		ts.quiesce() // the send hangs; shutdown must not lose the wake-up
		ts.stop(t)
		if len(down.Messages()) != 0 {
			t.Fatal("the hung fake accepted a message")
		}

		up := pushtest.New()
		defer up.Close()
		startQuiet(t, stack.Config{DataDir: dir, FCMEndpoint: up.URL})
		msgs, err := up.Wait(waitFor, func(ms []pushtest.Message) bool { return len(messagesFor(ms, "tok-a")) > 0 })
		if err != nil {
			t.Fatal(err)
		}
		if m := messagesFor(msgs, "tok-a")[0]; m.Data["task_id"] != task.TaskID {
			t.Fatalf("after restart got %+v", m)
		}
	})
}

func TestPurgeRouteIsAdminOnlyAndReportsCountsByKind(t *testing.T) {
	ts := startQuiet(t, stack.Config{})
	disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
	resp, data := disp.do(t, "POST", "/v1/admin/purge?dry_run=true", nil, nil)
	wantError(t, resp, data, 403, syncproto.CodeForbidden)
	var rep server.PurgeReport
	ts.root.mustJSON(t, "POST", "/v1/admin/purge?"+url.Values{"dry_run": {"true"}}.Encode(), nil, 200, &rep)
	if !rep.DryRun || rep.Counts["pickups"] != 0 || len(rep.Counts) == 0 {
		t.Fatalf("report %+v", rep)
	}
}
