package bolt_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestResentOpsGetTheirOriginalResultsMarkedDuplicate(t *testing.T) {
	db := openDB(t, bolt.Options{})
	c := courier(t, db, "resend", "dev")
	now := time.Now()
	ops := []syncproto.Op{
		op("pickup", 1, now, pickup("SF10000001")),
		op("pickup", 2, now, pickup("SF10000001")),
		op("callback_outcome", 3, now, map[string]any{"task_id": "cb-1", "result": "reached", "resolved": true, "note": "ok"}),
	}
	first := push(t, db, c, ops...)
	again := push(t, db, c, ops...)
	for i := range first {
		if first[i].Duplicate || !again[i].Duplicate {
			t.Fatalf("op %d: duplicate flags first=%v again=%v", i, first[i].Duplicate, again[i].Duplicate)
		}
		again[i].Duplicate = false
		if !reflect.DeepEqual(first[i], again[i]) {
			t.Fatalf("op %d: resend got %+v, first time %+v", i, again[i], first[i])
		}
	}
	if codeOf(first[1]) != "rejected:duplicate_waybill" || codeOf(first[2]) != "rejected:not_assigned" {
		t.Fatalf("unexpected outcomes: %s, %s", codeOf(first[1]), codeOf(first[2]))
	}
}

func TestReusedOpIDWithOtherContentIsRefusedAndChangesNothing(t *testing.T) {
	db := openDB(t, bolt.Options{})
	c := courier(t, db, "conflict", "dev")
	other := courier(t, db, "conflict-2", "dev-2")
	orig := op("pickup", 1, time.Now(), pickup("SF20000001"))
	push(t, db, c, orig)

	variants := map[string]func(o *syncproto.Op){
		"another payload": func(o *syncproto.Op) { o.Payload = []byte(`{"waybill":"SF20000002"}`) },
		"another kind":    func(o *syncproto.Op) { o.Kind = "complaint" },
		"another seq":     func(o *syncproto.Op) { o.Seq = 2 },
	}
	for name, change := range variants {
		t.Run("an op id reused with "+name+" is op_id_conflict", func(t *testing.T) {
			o := orig
			change(&o)
			if got := codeOf(push(t, db, c, o)[0]); got != "rejected:op_id_conflict" {
				t.Fatalf("got %s", got)
			}
		})
	}
	t.Run("an op id reused from another device is op_id_conflict", func(t *testing.T) {
		if got := codeOf(push(t, db, other, orig)[0]); got != "rejected:op_id_conflict" {
			t.Fatalf("got %s", got)
		}
	})
	list, err := db.ListOps(context.Background(), server.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Ops) != 1 || list.Ops[0].Status != "applied" {
		t.Fatalf("audit after conflicts: %+v, want the original op only", list.Ops)
	}
}

func TestConcurrentPushesApplyEveryOpExactlyOnce(t *testing.T) {
	db := openDB(t, bolt.Options{})
	const devices, batches, perBatch = 16, 10, 20
	var wg sync.WaitGroup
	var applied atomic.Int64
	for d := 0; d < devices; d++ {
		p := courier(t, db, fmt.Sprintf("conc-%02d", d), fmt.Sprintf("dev-%02d", d))
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := int64(0)
			for b := 0; b < batches; b++ {
				ops := make([]syncproto.Op, perBatch)
				for i := range ops {
					seq++
					ops[i] = op("pickup", seq, time.Now(), pickup(fmt.Sprintf("SF%s%06d", p.UserID, seq)))
				}
				for try := 0; try < 2; try++ { // every batch is sent twice
					resp, err := db.Push(context.Background(), p, &syncproto.PushRequest{DeviceID: p.DeviceID, Ops: ops})
					if err != nil {
						t.Error(err)
						return
					}
					for _, r := range resp.Results {
						if r.Status == "applied" && !r.Duplicate {
							applied.Add(1)
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	want := int64(devices * batches * perBatch)
	if applied.Load() != want {
		t.Fatalf("applied %d ops for the first time, want %d", applied.Load(), want)
	}
	seen := map[string]bool{}
	cursor := ""
	for {
		page, err := db.ListOps(context.Background(), server.AuditFilter{Cursor: cursor, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Ops {
			if seen[o.OpID] {
				t.Fatalf("op %s listed twice in the audit", o.OpID)
			}
			seen[o.OpID] = true
		}
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	if int64(len(seen)) != want {
		t.Fatalf("audit holds %d ops, want %d", len(seen), want)
	}
}

// BenchmarkPushGroupCommit pushes batches of 50 pickups from 64 concurrent
// devices straight into the store (no HTTP), with fsync on.
func BenchmarkPushGroupCommit(b *testing.B) {
	db := openDB(b, bolt.Options{})
	const devices, perBatch = 64, 50
	principals := make([]server.Principal, devices)
	for i := range principals {
		principals[i] = courier(b, db, fmt.Sprintf("bench-%03d", i), fmt.Sprintf("dev-%03d", i))
	}
	var next atomic.Int64
	var seqs [devices]atomic.Int64
	b.SetParallelism(devices / 2) // GOMAXPROCS=2 → 64 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		d := int(next.Add(1)-1) % devices
		p := principals[d]
		for pb.Next() {
			ops := make([]syncproto.Op, perBatch)
			for i := range ops {
				s := seqs[d].Add(1)
				ops[i] = op("pickup", s, time.Now(), pickup(fmt.Sprintf("W%s-%07d", p.UserID, s)))
			}
			if _, err := db.Push(context.Background(), p, &syncproto.PushRequest{DeviceID: p.DeviceID, Ops: ops}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*perBatch)/b.Elapsed().Seconds(), "ops/s")
}
