package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// TestConcurrentPushesApplyEachOpExactlyOnce has 32 goroutines push at once
// through the app: each sends a batch it shares with another goroutine (a
// resend racing the original) and a batch of its own.
func TestConcurrentPushesApplyEachOpExactlyOnce(t *testing.T) {
	const (
		couriers   = 8
		goroutines = 32
		sharedOps  = 25
		ownOps     = 10
	)
	h := newHarness(t)
	sup := h.user(t, "boss", syncproto.RoleSupervisor)
	sessions := make([]*session, couriers)
	for i := range sessions {
		sessions[i] = h.courier(t, fmt.Sprintf("courier-%d", i))
	}
	batch := func(s *session, n int) []syncproto.Op {
		ops := make([]syncproto.Op, n)
		for i := range ops {
			if i%5 == 4 {
				ops[i] = s.op("cod_receipt", codReceipt(waybill(), "R-"+strings.ToUpper(waybill()), 100))
			} else {
				ops[i] = s.op("pickup", pickup(waybill()))
			}
		}
		return ops
	}
	// Goroutines g and g+16 share a batch; g%8 picks the courier.
	shared := make([][]syncproto.Op, goroutines/2)
	for i := range shared {
		shared[i] = batch(sessions[i%couriers], sharedOps)
	}
	own := make([][]syncproto.Op, goroutines)
	for g := range own {
		own[g] = batch(sessions[g%couriers], ownOps)
	}
	distinct := map[string]bool{}
	for _, b := range append(append([][]syncproto.Op{}, shared...), own...) {
		for _, op := range b {
			distinct[op.OpID] = true
		}
	}

	type sent struct {
		ops []syncproto.Op
		res []syncproto.PushResult
	}
	var (
		mu    sync.Mutex
		all   []sent
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make(chan error, 2*goroutines)
	)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s := sessions[g%couriers]
			for _, ops := range [][]syncproto.Op{shared[g%(goroutines/2)], own[g]} {
				res, err := s.tryPush(ops)
				if err != nil {
					errs <- fmt.Errorf("goroutine %d: %w", g, err)
					return
				}
				mu.Lock()
				all = append(all, sent{ops, res})
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	t.Run("each op was applied once, and every answer for it agrees", func(t *testing.T) {
		fresh := map[string]int{}
		first := map[string]syncproto.PushResult{}
		for _, s := range all {
			for _, r := range s.res {
				if r.Status != syncproto.StatusApplied || r.Ref == "" {
					t.Fatalf("op %s: %s, want applied", r.OpID, show(r))
				}
				if !r.Duplicate {
					fresh[r.OpID]++
				}
				if f, ok := first[r.OpID]; ok && (f.Ref != r.Ref || f.Status != r.Status) {
					t.Fatalf("op %s answered %s and %s", r.OpID, show(f), show(r))
				}
				first[r.OpID] = r
			}
		}
		for id := range distinct {
			if fresh[id] != 1 {
				t.Errorf("op %s was answered as new %d times, want once", id, fresh[id])
			}
		}
	})
	t.Run("the audit log lists each op exactly once", func(t *testing.T) {
		entries := h.auditAll(t, sup.access, "", 500)
		n := countByOpID(entries)
		if len(entries) != len(distinct) || len(n) != len(distinct) {
			t.Fatalf("audit has %d entries for %d op ids, want %d", len(entries), len(n), len(distinct))
		}
		for id := range distinct {
			if n[id] != 1 {
				t.Errorf("op %s appears %d times", id, n[id])
			}
		}
	})
}
