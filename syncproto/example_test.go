package syncproto_test

import (
	"encoding/json"
	"fmt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// A server decodes each op's payload on its own: a good one comes back as
// the kind's Go type, a bad one as an op-level error whose message names the
// field and rule but never repeats the value (it may be personal data).
func ExampleDecodePayload() {
	receipt := json.RawMessage(`{
		"waybill": "SF-1402-7781-3390",
		"receipt_no": "R20261127-0007",
		"amount_cents": 25900,
		"method": "qr"
	}`)
	v, e := syncproto.DecodePayload(syncproto.KindCODReceipt, receipt)
	if e != nil {
		fmt.Println(e)
		return
	}
	r := v.(*syncproto.CODReceipt)
	fmt.Printf("%s: %d fen in %s by %s\n", r.ReceiptNo, r.AmountCents, r.Currency, r.Method)

	complaint := json.RawMessage(`{
		"category": "delay",
		"description": "包裹晚到两天",
		"customer": {"name": "Li Na", "phone": "call 13812345678"},
		"received_at": "2026-11-27T14:55:00+08:00"
	}`)
	_, e = syncproto.DecodePayload(syncproto.KindComplaint, complaint)
	fmt.Println(e.Code, "-", e.Message)

	_, e = syncproto.DecodePayload("parcel_scan", json.RawMessage(`{}`))
	fmt.Println(e.Code)
	// Output:
	// R20261127-0007: 25900 fen in CNY by qr
	// validation_failed - customer.phone: 3–20 digits, optional leading +, spaces or dashes
	// unknown_kind
}
