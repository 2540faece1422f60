package syncproto_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestValidateOp(t *testing.T) {
	const at = "2026-11-27T09:12:03+08:00"
	op := func(kind, recordedAt string, payload json.RawMessage) *syncproto.Op {
		return &syncproto.Op{OpID: "0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d", Seq: 1, Kind: kind, RecordedAt: recordedAt, Payload: payload}
	}
	t.Run("an op of every kind with a valid time and payload is accepted", func(t *testing.T) {
		for _, kind := range syncproto.Kinds {
			v, e := syncproto.ValidateOp(op(kind, at, payloadJSON(t, kind)))
			if e != nil {
				t.Fatalf("%s: %v", kind, e)
			}
			if reflect.TypeOf(v) != payloadTypes[kind] {
				t.Errorf("%s: decoded to %T", kind, v)
			}
		}
	})
	for _, ts := range []string{"2026-11-27T01:12:03Z", "2026-11-27T09:12:03.123456789+08:00", "2026-11-26T20:12:03-05:00", "2026-11-27T01:12:03-00:00"} {
		t.Run("an op recorded at "+ts+" is accepted", func(t *testing.T) {
			if _, e := syncproto.ValidateOp(op(syncproto.KindCODReceipt, ts, payloadJSON(t, syncproto.KindCODReceipt))); e != nil {
				t.Fatal(e)
			}
		})
	}
	badTimes := []struct{ name, ts string }{
		{"without recorded_at", ""},
		{"at a time without offset", "2026-11-27T09:12:03"},
		{"at a time with a compact offset", "2026-11-27T09:12:03+0800"},
		{"at a date only", "2026-11-27"},
		{"at a Unix timestamp", "1795756323"},
		{"at a time in words", "yesterday 13900001111"},
		{"at the 31st of November", "2026-11-31T09:12:03+08:00"},
		{"at hour 24", "2026-11-27T24:00:00+08:00"},
		{"at an offset of +24:00", "2026-11-27T09:12:03+24:00"},
		{"with a comma before the fraction", "2026-11-27T09:12:03,5+08:00"},
		{"at a time longer than 64 bytes", "2026-11-27T09:12:03." + strings.Repeat("0", 40) + "+08:00"},
	}
	for _, bt := range badTimes {
		t.Run("an op recorded "+bt.name+" is rejected", func(t *testing.T) {
			v, e := syncproto.ValidateOp(op(syncproto.KindPickup, bt.ts, payloadJSON(t, syncproto.KindPickup)))
			if v != nil {
				t.Errorf("returned a value alongside a rejection")
			}
			leak := bt.ts
			if len(leak) < 4 {
				leak = ""
			}
			checkRejection(t, e, syncproto.CodeValidationFailed, "recorded_at", leak)
		})
	}
	t.Run("an op of unknown kind is an unknown kind even when its time is bad", func(t *testing.T) {
		_, e := syncproto.ValidateOp(op("parcel_scan", "not a time", json.RawMessage(`{}`)))
		checkRejection(t, e, syncproto.CodeUnknownKind, "kind", "parcel_scan")
	})
	t.Run("an op of unknown kind with a good time is an unknown kind", func(t *testing.T) {
		_, e := syncproto.ValidateOp(op("parcel_scan", at, json.RawMessage(`{}`)))
		checkRejection(t, e, syncproto.CodeUnknownKind, "kind", "parcel_scan")
	})
	t.Run("an op whose payload is missing is rejected", func(t *testing.T) {
		_, e := syncproto.ValidateOp(op(syncproto.KindComplaint, at, nil))
		checkRejection(t, e, syncproto.CodeValidationFailed, "payload", "")
	})
	t.Run("an op with a bad payload reports the payload's rule", func(t *testing.T) {
		_, e := syncproto.ValidateOp(op(syncproto.KindPickup, at, payloadJSON(t, syncproto.KindPickup, set("inspected", false))))
		checkRejection(t, e, syncproto.CodeInspectionRequired, "inspected", "")
	})
}

func TestValidHelpers(t *testing.T) {
	cases := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"a mobile number is a phone", syncproto.ValidPhone, "13812345678", true},
		{"an international number is a phone", syncproto.ValidPhone, "+86 138 1234 5678", true},
		{"three digits are a phone", syncproto.ValidPhone, "110", true},
		{"a lone plus is not a phone", syncproto.ValidPhone, "+", false},
		{"an empty string is not a phone", syncproto.ValidPhone, "", false},
		{"parentheses are not a phone", syncproto.ValidPhone, "(010) 1234 5678", false},
		{"a lower-case SHA-256 is a digest", syncproto.ValidDigest, digestA, true},
		{"an upper-case SHA-256 is not a digest", syncproto.ValidDigest, strings.ToUpper(digestA), false},
		{"a SHA-1 is not a digest", syncproto.ValidDigest, digestA[:40], false},
		{"a 65-character hex string is not a digest", syncproto.ValidDigest, digestA + "0", false},
		{"a dashed waybill is a waybill", syncproto.ValidWaybill, "SF-1402-7781-3390", true},
		{"a Chinese string is not a waybill", syncproto.ValidWaybill, "顺丰速运单号", false},
		{"an empty string is not a waybill", syncproto.ValidWaybill, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.want {
				t.Errorf("got %v, want %v for %q", got, tc.want, tc.in)
			}
		})
	}
}
