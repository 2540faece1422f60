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

// A party's failing field is named in full, exactly as before the names
// were built only on failure.
func TestPartyFieldsAreNamedInFullWhenRefused(t *testing.T) {
	for _, c := range []struct{ edit, want string }{
		{`"sender":{"name":" ","phone":"13812345678","address":"x"}`, "sender.name: required"},
		{`"recipient":{"name":"李娜","phone":"12","address":"x"}`, "recipient.phone: 3–20 digits, optional leading +, spaces or dashes"},
		{`"sender":{"name":"李娜","phone":"13812345678","address":""}`, "sender.address: required"},
		{`"recipient":{"name":"a\u202eb","phone":"13812345678","address":"x"}`, "recipient.name: no control or direction-control characters"},
	} {
		good := `"sender":{"name":"张伟","phone":"13812345678","address":"a"},"recipient":{"name":"李娜","phone":"13987654321","address":"b"}`
		payload := `{"waybill":"SF1234567890",` + good + `,` + c.edit + `,"weight_g":1,"declared_value_cents":0,"insured":false,"cod_amount_cents":0}`
		_, e := syncproto.DecodePayload(syncproto.KindPickup, json.RawMessage(payload))
		if e == nil || e.Code != syncproto.CodeValidationFailed || e.Message != c.want {
			t.Errorf("%s: got %v, want %q", c.edit, e, c.want)
		}
	}
}
