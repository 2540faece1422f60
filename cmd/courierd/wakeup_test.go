package main

import (
	"bytes"
	"context"
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
	api := newAPIClient(t)
	admin := api.to(s.url())
	if _, err := admin.Login(ctx, adminUser, adminPassword, "console"); err != nil {
		t.Fatal(err)
	}
	courier, err := admin.CreateUser(ctx, &syncproto.CreateUserRequest{Username: "wake-courier", Password: "courier-password-1", Role: syncproto.RoleCourier})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateUser(ctx, &syncproto.CreateUserRequest{Username: "wake-dispatcher", Password: "dispatcher-password-1", Role: syncproto.RoleDispatcher}); err != nil {
		t.Fatalf("create dispatcher: %v", err)
	}
	device := api.to(s.url())
	if _, err := device.Login(ctx, "wake-courier", "courier-password-1", "pda-7"); err != nil {
		t.Fatal(err)
	}
	if err := device.PutPushToken(ctx, "fcm-token-pda-7"); err != nil {
		t.Fatalf("push token: %v", err)
	}
	disp := api.to(s.url())
	if _, err := disp.Login(ctx, "wake-dispatcher", "dispatcher-password-1", "console-d"); err != nil {
		t.Fatal(err)
	}
	task := &syncproto.NewCallback{CourierID: courier.UserID, Waybill: "SF7700112233", Reason: "customer asked for a call",
		Customer: syncproto.Customer{Name: "王芳", Phone: "13912345678"}, DueBy: time.Now().Add(time.Hour).Format(time.RFC3339)}
	if _, err := disp.CreateCallback(ctx, task); err != nil {
		t.Fatalf("create task: %v", err)
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
