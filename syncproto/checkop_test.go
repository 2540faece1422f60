package syncproto_test

import (
	"encoding/json"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// CheckOp hands back recorded_at as ParseOpTime reads it, and the zero
// time with the same error as ValidateOp when it refuses the op.
func TestCheckOpReturnsTheParsedRecordedAt(t *testing.T) {
	for _, ts := range []string{"2026-11-27T01:12:03Z", "2026-11-27T09:12:03.123456789+08:00", "2026-11-26T20:12:03-05:00"} {
		op := &syncproto.Op{Kind: syncproto.KindCODReceipt, RecordedAt: ts, Payload: payloadJSON(t, syncproto.KindCODReceipt)}
		_, at, e := syncproto.CheckOp(op)
		want, _ := syncproto.ParseOpTime(ts)
		if e != nil || !at.Equal(want) || at.Location().String() != want.Location().String() {
			t.Errorf("%s: got %v, %v; want %v", ts, at, e, want)
		}
	}
	for _, bad := range []*syncproto.Op{
		{Kind: syncproto.KindCODReceipt, RecordedAt: "1999-12-31T23:59:59Z", Payload: payloadJSON(t, syncproto.KindCODReceipt)},
		{Kind: syncproto.KindCODReceipt, RecordedAt: "2026-11-27T09:12:03", Payload: payloadJSON(t, syncproto.KindCODReceipt)},
		{Kind: "teleport", RecordedAt: "1999-12-31T23:59:59Z", Payload: json.RawMessage(`{}`)},
		{Kind: syncproto.KindCODReceipt, RecordedAt: "2026-11-27T09:12:03Z", Payload: json.RawMessage(`{"amount_cents":"1"}`)},
	} {
		p, at, e := syncproto.CheckOp(bad)
		_, want := syncproto.ValidateOp(bad)
		if p != nil || !at.IsZero() || e == nil || *e != *want {
			t.Errorf("%s at %s: got %v, %v, %v; want nil, zero, %v", bad.Kind, bad.RecordedAt, p, at, e, want)
		}
	}
}
