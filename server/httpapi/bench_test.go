package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// BenchmarkPush measures durable intake through the whole app: 8 ×
// GOMAXPROCS devices of 8 couriers push batches of 50 pickups with UUIDv7
// op ids (as mobile-api makes them) at once. One iteration is one push; ops/s is
// the figure to compare with DEPS.md.
func BenchmarkPush(b *testing.B) {
	const (
		couriers = 8
		batch    = 50
	)
	h := newHarness(b)
	sessions := make([]*session, couriers)
	for i := range sessions {
		sessions[i] = h.courier(b, fmt.Sprintf("bench-%d", i))
	}
	var next atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS devices pushing at once
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n := next.Add(1)
		s := sessions[int(n)%couriers]
		seq := n << 32 // each goroutine counts in its own range
		now := h.clock.Now()
		for pb.Next() {
			ops := make([]syncproto.Op, batch)
			for i := range ops {
				id := uuid.Must(uuid.NewV7())
				seq++
				p := pickup("BM" + strings.ReplaceAll(id.String(), "-", "")[:30])
				ops[i] = makeOp(syncproto.KindPickup, seq, now, p)
				ops[i].OpID = id.String()
			}
			r, err := h.send("POST", "/v1/sync/push", s.access, pushBody{DeviceID: s.device, Ops: ops})
			if err != nil || r.status != 200 {
				b.Errorf("push: %v %s", err, r)
				return
			}
			var pr syncproto.PushResponse
			if err := json.Unmarshal(r.body, &pr); err != nil || len(pr.Results) != batch || pr.Results[0].Status != syncproto.StatusApplied {
				b.Errorf("push answered %s", r)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "ops/s")
}
