package mobileapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// complaintList returns the open complaints as "id@version:status" in list
// order.
func complaintList(t *testing.T, o *Outbox) string {
	t.Helper()
	l, err := o.OpenComplaints()
	if err != nil {
		t.Fatalf("OpenComplaints: %v", err)
	}
	var parts []string
	for i := range l.Len() {
		c := l.Get(i)
		parts = append(parts, c.ComplaintID+"@"+strconv.FormatInt(c.Version, 10)+":"+c.Status)
	}
	return strings.Join(parts, " ")
}

// mustComplaint returns open complaint id from OpenComplaints.
func mustComplaint(t *testing.T, o *Outbox, id string) *ComplaintCase {
	t.Helper()
	l, err := o.OpenComplaints()
	if err != nil {
		t.Fatal(err)
	}
	for i := range l.Len() {
		if c := l.Get(i); c.ComplaintID == id {
			return c
		}
	}
	t.Fatalf("complaint %s is not in the open list", id)
	return nil
}

// storedComplaints counts the entries of the complaints bucket, stubs of
// closed complaints included.
func storedComplaints(t *testing.T, o *Outbox) int {
	t.Helper()
	var n int
	if err := o.view(func(tx *bolt.Tx) error { n = tx.Bucket(bucketComplaints).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestComplaints(t *testing.T) {
	t.Run("open complaints are listed soonest due first, ties by id, with every field of the view", func(t *testing.T) {
		f := newFakeServer(t)
		f.addComplaint(complaintView("cp-3", 1, ComplaintReceived, "2026-11-26T09:00:00+08:00", "张*", "138****0003")) // due 12-03 01:00Z
		f.addComplaint(complaintView("cp-1", 2, ComplaintVerified, "2026-11-25T18:00:00Z", "李*", "138****0001"))      // due 12-02 18:00Z
		f.addComplaint(complaintView("cp-4", 1, ComplaintHandled, "2026-11-26T01:00:00Z", "王*", "138****0004"))       // due 12-03 01:00Z
		f.addComplaint(complaintView("cp-2", 1, ComplaintReceived, "2026-11-24T20:00:00+08:00", "赵*", "138****0002")) // due 12-01 12:00Z
		noWaybill := complaintView("cp-5", 1, ComplaintReceived, "2026-11-27T08:00:00+08:00", "钱*", "138****0005")
		noWaybill.Waybill, noWaybill.Exempted = "", true
		f.addComplaint(noWaybill)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if l, err := o.OpenComplaints(); err != nil || l.Len() != 0 {
			t.Fatalf("OpenComplaints before a pull = %v, %v; want an empty list", l, err)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got, want := complaintList(t, o), "cp-2@1:received cp-1@2:verified cp-3@1:received cp-4@1:handled cp-5@1:received"; got != want {
			t.Errorf("OpenComplaints = %q, want %q", got, want)
		}
		want := ComplaintCase{ComplaintID: "cp-2", Category: "delay", Description: "parcel cp-2 two days late",
			Status: ComplaintReceived, Waybill: "WB-cp-2", NameMasked: "赵*", PhoneMasked: "138****0002",
			ReceivedAt: "2026-11-24T20:00:00+08:00", AtRiskFrom: "2026-11-29T20:00:00+08:00", DueBy: "2026-12-01T20:00:00+08:00",
			Version: 1}
		if got := mustComplaint(t, o, "cp-2"); *got != want {
			t.Errorf("cp-2 = %+v, want %+v", *got, want)
		}
		if c := mustComplaint(t, o, "cp-5"); c.Waybill != "" || !c.Exempted {
			t.Errorf("cp-5 = %+v, want no waybill and the courier exempted", c)
		}
		l, _ := o.OpenComplaints()
		if l.Get(-1) != nil || l.Get(l.Len()) != nil {
			t.Error("Get out of range should return nil")
		}
	})

	t.Run("a newer version replaces the stored view and an older one arriving late does not", func(t *testing.T) {
		f := newFakeServer(t)
		f.addComplaint(complaintView("cp-1", 1, ComplaintReceived, "2026-11-25T10:00:00+08:00", "张*", "138****0001"))
		exempt := complaintView("cp-1", 2, ComplaintVerified, "2026-11-25T10:00:00+08:00", "张*", "138****0001")
		exempt.Exempted = true
		f.addComplaint(exempt)
		f.addComplaint(complaintView("cp-1", 1, ComplaintReceived, "2026-11-25T10:00:00+08:00", "张*", "138****0001"))
		o, _ := openTest(t, tempDB(t), testOptions(f))
		o.pullLimit = 1
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := complaintList(t, o); got != "cp-1@2:verified" {
			t.Errorf("complaints = %q, want cp-1@2:verified", got)
		}
		if c := mustComplaint(t, o, "cp-1"); !c.Exempted {
			t.Errorf("cp-1 = %+v, want the exemption of version 2", c)
		}
	})

	t.Run("open complaints survive Close and read offline", func(t *testing.T) {
		f := newFakeServer(t)
		f.addComplaint(complaintView("cp-1", 1, ComplaintReceived, "2026-11-25T10:00:00+08:00", "张*", "138****0001"))
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		o.Close()
		f.srv.Close()
		o2, _ := openTest(t, path, testOptions(f))
		if err := o2.Sync(t.Context()); err == nil {
			t.Fatal("premise: Sync against a closed server should fail")
		}
		if c := mustComplaint(t, o2, "cp-1"); c.PhoneMasked != "138****0001" || c.DueBy != "2026-12-02T10:00:00+08:00" {
			t.Errorf("offline cp-1 = %+v, want the pulled view", c)
		}
	})

	t.Run("a malformed complaint change fails the sync and does not move the cursor", func(t *testing.T) {
		f := newFakeServer(t)
		f.addComplaint(complaintView("cp-1", 1, ComplaintReceived, "2026-11-25T10:00:00+08:00", "张*", "138****0001"))
		f.addChange("complaint", []byte(`{"complaint_id":"","status":"received"}`))
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); !errors.Is(err, ErrProtocol) {
			t.Errorf("Sync = %v, want ErrProtocol", err)
		}
		if s := mustStatus(t, o); s.Cursor != "" {
			t.Errorf("cursor = %q, want none", s.Cursor)
		}
		if got := complaintList(t, o); got != "" {
			t.Errorf("complaints = %q, want none stored from the refused page", got)
		}
	})
}

func TestComplaintRemoval(t *testing.T) {
	const (
		keepPhone = "139****0007"
		gonePhone = "137****2468"
		goneName  = "欧阳*"
		others    = 20 // open complaints besides the one that closes
	)
	cases := []struct{ name, status string }{
		{"a closed complaint", ComplaintClosed},
		{"a complaint in a status this library does not know", "archived"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" leaves the list and no byte of its customer or description in the file", func(t *testing.T) {
			f := newFakeServer(t)
			for i := range others {
				f.addComplaint(complaintView(fmt.Sprintf("keep-%02d", i), 1, ComplaintReceived, "2026-11-25T10:00:00+08:00", "李*", fmt.Sprintf("139****%04d", i)))
			}
			open := complaintView("gone", 1, ComplaintReceived, "2026-11-24T10:00:00+08:00", goneName, gonePhone)
			open.Description = "customer-says-box-was-open"
			f.addComplaint(open)
			path := tempDB(t)
			o, _ := openTest(t, path, testOptions(f))
			if err := o.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			if !fileHas(t, path, gonePhone) || !fileHas(t, path, open.Description) {
				t.Fatal("premise: the open complaint's customer and text should be in the file")
			}

			closed := complaintView("gone", 4, tc.status, "2026-11-24T10:00:00+08:00", goneName, gonePhone)
			closed.Description = open.Description // the server's closed view still carries them
			f.addComplaint(closed)
			f.addComplaint(open) // an older view arriving late does not bring it back
			if err := o.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{gonePhone, goneName, open.Description} {
				if fileHas(t, path, s) {
					t.Errorf("the file still holds %q of the closed complaint", s)
				}
			}
			if !fileHas(t, path, keepPhone) {
				t.Error("an open complaint's masked phone is gone too")
			}
			l, err := o.OpenComplaints()
			if err != nil {
				t.Fatal(err)
			}
			if l.Len() != others || l.Get(0).ComplaintID != "keep-00" {
				t.Errorf("open complaints = %q, want the %d others", complaintList(t, o), others)
			}
		})
	}

	t.Run("a complaint opened and closed between two syncs never shows and leaves no customer behind", func(t *testing.T) {
		f := newFakeServer(t)
		f.addComplaint(complaintView("brief", 1, ComplaintReceived, "2026-11-24T10:00:00+08:00", goneName, gonePhone))
		f.addComplaint(complaintView("brief", 4, ComplaintClosed, "2026-11-24T10:00:00+08:00", goneName, gonePhone))
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := complaintList(t, o); got != "" {
			t.Errorf("complaints = %q, want none", got)
		}
		if fileHas(t, path, gonePhone) || fileHas(t, path, goneName) {
			t.Error("the file holds the closed complaint's customer")
		}
	})
}

func TestComplaintDeadline(t *testing.T) {
	// Received on 25 November in Shanghai: at risk from 30 November, due
	// on 2 December, across the month's end.
	const received = "2026-11-25T10:00:00+08:00"
	shanghai := time.FixedZone("CST", 8*3600)
	cases := []struct {
		name             string
		now              time.Time
		atRisk, breached bool
	}{
		{"four days in, the complaint is neither at risk nor breached", time.Date(2026, 11, 29, 10, 0, 0, 0, shanghai), false, false},
		{"a second before day 5 it is not yet at risk", time.Date(2026, 11, 30, 9, 59, 59, 0, shanghai), false, false},
		{"from day 5 it is at risk", time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai), true, false},
		{"on 1 December, the next month, it is still at risk", time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai), true, false},
		{"a second before the deadline it is at risk", time.Date(2026, 12, 2, 9, 59, 59, 0, shanghai), true, false},
		{"at the deadline itself it is neither, as on the server", time.Date(2026, 12, 2, 10, 0, 0, 0, shanghai), false, false},
		{"a second after the deadline it is breached", time.Date(2026, 12, 2, 10, 0, 1, 0, shanghai), false, true},
		{"a clock in UTC reads the same instant: breached", time.Date(2026, 12, 2, 2, 0, 1, 0, time.UTC), false, true},
	}
	f := newFakeServer(t)
	f.addComplaint(complaintView("cp-1", 1, ComplaintVerified, received, "张*", "138****0001"))
	var now time.Time
	opts := testOptions(f)
	opts.Now = func() time.Time { return now }
	path := tempDB(t)
	o, _ := openTest(t, path, opts)
	now = testClock
	if err := o.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.srv.Close() // the deadline is worked out offline
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now = tc.now
			c := mustComplaint(t, o, "cp-1")
			if c.AtRisk != tc.atRisk || c.Breached != tc.breached {
				t.Errorf("at %s: at risk %v, breached %v; want %v, %v", tc.now.Format(time.RFC3339), c.AtRisk, c.Breached, tc.atRisk, tc.breached)
			}
		})
	}
}

