package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/push/pushtest"
	"github.com/courier-sync/courier-sync/syncproto"
)

// TestWakeUpsPendingAtAKillAreSentAfterRestart kills courierd with SIGKILL
// while FCM is failing, so a wake-up is queued but not sent, and checks the
// next generation sends it: the push outbox is written in the transaction
// that created the task, not kept in memory.
func TestWakeUpsPendingAtAKillAreSentAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the courierd binary")
	}
	fake := pushtest.New()
	defer fake.Close()
	fake.SetReply(func(string, int) pushtest.Reply { return pushtest.Reply{Status: 500, ErrorCode: "INTERNAL"} })

	s := newServerProc(t)
	s.env = []string{"COURIERD_FCM_ENDPOINT=" + fake.URL}
	s.start()
	s.open()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := newAPIClient(t)
	admin, err := c.login(ctx, s.url(), adminUser, adminPassword, "console")
	if err != nil {
		t.Fatal(err)
	}
	courier, err := c.createCourier(ctx, s.url(), admin, "wake-courier", "courier-password-1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.send(ctx, http.MethodPost, s.url(), "/v1/admin/users", admin,
		syncproto.CreateUserRequest{Username: "wake-dispatcher", Password: "dispatcher-password-1", Role: syncproto.RoleDispatcher})
	if err != nil || r.decode(http.StatusCreated, nil) != nil {
		t.Fatalf("create dispatcher: %v %s", err, r.body)
	}
	device, err := c.login(ctx, s.url(), "wake-courier", "courier-password-1", "pda-7")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := c.send(ctx, http.MethodPut, s.url(), "/v1/devices/self/push-token", device,
		syncproto.PushTokenRequest{FCMToken: "fcm-token-pda-7"}); err != nil || r.status != http.StatusNoContent {
		t.Fatalf("push token: %v %d %s", err, r.status, r.body)
	}
	disp, err := c.login(ctx, s.url(), "wake-dispatcher", "dispatcher-password-1", "console-d")
	if err != nil {
		t.Fatal(err)
	}
	task := map[string]any{"courier_id": courier.UserID, "waybill": "SF7700112233", "reason": "customer asked for a call",
		"customer": map[string]string{"name": "王芳", "phone": "13912345678"}, "due_by": time.Now().Add(time.Hour).Format(time.RFC3339)}
	if r, err := c.send(ctx, http.MethodPost, s.url(), "/v1/callbacks", disp, task); err != nil || r.status != http.StatusCreated {
		t.Fatalf("create task: %v %d %s", err, r.status, r.body)
	}
	// The sender has tried and failed at least once: the wake-up is pending.
	if err := fake.WaitRequests(30*time.Second, 1); err != nil {
		t.Fatal(err)
	}
	s.kill()

	fake.SetReply(nil) // FCM is back
	s.start()
	msgs, err := fake.Wait(60*time.Second, func(ms []pushtest.Message) bool { return len(ms) > 0 })
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.Token != "fcm-token-pda-7" || m.HasNotification || m.Data["task_id"] == "" {
		t.Fatalf("delivered %+v, want a data-only wake-up for the device's token naming the task", m)
	}
	for _, body := range fake.Bodies() {
		for _, pii := range []string{"王芳", "13912345678", "wake-courier"} {
			if bytes.Contains(body, []byte(pii)) {
				t.Fatalf("an FCM request carries personal data %q", pii)
			}
		}
	}
}
