package mobileapi

import (
	"errors"
	"testing"
)

func mustBalance(t *testing.T, o *Outbox) CODBalance {
	t.Helper()
	b, err := o.CODBalance()
	if err != nil {
		t.Fatalf("CODBalance: %v", err)
	}
	return *b
}

func TestCODBalance(t *testing.T) {
	t.Run("before any balance is pulled the amounts are zero and AsOf is empty", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		if b := mustBalance(t, o); b != (CODBalance{}) {
			t.Errorf("CODBalance = %+v, want zero values", b)
		}
	})

	t.Run("the pulled balance is stored with every amount, and a newer one replaces it", func(t *testing.T) {
		f := newFakeServer(t)
		f.addBalance(balanceAt("2026-11-27T08:00:00+08:00", 5000, 0, 0))
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		want := CODBalance{CourierID: testUser, CollectedCents: 5000, InHandCents: 5000, OutstandingCents: 5000,
			InHandCount: 5, AsOf: "2026-11-27T08:00:00+08:00"}
		if b := mustBalance(t, o); b != want {
			t.Errorf("first balance = %+v, want %+v", b, want)
		}

		// The courier hands 3000 over; the sender of 1000 of it is paid.
		f.addBalance(balanceAt("2026-11-27T17:30:00+08:00", 2000, 2000, 1000))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		want = CODBalance{CourierID: testUser, CollectedCents: 5000, HandedOverCents: 3000, InHandCents: 2000,
			SettledCents: 1000, OutstandingCents: 4000, AwaitingSettlementCents: 2000, InHandCount: 2,
			AsOf: "2026-11-27T17:30:00+08:00"}
		if b := mustBalance(t, o); b != want {
			t.Errorf("after the hand-over balance = %+v, want %+v", b, want)
		}
	})

	t.Run("the newest as_of wins, within a page and across pages, whatever order they arrive in", func(t *testing.T) {
		for _, limit := range []int{1, 100} {
			f := newFakeServer(t)
			f.addBalance(balanceAt("2026-11-27T10:00:00+08:00", 1000, 0, 0))
			f.addBalance(balanceAt("2026-11-27T12:00:00+08:00", 3000, 0, 0))
			f.addBalance(balanceAt("2026-11-27T03:30:00Z", 2000, 0, 0)) // 11:30 in Shanghai: older, late
			f.addTask("t1", 1, TaskOpen)
			o, _ := openTest(t, tempDB(t), testOptions(f))
			o.pullLimit = limit
			if err := o.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			if b := mustBalance(t, o); b.InHandCents != 3000 || b.AsOf != "2026-11-27T12:00:00+08:00" {
				t.Errorf("page size %d: balance = %+v, want the one as of 12:00 with 3000 in hand", limit, b)
			}
		}
	})

	t.Run("the balance survives Close and reads offline, also after a failed sync", func(t *testing.T) {
		f := newFakeServer(t)
		f.addBalance(balanceAt("2026-11-27T08:00:00+08:00", 4200, 0, 0))
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		o.Close()
		f.srv.Close() // the handheld goes offline

		o2, _ := openTest(t, path, testOptions(f))
		if err := o2.Sync(t.Context()); err == nil {
			t.Fatal("premise: Sync against a closed server should fail")
		}
		if b := mustBalance(t, o2); b.InHandCents != 4200 || b.AsOf != "2026-11-27T08:00:00+08:00" {
			t.Errorf("offline balance = %+v, want the last pulled one", b)
		}
	})

	t.Run("a balance is stored with its page's cursor: a kill after the first page keeps the first balance only", func(t *testing.T) {
		f := newFakeServer(t)
		f.addBalance(balanceAt("2026-11-27T08:00:00+08:00", 1000, 0, 0))
		f.addBalance(balanceAt("2026-11-27T09:00:00+08:00", 2000, 0, 0))
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		o.pullLimit = 1
		o.hook = func(point string) error {
			if point == "pull-stored" {
				return errKilled
			}
			return nil
		}
		if err := o.Sync(t.Context()); !errors.Is(err, errKilled) {
			t.Fatalf("Sync = %v, want the kill", err)
		}
		o.Close()
		o2, _ := openTest(t, path, testOptions(f))
		if b, s := mustBalance(t, o2), mustStatus(t, o2); b.InHandCents != 1000 || s.Cursor != "c1" {
			t.Errorf("after the kill balance = %+v, cursor %q; want the first balance and cursor c1", b, s.Cursor)
		}
		if err := o2.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if b := mustBalance(t, o2); b.InHandCents != 2000 {
			t.Errorf("after resuming balance = %+v, want the second", b)
		}
	})

	t.Run("a balance without as_of fails the sync and stores nothing", func(t *testing.T) {
		f := newFakeServer(t)
		f.addTask("t1", 1, TaskOpen)
		f.addChange("cod_balance", []byte(`{"courier_id":"courier-7","in_hand_cents":100}`))
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); !errors.Is(err, ErrProtocol) {
			t.Errorf("Sync = %v, want ErrProtocol", err)
		}
		if s := mustStatus(t, o); s.Cursor != "" {
			t.Errorf("cursor = %q, want none", s.Cursor)
		}
		if b := mustBalance(t, o); b.AsOf != "" {
			t.Errorf("balance = %+v, want none", b)
		}
	})
}
