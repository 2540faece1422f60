package bolt

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// A new field of syncproto.Pickup would be dropped by the compact pickup
// record: this fails until appendPickupFields and pickupFields know it.
func TestCompactPickupKnowsEveryFieldOfThePayload(t *testing.T) {
	if n := pickupFieldCount(); n != pickupFields {
		t.Fatalf("syncproto.Pickup has %d fields, the compact record knows %d: encode the new one", n, pickupFields)
	}
}

func TestCompactRecordsReadBackAsTheirJSONForms(t *testing.T) {
	shanghai := time.FixedZone("", 8*3600)
	at := time.Date(2026, 12, 6, 15, 51, 53, 504000000, shanghai)
	corrected := at.Add(-3 * time.Minute)
	received := time.Date(2026, 12, 6, 7, 51, 53, 517707233, time.UTC)
	n, yes := int64(19900), true
	for _, opID := range []string{"01a24a56-83a0-7e1e-afd6-9f6ef21c18dc", "ABCDEF01-2345-4678-89AB-CDEF01234567"} {
		rec := &pickupRecord{
			recordMeta: recordMeta{Ref: "pk-7", OpID: opID, CourierID: "u4", DeviceID: "dev-1", RecordedAt: at,
				RecordedAtCorrected: &corrected, ReceivedAt: received, Flags: []string{"clock_skew"}},
			Pickup:    &syncproto.Pickup{Waybill: "SF1", WeightG: 1200, DeclaredValueCents: &n, Insured: &yes, InsuredValueCents: 7, CODAmountCents: &n, Inspected: true},
			Sender:    sealedParty{Sealed: []byte{1, 2, 3}, PhoneIndex: []byte{4}, NameMasked: "王*", PhoneMasked: "139****5678"},
			Recipient: sealedParty{Purged: true},
		}
		pre, err := encodePickup(rec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodePickup(appendStr(pre, rec.Ref))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(rec)
		if j, _ := json.Marshal(got); string(j) != string(want) {
			t.Fatalf("pickup:\n got %s\nwant %s", j, want)
		}
		if j := recordJSON(appendStr(pre, rec.Ref)); string(j) != string(want) {
			t.Fatalf("recordJSON:\n got %s\nwant %s", j, want)
		}

		op := &opRecord{FP: make([]byte, 32), OpID: opID, Seq: 42, Kind: syncproto.KindPickup, Status: syncproto.StatusRejected,
			Error: syncproto.Errorf(syncproto.CodeDuplicateWaybill, "taken"), Ref: "", Flags: []string{"clock_skew"},
			RecordedAt: "2026-12-06T15:51:53.504+08:00", Corrected: &corrected, ReceivedAt: received, CourierID: "u4", DeviceID: "dev-1"}
		v, err := encodeOpRecord(op)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeOpRecord(v)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, back), mustJSON(t, op); a != b {
			t.Fatalf("op record:\n got %s\nwant %s", a, b)
		}
		if !reflect.DeepEqual(back.result(false), op.result(false)) {
			t.Fatalf("result %+v, want %+v", back.result(false), op.result(false))
		}
		// Every cut of a compact value is refused, never misread.
		for i := range v {
			if _, err := decodeOpRecord(v[:i]); err == nil && i > 0 {
				t.Fatalf("op record cut at %d of %d read without error", i, len(v))
			}
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
