package syncproto_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// pushBody is a push of 50 pickups of ~560 bytes, as courier-sim's bench
// sends them.
func pushBody(b *testing.B) []byte {
	ops := make([]syncproto.Op, 50)
	at := time.Date(2026, 11, 27, 9, 12, 3, 0, time.FixedZone("", 8*3600)).Format(time.RFC3339Nano)
	for i := range ops {
		p := fmt.Sprintf(`{"waybill":"SF%010d","sender":{"name":"张伟","phone":"13812345678","address":"上海市浦东新区世纪大道100号%d室"},`+
			`"recipient":{"name":"李娜","phone":"13987654321","address":"北京市朝阳区建国路88号%d号楼"},"weight_g":1200,`+
			`"declared_value_cents":50000,"insured":true,"insured_value_cents":50000,"cod_amount_cents":0,"inspected":true}`, i, i, i)
		ops[i] = syncproto.Op{OpID: fmt.Sprintf("0190f3c2-7d1e-7a6b-9c1d-%012x", i), Seq: int64(i + 1), Kind: syncproto.KindPickup, RecordedAt: at, Payload: json.RawMessage(p)}
	}
	body, err := json.Marshal(syncproto.PushRequest{DeviceID: "dev-001", SentAt: at, Ops: ops})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodePush decodes and validates a push of 50 pickups as the
// server's push path does (the request, its envelope, each op); ns/op is
// per op.
func BenchmarkDecodePush(b *testing.B) {
	body := pushBody(b)
	b.ReportAllocs()
	for b.Loop() {
		var req syncproto.PushRequest
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
		if e := syncproto.ValidatePush(&req); e != nil {
			b.Fatal(e)
		}
		for i := range req.Ops {
			if _, e := syncproto.ValidateOp(&req.Ops[i]); e != nil {
				b.Fatal(e)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*50), "ns/op-each")
}
