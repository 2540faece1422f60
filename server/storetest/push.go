package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// pushBehaviours cover server.PushTokens and server.PushOutbox.
var pushBehaviours = []behaviour{
	{"a malformed push token is invalid", pushTokenMalformed},
	{"wake-ups coalesce per device and carry only opaque ids", wakeUpsCoalesce},
	{"a wake-up replaced while it was sent stays queued; a delivered one leaves", wakeUpDelivery},
	{"a retry is held back until its time", wakeUpRetry},
	{"an invalid token is removed with its wake-up", wakeUpInvalidToken},
	{"a token that moves to another login leaves the old device", pushTokenMoves},
}

// pending returns the wake-ups due now.
func (w *world) pending() []server.WakeUp {
	w.t.Helper()
	due, _, err := w.s.Outbox.PendingWakeUps(w.ctx, w.now(), 100)
	if err != nil {
		w.t.Fatalf("PendingWakeUps: %v", err)
	}
	return due
}

func (w *world) complete(ds ...server.Delivery) {
	w.t.Helper()
	if err := w.s.Outbox.CompleteWakeUps(w.ctx, ds, w.now()); err != nil {
		w.t.Fatalf("CompleteWakeUps: %v", err)
	}
}

func (w *world) setToken(p server.Principal, token string) {
	w.t.Helper()
	if err := w.s.PushTokens.SetPushToken(w.ctx, p, token); err != nil {
		w.t.Fatalf("SetPushToken: %v", err)
	}
}

// twoDevices gives a courier two handhelds with push tokens.
func twoDevices(w *world, name string) (*device, server.Principal) {
	a := w.courier(name)
	phone := a.p
	phone.DeviceID = "phone-" + name
	w.setToken(a.p, "tok-"+a.p.DeviceID)
	w.setToken(phone, "tok-"+phone.DeviceID)
	return a, phone
}

func pushTokenMalformed(t *testing.T, w *world) {
	a := w.courier("alice")
	for _, tok := range []string{"", "has space", strings.Repeat("x", server.MaxPushTokenLen+1), "tok\x00"} {
		err := w.s.PushTokens.SetPushToken(w.ctx, a.p, tok)
		wantCode(t, err, syncproto.CodeInvalidRequest)
	}
}

func wakeUpsCoalesce(t *testing.T, w *world) {
	a, _ := twoDevices(w, "alice")
	b := w.courier("bob") // no token: no wake-up
	v0, err := w.s.Outbox.OutboxVersion(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.callback(a.p.UserID, "SF1000000001")
	second := w.callback(a.p.UserID, "SF1000000002")
	w.callback(b.p.UserID, "SF1000000003")
	if v1, err := w.s.Outbox.OutboxVersion(w.ctx); err != nil || v1 == v0 {
		t.Fatalf("outbox version %d → %d, %v; want it changed", v0, v1, err)
	}
	due, next, err := w.s.Outbox.PendingWakeUps(w.ctx, w.now(), 100)
	if err != nil || !next.IsZero() {
		t.Fatalf("PendingWakeUps: %v, next %v", err, next)
	}
	if len(due) != 2 {
		t.Fatalf("%d wake-ups, want one per device of alice: %+v", len(due), due)
	}
	for _, p := range due {
		if p.CourierID != a.p.UserID || p.TaskID != second.TaskID || p.Token != "tok-"+p.DeviceID || p.Hint != server.HintCallbackTask {
			t.Fatalf("wake-up %+v, want the latest task for alice's device", p)
		}
	}
	if l, _, _ := w.s.Outbox.PendingWakeUps(w.ctx, w.now(), 1); len(l) != 1 {
		t.Fatalf("limit 1 gave %d wake-ups", len(l))
	}
}

func wakeUpDelivery(t *testing.T, w *world) {
	a, _ := twoDevices(w, "alice")
	w.callback(a.p.UserID, "SF1000000001")
	sent := w.pending()
	third := w.callback(a.p.UserID, "SF1000000002") // replaces both while they are sent
	w.complete(server.Delivery{WakeUp: sent[0], Result: server.Delivered}, server.Delivery{WakeUp: sent[1], Result: server.Delivered})
	again := w.pending()
	if len(again) != 2 || again[0].TaskID != third.TaskID || again[1].TaskID != third.TaskID {
		t.Fatalf("pending %+v, want both devices again for %s", again, third.TaskID)
	}
	w.complete(server.Delivery{WakeUp: again[0], Result: server.Delivered})
	if left := w.pending(); len(left) != 1 || left[0].DeviceID != again[1].DeviceID {
		t.Fatalf("pending %+v, want only the undelivered device", left)
	}
}

func wakeUpRetry(t *testing.T, w *world) {
	a := w.courier("alice")
	w.setToken(a.p, "tok-a")
	w.callback(a.p.UserID, "SF1000000001")
	sent := w.pending()
	at := w.now().Add(30 * time.Second)
	w.complete(server.Delivery{WakeUp: sent[0], Result: server.RetryLater, RetryAt: at})
	due, next, err := w.s.Outbox.PendingWakeUps(w.ctx, w.now(), 100)
	if err != nil || len(due) != 0 || !next.Equal(at) {
		t.Fatalf("due %+v next %v (%v), want none until %v", due, next, err, at)
	}
	due, _, err = w.s.Outbox.PendingWakeUps(w.ctx, at, 100)
	if err != nil || len(due) != 1 || due[0].Attempts != 1 {
		t.Fatalf("at the retry time: %+v, %v", due, err)
	}
}

func wakeUpInvalidToken(t *testing.T, w *world) {
	a, phone := twoDevices(w, "alice")
	w.callback(a.p.UserID, "SF1000000001")
	var dead server.WakeUp
	for _, p := range w.pending() {
		if p.DeviceID == phone.DeviceID {
			dead = p
		}
	}
	w.complete(server.Delivery{WakeUp: dead, Result: server.TokenInvalid})
	for _, p := range w.pending() {
		if p.DeviceID == phone.DeviceID {
			t.Fatalf("the invalid token's wake-up stayed: %+v", p)
		}
	}
	w.callback(a.p.UserID, "SF1000000002")
	for _, p := range w.pending() {
		if p.DeviceID == phone.DeviceID || p.Token == dead.Token {
			t.Fatalf("a removed token is woken again: %+v", p)
		}
	}
}

func pushTokenMoves(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	w.setToken(a.p, "tok-shared")
	w.setToken(b.p, "tok-shared") // the phone changed hands
	w.callback(a.p.UserID, "SF1000000001")
	if due := w.pending(); len(due) != 0 {
		t.Fatalf("alice's old device is still woken: %+v", due)
	}
	w.callback(b.p.UserID, "SF1000000002")
	if due := w.pending(); len(due) != 1 || due[0].CourierID != b.p.UserID || due[0].Token != "tok-shared" {
		t.Fatalf("bob's wake-ups %+v", due)
	}
}
