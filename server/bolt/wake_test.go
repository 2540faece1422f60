package bolt_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

// OnWake rings after a commit that queued a wake-up, and only then: the
// push sender sleeps until it rings (issue 10 item 5).
func TestOnWakeRingsWhenACommitQueuesAWakeUp(t *testing.T) {
	var rings atomic.Int32
	clock := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	db := openDB(t, bolt.Options{Clock: clock.Now, OnWake: func() { rings.Add(1) }})
	ctx := context.Background()
	disp := account(t, db, "disp", syncproto.RoleDispatcher, "console")
	alice := courier(t, db, "alice", "pda-a")
	if err := db.SetPushToken(ctx, alice, "tok-a"); err != nil {
		t.Fatal(err)
	}
	if n := rings.Load(); n != 0 {
		t.Fatalf("%d rings before any wake-up was queued", n)
	}
	if _, err := db.CreateCallback(ctx, disp, &server.NewCallback{CourierID: alice.UserID, Waybill: "SF1000000001",
		Reason: "customer asked for a call", Customer: syncproto.Customer{Name: custName, Phone: custPhone}}); err != nil {
		t.Fatal(err)
	}
	if n := rings.Load(); n != 1 {
		t.Fatalf("%d rings after a callback queued a wake-up, want 1", n)
	}
	if _, err := db.CreateCallback(ctx, disp, &server.NewCallback{CourierID: alice.UserID, Waybill: "bad waybill"}); err == nil {
		t.Fatal("an invalid callback was taken")
	}
	if n := rings.Load(); n != 1 {
		t.Fatalf("%d rings after a refused callback, want still 1", n)
	}
}
