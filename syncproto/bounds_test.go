package syncproto_test

import (
	"math"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The attack of issue 8 item 3: receipts of 2^63−1 overflowed the ledger's
// sums. Every amount is now at most 10^12 minor units.
func TestEveryAmountIsAtMostTenToTheTwelve(t *testing.T) {
	fields := []struct{ kind, field string }{
		{syncproto.KindPickup, "declared_value_cents"},
		{syncproto.KindPickup, "insured_value_cents"},
		{syncproto.KindPickup, "cod_amount_cents"},
		{syncproto.KindPickup, "freight_cents"},
		{syncproto.KindCODReceipt, "amount_cents"},
	}
	for _, f := range fields {
		t.Run(f.kind+"."+f.field+" of exactly 10^12 is accepted", func(t *testing.T) {
			if _, e := syncproto.DecodePayload(f.kind, payloadJSON(t, f.kind, set(f.field, syncproto.MaxCents))); e != nil {
				t.Fatal(e)
			}
		})
		for _, v := range []int64{syncproto.MaxCents + 1, math.MaxInt64} {
			t.Run(f.kind+"."+f.field+" above 10^12 is validation_failed", func(t *testing.T) {
				_, e := syncproto.DecodePayload(f.kind, payloadJSON(t, f.kind, set(f.field, v)))
				checkRejection(t, e, syncproto.CodeValidationFailed, f.field, "")
			})
		}
	}
}

// The attack of issue 8 item 4: device times of year 9999 broke lists and
// deadlines. Every device time lies between 2000 and 2200 whatever the
// server's clock says (the server also refuses times too far past its own
// clock).
func TestDeviceTimesLieInASaneWindow(t *testing.T) {
	op := func(recordedAt string, kind string, edits ...edit) *syncproto.Op {
		return &syncproto.Op{OpID: "0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d", Seq: 1, Kind: kind, RecordedAt: recordedAt,
			Payload: payloadJSON(t, kind, edits...)}
	}
	for _, ts := range []string{"9999-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "0000-01-01T00:00:00+08:00"} {
		t.Run("an op recorded at "+ts+" is validation_failed", func(t *testing.T) {
			_, e := syncproto.ValidateOp(op(ts, syncproto.KindCODReceipt))
			checkRejection(t, e, syncproto.CodeValidationFailed, "recorded_at", ts)
		})
		t.Run("a complaint received at "+ts+" is validation_failed", func(t *testing.T) {
			_, e := syncproto.ValidateOp(op("2026-11-27T09:12:03+08:00", syncproto.KindComplaint, set("received_at", ts)))
			checkRejection(t, e, syncproto.CodeValidationFailed, "received_at", ts)
		})
	}
	t.Run("an op of an unknown kind out of the window is still unknown_kind", func(t *testing.T) {
		o := op("9999-12-31T23:59:59Z", syncproto.KindPickup)
		o.Kind = "teleport"
		if _, e := syncproto.ValidateOp(o); e == nil || e.Code != syncproto.CodeUnknownKind {
			t.Fatalf("got %v", e)
		}
	})
	for _, ts := range []string{"2000-01-01T00:00:00Z", "2199-12-31T23:59:59Z"} {
		t.Run("an op recorded at "+ts+" passes the window", func(t *testing.T) {
			if _, e := syncproto.ValidateOp(op(ts, syncproto.KindCODReceipt)); e != nil {
				t.Fatal(e)
			}
		})
	}
}

func TestSentAtIsOptionalButWellFormed(t *testing.T) {
	req := func(sentAt string) *syncproto.PushRequest {
		return &syncproto.PushRequest{DeviceID: "d-1", SentAt: sentAt, Ops: []syncproto.Op{{OpID: "0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d", Seq: 1}}}
	}
	for _, ok := range []string{"", "2026-11-27T09:12:03+08:00", "1970-01-01T00:00:00Z"} {
		if e := syncproto.ValidatePush(req(ok)); e != nil {
			t.Errorf("sent_at %q: %v", ok, e)
		}
	}
	for _, bad := range []string{"yesterday", "2026-11-27T09:12:03", "1795756323"} {
		e := syncproto.ValidatePush(req(bad))
		if e == nil || e.Code != syncproto.CodeInvalidRequest {
			t.Errorf("sent_at %q: got %v, want invalid_request", bad, e)
		}
	}
}

func TestOdometerReadingsAreBounded(t *testing.T) {
	if _, e := syncproto.DecodePayload(syncproto.KindVehicleLog, payloadJSON(t, syncproto.KindVehicleLog, set("odometer_km", syncproto.MaxOdometerKM))); e != nil {
		t.Fatal(e)
	}
	_, e := syncproto.DecodePayload(syncproto.KindVehicleLog, payloadJSON(t, syncproto.KindVehicleLog, set("odometer_km", int64(math.MaxInt64))))
	checkRejection(t, e, syncproto.CodeValidationFailed, "odometer_km", "")
}
