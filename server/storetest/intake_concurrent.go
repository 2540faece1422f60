package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Exactly-once intake under concurrency: pushes of many devices at once,
// and one device's batch sent several times at once.

func concurrentPushesApplyOnce(t *testing.T, w *world) {
	const devices, batches, perBatch = 4, 5, 10
	ds := make([]*device, devices)
	for i := range ds {
		ds[i] = w.courier(fmt.Sprintf("conc-%d", i))
	}
	applied := make([]int, devices)
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				ops := make([]syncproto.Op, perBatch)
				for j := range ops {
					ops[j] = d.opNoHelper(syncproto.KindPickup, pickup(fmt.Sprintf("SF%d%02d%03d", i, b, j), 0))
				}
				for try := 0; try < 2; try++ { // every batch is sent twice
					resp, err := w.s.Sync.Push(w.ctx, d.p, &syncproto.PushRequest{DeviceID: d.p.DeviceID, Ops: ops})
					if err != nil {
						t.Error(err)
						return
					}
					for _, r := range resp.Results {
						if r.Status == syncproto.StatusApplied && !r.Duplicate {
							applied[i]++
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, n := range applied {
		if n != batches*perBatch {
			t.Fatalf("device %d: %d ops applied for the first time, want %d", i, n, batches*perBatch)
		}
	}
	seen := map[string]bool{}
	cursor := ""
	for {
		page, err := w.s.Audit.ListOps(w.ctx, server.AuditFilter{Cursor: cursor, Limit: 37})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Ops {
			if seen[o.OpID] {
				t.Fatalf("op %s listed twice", o.OpID)
			}
			seen[o.OpID] = true
		}
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	if len(seen) != devices*batches*perBatch {
		t.Fatalf("%d ops listed, want %d", len(seen), devices*batches*perBatch)
	}
}

// opNoHelper is op for goroutines (no t.Helper, no t.Fatal); the payload
// must marshal.
func (d *device) opNoHelper(kind string, payload map[string]any) syncproto.Op {
	d.seq++
	return syncproto.Op{OpID: newOpID(d.p.UserID, d.seq), Seq: d.seq, Kind: kind,
		RecordedAt: d.w.now().Format("2006-01-02T15:04:05Z07:00"), Payload: mustJSON(payload)}
}

func samePushAtOnce(t *testing.T, w *world) {
	c := w.courier("twice")
	for round := 0; round < 5; round++ {
		ops := make([]syncproto.Op, 20)
		for i := range ops {
			wb := fmt.Sprintf("SF8%d%06d", round, i)
			ops[i] = c.op(syncproto.KindPickup, w.now(), pickup(wb, 100))
			if i%2 == 1 {
				ops[i] = c.op(syncproto.KindCODReceipt, w.now(), receipt(fmt.Sprintf("SF8%d%06d", round, i-1), "R-"+wb, 100))
			}
		}
		results := make([][]syncproto.PushResult, 3)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := w.s.Sync.Push(w.ctx, c.p, &syncproto.PushRequest{DeviceID: c.p.DeviceID, Ops: ops})
				if err != nil {
					t.Error(err)
					return
				}
				results[i] = resp.Results
			}()
		}
		wg.Wait()
		for j := range ops {
			fresh := 0
			for i := range results {
				if len(results[i]) != len(ops) {
					t.Fatalf("round %d: push %d gave %d results", round, i, len(results[i]))
				}
				r := results[i][j]
				if r.Status != syncproto.StatusApplied {
					t.Fatalf("round %d op %d: %s", round, j, outcome(r))
				}
				if !r.Duplicate {
					fresh++
				}
			}
			if fresh != 1 {
				t.Fatalf("round %d op %d applied %d times", round, j, fresh)
			}
		}
	}
	if tot := w.ledger(server.LedgerFilter{}).Totals; tot.Count != 50 || tot.CollectedCents != 5000 {
		t.Fatalf("ledger %+v, want 50 receipts of 100 once each", tot)
	}
}
