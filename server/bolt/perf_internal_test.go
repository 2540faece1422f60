package bolt

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The pre-encoded pickup record keeps room for its ref and the op head for
// a usual outcome, so the write transaction appends them in place; running
// the append twice (a job runs again after its group rolled back) leaves
// the pre-encoded bytes as they were and gives the same record.
func TestPreencodedRecordsTakeTheirTailInPlaceAndStayIntact(t *testing.T) {
	far := time.Date(2199, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -(23*3600+59*60)))
	big, yes := int64(math.MaxInt64), true
	long := strings.Repeat("界", 64)
	rec := &pickupRecord{
		recordMeta: recordMeta{OpID: "ABCDEF01-2345-4678-89AB-CDEF01234567", CourierID: strings.Repeat("u", 64), DeviceID: strings.Repeat("d", 128),
			RecordedAt: far, RecordedAtCorrected: &far, ReceivedAt: far, Flags: []string{"clock_skew", "x"}},
		Pickup: &syncproto.Pickup{Waybill: strings.Repeat("W", 32), WeightG: math.MinInt64, DeclaredValueCents: &big, Insured: &yes,
			InsuredValueCents: math.MaxInt64, CODAmountCents: &big, Inspected: true, FreightCents: &big},
		Sender:    sealedParty{Sealed: make([]byte, 900), PhoneIndex: make([]byte, 32), NameMasked: long, PhoneMasked: long},
		Recipient: sealedParty{Sealed: make([]byte, 900), PhoneIndex: make([]byte, 32), NameMasked: long, PhoneMasked: long},
	}
	pre, err := encodePickup(rec)
	if err != nil {
		t.Fatal(err)
	}
	if size := pickupSize(rec); len(pre) > size-32 {
		t.Fatalf("encoded %d bytes, pickupSize %d leaves no room for a ref", len(pre), size)
	}
	keep := bytes.Clone(pre)
	ref := "pk-" + strings.Repeat("9", 20)
	first := appendStr(roomAfter(pre, 10+len(ref)), ref)
	if &first[0] != &pre[0] {
		t.Fatal("the ref did not append in place")
	}
	firstCopy := bytes.Clone(first)
	second := appendStr(roomAfter(pre, 10+len(ref)), ref)
	if !bytes.Equal(pre, keep) || !bytes.Equal(second, firstCopy) {
		t.Fatal("a second run changed the pre-encoded record or gave another")
	}
	if got, err := decodePickup(second); err != nil || got.Ref != ref || got.Pickup.Waybill != rec.Pickup.Waybill {
		t.Fatalf("decoded %+v, %v", got, err)
	}

	head := opHead(make([]byte, 32), make([]byte, 16), rec.OpID, 1, syncproto.KindPickup, "2026-12-06T15:51:53+08:00", nil, far, rec.CourierID, rec.DeviceID)
	res := syncproto.PushResult{Status: syncproto.StatusApplied, Ref: "pk-123456789", Flags: []string{"clock_skew"}}
	if out := roomAfter(head, outcomeSize(&res)); &out[0] != &head[0] {
		t.Fatal("the outcome of an applied op did not fit after the head")
	}
	if out := roomAfter(head[:len(head):len(head)], 1); &out[0] == &head[0] || !bytes.Equal(out, head) {
		t.Fatal("without room roomAfter must copy")
	}
}
