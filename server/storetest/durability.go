package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// durabilityBehaviours cover what must outlive a restart (Store.Reopen)
// and what must not cross from one store to another: SyncService's dedup
// index and feed cursors, and the records every other interface reads.
var durabilityBehaviours = []behaviour{
	{"acknowledged ops and their results survive a restart: a resend is still a duplicate", opsSurviveRestart},
	{"a feed cursor survives a restart and resumes with later changes", cursorSurvivesRestart},
	{"records, custody, complaints, tasks and sessions survive a restart", recordsSurviveRestart},
	{"a cursor from another store is expired", cursorFromAnotherStore},
}

func opsSurviveRestart(t *testing.T, w *world) {
	c := w.courier("durable")
	ops := []syncproto.Op{
		c.op(syncproto.KindPickup, w.now(), pickup("SF90000001", 800)),
		c.op(syncproto.KindCODReceipt, w.now(), receipt("SF90000001", "R-D1", 800)),
		c.op(syncproto.KindPickup, w.now(), pickup("SF90000001", 800)),
	}
	first := c.send(ops...)
	w.reopen()
	again := c.send(ops...)
	for i := range first {
		if !again[i].Duplicate {
			t.Fatalf("op %d resent after a restart was applied again: %+v", i, again[i])
		}
		again[i].Duplicate = false
		if !reflect.DeepEqual(first[i], again[i]) {
			t.Fatalf("op %d: after a restart %+v, first time %+v", i, again[i], first[i])
		}
	}
	if tot := w.ledger(server.LedgerFilter{}).Totals; tot.Count != 1 || tot.CollectedCents != 800 {
		t.Fatalf("ledger after a restart and a resend: %+v", tot)
	}
	if got := outcome(c.send(c.op(syncproto.KindCODReceipt, w.now(), receipt("SF90000001", "R-D1", 800)))[0]); got != "rejected:duplicate_receipt" {
		t.Fatalf("the receipt number is still taken after a restart: %s", got)
	}
}

func cursorSurvivesRestart(t *testing.T, w *world) {
	c := w.courier("reopen")
	w.callback(c.p.UserID, "SF91000001")
	page, err := w.s.Sync.Pull(w.ctx, c.p, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	w.reopen()
	same, err := w.s.Sync.Pull(w.ctx, c.p, "", 500)
	if err != nil || len(same.Changes) != len(page.Changes) {
		t.Fatalf("the feed after a restart: %+v, %v", same, err)
	}
	later := w.callback(c.p.UserID, "SF91000002")
	next, err := w.s.Sync.Pull(w.ctx, c.p, page.Cursor, 500)
	if err != nil {
		t.Fatalf("a cursor refused after a restart: %v", err)
	}
	got := decode[syncproto.CallbackTask](t, next.Changes, syncproto.ChangeCallbackTask)
	if len(next.Changes) != 1 || len(got) != 1 || got[0].TaskID != later.TaskID {
		t.Fatalf("resumed after a restart: %+v, want only the later task", next.Changes)
	}
}

func recordsSurviveRestart(t *testing.T, w *world) {
	a := w.courier("alice")
	collect(a, "K", 1000, 2000)
	if _, err := w.handOver(a.p.UserID, 1000, "K1"); err != nil {
		t.Fatal(err)
	}
	cp := w.complaint("", w.now())
	if _, err := w.step(w.disp, cp.ComplaintID, syncproto.ComplaintVerified, "checked"); err != nil {
		t.Fatal(err)
	}
	task := w.callback(a.p.UserID, "WB-K-0001")
	w.session(a.p, "s-1", []byte("h1"))
	before := []any{w.ledger(server.LedgerFilter{}).Totals, w.task(task.TaskID).Version, len(w.allEvents())}
	c, _ := w.s.Complaints.Complaint(w.ctx, cp.ComplaintID)
	w.reopen()
	after := []any{w.ledger(server.LedgerFilter{}).Totals, w.task(task.TaskID).Version, len(w.allEvents())}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("after a restart %v, before %v", after, before)
	}
	if c2, err := w.s.Complaints.Complaint(w.ctx, cp.ComplaintID); err != nil || c2.Status != c.Status || len(c2.History) != 1 {
		t.Fatalf("the complaint after a restart %+v, %v", c2, err)
	}
	if _, err := w.s.Sessions.RotateRefresh(w.ctx, "s-1", []byte("h1"), []byte("h2"), w.now(), server.DefaultRefreshGrace); err != nil {
		t.Fatalf("the session after a restart: %v", err)
	}
	if got, _ := w.s.Callbacks.RevealContact(w.ctx, a.p, task.TaskID); got == nil || got.Phone != custPhone {
		t.Fatalf("the sealed contact is lost after a restart: %+v", got)
	}
	if u, err := w.s.Users.UserByName(w.ctx, "alice"); err != nil || u.ID != a.p.UserID {
		t.Fatalf("the user after a restart %+v, %v", u, err)
	}
}

func cursorFromAnotherStore(t *testing.T, w *world) {
	a := w.courier("same-name")
	other := newWorld(t, w.open(t))
	b := other.courier("same-name")
	page, err := w.s.Sync.Pull(w.ctx, a.p, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if a.p.UserID != b.p.UserID {
		t.Logf("the two stores named the same courier %s and %s", a.p.UserID, b.p.UserID)
	}
	_, err = other.s.Sync.Pull(other.ctx, b.p, page.Cursor, 10)
	if !errors.Is(err, server.ErrCursorExpired) {
		wantCode(t, err, syncproto.CodeCursorExpired)
	}
}
