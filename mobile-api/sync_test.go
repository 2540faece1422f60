package mobileapi

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// pushedSeqs decodes every push body the server received into its seqs.
func pushedSeqs(t *testing.T, f *fakeServer) [][]int64 {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]int64
	for _, b := range f.pushBodies {
		var req syncproto.PushRequest
		if err := json.Unmarshal(b, &req); err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, op := range req.Ops {
			seqs = append(seqs, op.Seq)
		}
		out = append(out, seqs)
	}
	return out
}

func TestSyncPush(t *testing.T) {
	t.Run("sync pushes every op once, in seq order, in batches of BatchSize", func(t *testing.T) {
		f := newFakeServer(t)
		opts := testOptions(f)
		opts.BatchSize = 4
		o, _ := openTest(t, tempDB(t), opts)
		ids := recordMixed(t, o, 10)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		got := pushedSeqs(t, f)
		want := [][]int64{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10}}
		if len(got) != len(want) {
			t.Fatalf("pushes = %v, want %v", got, want)
		}
		for i := range want {
			if len(got[i]) != len(want[i]) {
				t.Fatalf("pushes = %v, want %v", got, want)
			}
			for j := range want[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("pushes = %v, want %v", got, want)
				}
			}
		}
		f.checkExactlyOnce(t, ids)
		s := mustStatus(t, o)
		if s.Pending != 0 || s.Rejected != 0 || s.LastError != "" || s.LastSyncAt != "2026-11-27T09:12:03.000+08:00" || s.DeviceID != testDevice {
			t.Errorf("status = %+v, want empty outbox, no error, LastSyncAt from the clock", s)
		}
	})

	t.Run("rejected ops land in RejectedOps with their code and do not block later ops", func(t *testing.T) {
		f := newFakeServer(t)
		opts := testOptions(f)
		opts.BatchSize = 7
		o, _ := openTest(t, tempDB(t), opts)
		ids := recordMixed(t, o, 40) // ops 31 (i=30) is a duplicate waybill
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		rej, err := o.RejectedOps()
		if err != nil {
			t.Fatal(err)
		}
		if len(rej) != 1 || rej[0].OpID != ids[30] || rej[0].Seq != 31 || rej[0].Kind != syncproto.KindPickup ||
			rej[0].Code != string(syncproto.CodeDuplicateWaybill) || rej[0].Message == "" || rej[0].RecordedAt == "" {
			t.Fatalf("RejectedOps = %+v, want op 31 with duplicate_waybill", rej)
		}
		if s := mustStatus(t, o); s.Pending != 0 || s.Rejected != 1 {
			t.Errorf("status pending=%d rejected=%d, want 0 and 1", s.Pending, s.Rejected)
		}
		// A second Sync sends nothing more: the rejected op is out of the queue.
		before := len(pushedSeqs(t, f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if after := len(pushedSeqs(t, f)); after != before {
			t.Errorf("second Sync made %d pushes, want none", after-before)
		}
	})

	t.Run("an oversized batch answered 413 is halved until it fits", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.maxOps = 3 })
		opts := testOptions(f)
		opts.BatchSize = 10
		o, _ := openTest(t, tempDB(t), opts)
		ids := recordMixed(t, o, 12)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		f.set(func(f *fakeServer) {
			if f.pushSizes[0] != 10 || f.pushSizes[1] != 5 {
				t.Errorf("push sizes = %v, want 10, 5, then ≤3", f.pushSizes)
			}
			for _, n := range f.pushSizes[2:] {
				if n > 3 {
					t.Errorf("push sizes = %v: a batch over the limit was sent after a 413", f.pushSizes)
				}
			}
		})
	})

	t.Run("a refusing server (403) keeps everything queued and reports it in LastError", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{faultForbidden} })
		o, _ := openTest(t, tempDB(t), testOptions(f))
		ids := recordMixed(t, o, 3)
		err := o.Sync(t.Context())
		var se *syncproto.Error
		if !errors.Is(err, ErrRefused) || !errors.As(err, &se) || se.Code != syncproto.CodeForbidden {
			t.Fatalf("Sync = %v, want ErrRefused wrapping forbidden", err)
		}
		s := mustStatus(t, o)
		if s.Pending != 3 || !strings.Contains(s.LastError, "403") || s.LastSyncAt != "" {
			t.Errorf("status = %+v, want 3 pending, a 403 LastError, no LastSyncAt", s)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("second Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		if s := mustStatus(t, o); s.Pending != 0 || s.LastError != "" {
			t.Errorf("status after recovery = %+v, want empty outbox and LastError cleared", s)
		}
	})

	t.Run("ops recorded while a sync runs are all delivered by the next sync", func(t *testing.T) {
		f := newFakeServer(t)
		opts := testOptions(f)
		opts.BatchSize = 3
		o, _ := openTest(t, tempDB(t), opts)
		var mu sync.Mutex
		var ids []string
		ids = append(ids, recordMixed(t, o, 6)...)
		var wg sync.WaitGroup
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					id, err := o.RecordComplaint(sampleComplaint())
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					ids = append(ids, id)
					mu.Unlock()
				}
			}()
		}
		syncErr := make(chan error, 2)
		for g := 0; g < 2; g++ {
			go func() { syncErr <- o.Sync(t.Context()) }()
		}
		wg.Wait()
		for g := 0; g < 2; g++ {
			if err := <-syncErr; err != nil {
				t.Errorf("concurrent Sync: %v", err)
			}
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.checkExactlyOnce(t, ids)
		for _, seqs := range pushedSeqs(t, f) {
			for i := 1; i < len(seqs); i++ {
				if seqs[i] <= seqs[i-1] {
					t.Errorf("push with seqs %v is not in order", seqs)
				}
			}
		}
		if s := mustStatus(t, o); s.Pending != 0 {
			t.Errorf("pending = %d, want 0", s.Pending)
		}
	})

	t.Run("a resend carries the same bytes, so the server sees a duplicate and not a conflict", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{faultDropAfter} })
		o, _ := openTest(t, tempDB(t), testOptions(f))
		ids := recordMixed(t, o, 6)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if string(f.bodyOf(1)) != string(f.bodyOf(2)) {
			t.Errorf("resent body differs:\n%s\n%s", f.bodyOf(1), f.bodyOf(2))
		}
		f.checkExactlyOnce(t, ids)
		f.set(func(f *fakeServer) {
			if f.duplicates != 6 {
				t.Errorf("server saw %d duplicates, want 6", f.duplicates)
			}
		})
		if rej, _ := o.RejectedOps(); len(rej) != 0 {
			t.Errorf("RejectedOps = %+v, want none (duplicates count as applied)", rej)
		}
	})

	t.Run("sync after Close fails with ErrClosed", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(newFakeServer(t)))
		o.Close()
		if err := o.Sync(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("Sync = %v, want ErrClosed", err)
		}
	})
}