func TestFeedRestartDropsBalanceAndComplaints(t *testing.T) {
	t.Run("cursor_expired drops the stored balance and complaints, and their bytes, before pulling again", func(t *testing.T) {
		const oldPhone = "137****1357"
		f := newFakeServer(t)
		f.addBalance(balanceAt("2026-11-27T08:00:00+08:00", 9900, 0, 0))
		f.addComplaint(complaintView("old", 1, ComplaintReceived, "2026-11-25T10:00:00+08:00", "孙*", oldPhone))
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if !fileHas(t, path, oldPhone) {
			t.Fatal("premise: the complaint's masked phone should be in the file")
		}
		// The server compacts its history: only a new complaint remains.
		f.compact()
		f.addComplaint(complaintView("new", 1, ComplaintReceived, "2026-11-26T10:00:00+08:00", "周*", "138****2468"))
		f.set(func(f *fakeServer) { f.expired["c2"] = true })
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		if got := strings.Join(pulledCursors(f), ","); got != ",c2," {
			t.Errorf("pulled with cursors %q, want the expired c2 then the beginning", got)
		}
		if got := complaintList(t, o); got != "new@1:received" {
			t.Errorf("complaints = %q, want only the one the restarted feed sent", got)
		}
		if n := storedComplaints(t, o); n != 1 {
			t.Errorf("stored complaints = %d, want 1", n)
		}
		if b := mustBalance(t, o); b != (CODBalance{}) {
			t.Errorf("balance = %+v, want it dropped with the feed state", b)
		}
		if fileHas(t, path, oldPhone) {
			t.Error("the file still holds the dropped complaint's masked phone")
		}
	})
}
