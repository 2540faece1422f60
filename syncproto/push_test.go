package syncproto_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// uuidN returns a distinct valid v7-shaped UUID for index n.
func uuidN(n int) string {
	return fmt.Sprintf("0190f3c2-7d1e-7a6b-9c1d-%012x", n)
}

// pushOf returns a push request with n valid COD receipt ops, seq 1..n.
func pushOf(n int) *syncproto.PushRequest {
	req := &syncproto.PushRequest{DeviceID: "hz-xihu-0042"}
	payload := json.RawMessage(`{"waybill":"SF-1402-7781-3390","receipt_no":"R1","amount_cents":100,"method":"cash"}`)
	for i := 1; i <= n; i++ {
		req.Ops = append(req.Ops, syncproto.Op{
			OpID: uuidN(i), Seq: int64(i), Kind: syncproto.KindCODReceipt,
			RecordedAt: "2026-11-27T09:12:03+08:00", Payload: payload,
		})
	}
	return req
}

func TestValidatePush(t *testing.T) {
	cases := []struct {
		name   string
		req    func() *syncproto.PushRequest
		code   syncproto.Code // "" when the request is valid
		inMsg  string         // a fragment the message must contain
		notMsg string         // a fragment the message must not contain
	}{
		{name: "a request of three ordered ops is accepted", req: func() *syncproto.PushRequest { return pushOf(3) }},
		{name: "a request with no ops is accepted", req: func() *syncproto.PushRequest { return pushOf(0) }},
		{name: "a request of exactly 500 ops is accepted", req: func() *syncproto.PushRequest { return pushOf(500) }},
		{name: "a request of 501 ops is too large", code: syncproto.CodePayloadTooLarge, inMsg: "500",
			req: func() *syncproto.PushRequest { return pushOf(501) }},
		{name: "a request with a 128-byte device id is accepted", req: func() *syncproto.PushRequest {
			r := pushOf(1)
			r.DeviceID = strings.Repeat("d", 128)
			return r
		}},
		{name: "a request without a device id is invalid", code: syncproto.CodeInvalidRequest, inMsg: "device_id",
			req: func() *syncproto.PushRequest {
				r := pushOf(1)
				r.DeviceID = ""
				return r
			}},
		{name: "a request with a 129-byte device id is invalid", code: syncproto.CodeInvalidRequest, inMsg: "device_id", notMsg: "DEVLEAK",
			req: func() *syncproto.PushRequest {
				r := pushOf(1)
				r.DeviceID = "DEVLEAK" + strings.Repeat("d", 122)
				return r
			}},
		{name: "a request whose second op has a seq equal to the first is invalid", code: syncproto.CodeInvalidRequest, inMsg: "ops[1].seq",
			req: func() *syncproto.PushRequest {
				r := pushOf(2)
				r.Ops[1].Seq = r.Ops[0].Seq
				return r
			}},
		{name: "a request whose seqs go down is invalid", code: syncproto.CodeInvalidRequest, inMsg: "ops[2].seq",
			req: func() *syncproto.PushRequest {
				r := pushOf(3)
				r.Ops[0].Seq, r.Ops[1].Seq, r.Ops[2].Seq = 40, 41, 39
				return r
			}},
		{name: "a request with gaps between seqs is accepted", req: func() *syncproto.PushRequest {
			r := pushOf(3)
			r.Ops[0].Seq, r.Ops[1].Seq, r.Ops[2].Seq = 7, 41, 1000
			return r
		}},
		{name: "a request whose first op has seq 0 is invalid", code: syncproto.CodeInvalidRequest, inMsg: "ops[0].seq",
			req: func() *syncproto.PushRequest {
				r := pushOf(1)
				r.Ops[0].Seq = 0
				return r
			}},
		{name: "a request with a negative seq is invalid", code: syncproto.CodeInvalidRequest, inMsg: "ops[1].seq",
			req: func() *syncproto.PushRequest {
				r := pushOf(2)
				r.Ops[1].Seq = -5
				return r
			}},
		{name: "a request whose op id is not a UUID is invalid", code: syncproto.CodeInvalidRequest, inMsg: "ops[1].op_id", notMsg: "op-LEAK",
			req: func() *syncproto.PushRequest {
				r := pushOf(2)
				r.Ops[1].OpID = "op-LEAK-0001"
				return r
			}},
		{name: "a request with an op of unknown kind is still a valid envelope", req: func() *syncproto.PushRequest {
			r := pushOf(2)
			r.Ops[1].Kind = "parcel_scan"
			r.Ops[1].Payload = json.RawMessage(`[]`)
			return r
		}},
	}
	for _, bad := range []string{
		"",
		"0190f3c27d1e7a6b9c1d2f4e5a6b7c8d",       // no dashes
		"{0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d}", // braces
		"urn:uuid:0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d",
		"0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8g",  // not hex
		"0190f3c2-7d1e-7a6b-9c1d2-f4e5a6b7c8d",  // dash moved
		"0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8",   // short
		"0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d0", // long
	} {
		cases = append(cases, struct {
			name   string
			req    func() *syncproto.PushRequest
			code   syncproto.Code
			inMsg  string
			notMsg string
		}{
			name: "a request with op id " + fmt.Sprintf("%q", bad) + " is invalid", code: syncproto.CodeInvalidRequest, inMsg: "ops[0].op_id",
			req: func() *syncproto.PushRequest {
				r := pushOf(1)
				r.Ops[0].OpID = bad
				return r
			},
		})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := syncproto.ValidatePush(tc.req())
			if tc.code == "" {
				if e != nil {
					t.Fatalf("rejected: %v", e)
				}
				return
			}
			if e == nil {
				t.Fatalf("accepted, want %s", tc.code)
			}
			if e.Code != tc.code {
				t.Errorf("code = %s (%q), want %s", e.Code, e.Message, tc.code)
			}
			if !strings.Contains(e.Message, tc.inMsg) {
				t.Errorf("message %q does not mention %q", e.Message, tc.inMsg)
			}
			if tc.notMsg != "" && strings.Contains(e.Message, tc.notMsg) {
				t.Errorf("message %q repeats the offending value", e.Message)
			}
		})
	}
}

func TestParseUUID(t *testing.T) {
	want := [16]byte{0x01, 0x90, 0xf3, 0xc2, 0x7d, 0x1e, 0x7a, 0x6b, 0x9c, 0x1d, 0x2f, 0x4e, 0x5a, 0x6b, 0x7c, 0x8d}
	accepted := []struct{ name, in string }{
		{"a lower-case v7 UUID is accepted", "0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d"},
		{"an upper-case v7 UUID is accepted", "0190F3C2-7D1E-7A6B-9C1D-2F4E5A6B7C8D"},
		{"a mixed-case v7 UUID is accepted", "0190f3C2-7d1E-7a6B-9c1D-2f4E5a6B7c8D"},
	}
	for _, tc := range accepted {
		t.Run(tc.name+" and decodes to its bytes", func(t *testing.T) {
			got, ok := syncproto.ParseUUID(tc.in)
			if !ok || got != want {
				t.Errorf("ParseUUID(%q) = %x, %v; want %x, true", tc.in, got, ok, want)
			}
		})
	}
	for _, tc := range []struct{ name, in string }{
		{"a lower-case v4 UUID is accepted", "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
		{"an upper-case v4 UUID is accepted", "7C9E6679-7425-40DE-944B-E07FC1F90AE7"},
		{"a v1 UUID is accepted", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
		{"the nil UUID is accepted", "00000000-0000-0000-0000-000000000000"},
		{"the max UUID is accepted", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := syncproto.ParseUUID(tc.in); !ok {
				t.Errorf("ParseUUID(%q) rejected", tc.in)
			}
		})
	}
	for _, tc := range []struct{ name, in string }{
		{"an empty string is not a UUID", ""},
		{"a UUID without dashes is not accepted", "0190f3c27d1e7a6b9c1d2f4e5a6b7c8d"},
		{"a UUID in braces is not accepted", "{0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d}"},
		{"a UUID with a non-hex letter is not accepted", "0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8z"},
		{"a UUID with a dash out of place is not accepted", "0190f3c-27d1e-7a6b-9c1d-2f4e5a6b7c8d"},
		{"a UUID with spaces for dashes is not accepted", "0190f3c2 7d1e 7a6b 9c1d 2f4e5a6b7c8d"},
		{"a UUID with a plus sign in a group is not accepted", "0190f3c2-7d1e-7a6b-+c1d-2f4e5a6b7c8d"},
		{"a UUID with full-width digits is not accepted", "０190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := syncproto.ParseUUID(tc.in); ok {
				t.Errorf("ParseUUID(%q) accepted", tc.in)
			}
		})
	}
	for _, pos := range []int{8, 13, 18, 23} {
		in := []byte("0190f3c2-7d1e-7a6b-9c1d-2f4e5a6b7c8d")
		in[pos] = 'a'
		t.Run(fmt.Sprintf("a UUID with a hex digit where dash %d belongs is not accepted", pos), func(t *testing.T) {
			if u, ok := syncproto.ParseUUID(string(in)); ok || u != [16]byte{} {
				t.Errorf("ParseUUID(%q) = %x, %v", in, u, ok)
			}
		})
	}
	t.Run("a rejected UUID yields no partial bytes", func(t *testing.T) {
		if u, ok := syncproto.ParseUUID("00000000-0001-0X00-0000-000000000000"); ok || u != [16]byte{} {
			t.Errorf("got %x, %v", u, ok)
		}
	})
}

func TestParseOpTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want time.Time
	}{
		{"a time with a +08:00 offset keeps its instant", "2026-11-27T09:12:03+08:00", time.Date(2026, 11, 27, 1, 12, 3, 0, time.UTC)},
		{"a UTC time with Z is accepted", "2026-11-27T01:12:03Z", time.Date(2026, 11, 27, 1, 12, 3, 0, time.UTC)},
		{"a time with nanoseconds keeps them", "2026-11-27T01:12:03.000000042Z", time.Date(2026, 11, 27, 1, 12, 3, 42, time.UTC)},
		{"a time with a negative offset is accepted", "2026-11-26T20:12:03-05:00", time.Date(2026, 11, 27, 1, 12, 3, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := syncproto.ParseOpTime(tc.in)
			if !ok || !got.Equal(tc.want) {
				t.Errorf("ParseOpTime(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, in string }{
		{"an empty string is not a time", ""},
		{"a time without offset is not accepted", "2026-11-27T09:12:03"},
		{"a time with a lower-case t is not accepted", "2026-11-27t09:12:03Z"},
		{"a 29th of February in 2026 is not accepted", "2026-02-29T09:12:03+08:00"},
		{"a time longer than 64 bytes is not accepted", "2026-11-27T09:12:03." + strings.Repeat("1", 45) + "Z"},
		{"a single-digit hour is not RFC 3339", "2026-11-27T9:12:03+08:00"},
		{"a comma before the fraction is not RFC 3339", "2026-11-27T09:12:03,5+08:00"},
		{"an offset of +24:00 is not RFC 3339", "2026-11-27T09:12:03+24:00"},
		{"an offset with 60 minutes is not RFC 3339", "2026-11-27T09:12:03+08:60"},
		{"a fraction without digits is not RFC 3339", "2026-11-27T09:12:03.Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := syncproto.ParseOpTime(tc.in); ok {
				t.Errorf("ParseOpTime(%q) accepted as %v", tc.in, got)
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		code syncproto.Code
		want int
	}{
		{syncproto.CodeInvalidRequest, 400},
		{syncproto.CodeUnsupportedProtocol, 400},
		{syncproto.CodeValidationFailed, 400},
		{syncproto.CodeUnknownKind, 400},
		{syncproto.CodeUnauthorized, 401},
		{syncproto.CodeForbidden, 403},
		{syncproto.CodeNotFound, 404},
		{syncproto.CodeConflict, 409},
		{syncproto.CodeCursorExpired, 409},
		{syncproto.CodeOpIDConflict, 409},
		{syncproto.CodePayloadTooLarge, 413},
		{syncproto.CodeUnsupportedMediaType, 415},
		{syncproto.CodeUnprocessable, 422},
		{syncproto.CodeDigestMismatch, 422},
		{syncproto.CodeClaimWindowClosed, 422},
		{syncproto.CodeDeviceTaken, 409},
		{syncproto.CodeRateLimited, 429},
		{syncproto.CodeInternal, 500},
		{syncproto.CodeInsufficientStorage, 507},
		{syncproto.Code("no_such_code"), 500},
		{syncproto.Code(""), 500},
	} {
		t.Run(fmt.Sprintf("%q maps to status %d", tc.code, tc.want), func(t *testing.T) {
			if got := syncproto.StatusOf(tc.code); got != tc.want {
				t.Errorf("StatusOf(%q) = %d, want %d", tc.code, got, tc.want)
			}
		})
	}
}

func TestErrorEncoding(t *testing.T) {
	t.Run("an error body has the shape every client expects", func(t *testing.T) {
		body := syncproto.ErrorBody{Error: *syncproto.Errorf(syncproto.CodeRateLimited, "retry in %d s", 30)}
		got, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"error":{"code":"rate_limited","message":"retry in 30 s"}}`; string(got) != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("an error reads as code then message", func(t *testing.T) {
		e := syncproto.Errorf(syncproto.CodeNotFound, "task")
		if got := e.Error(); got != "not_found: task" {
			t.Errorf("Error() = %q", got)
		}
	})
	t.Run("a rejected result carries its error and an applied one omits it", func(t *testing.T) {
		got, err := json.Marshal([]syncproto.PushResult{
			{OpID: "a", Seq: 1, Status: syncproto.StatusApplied, Ref: "r1"},
			{OpID: "b", Seq: 2, Status: syncproto.StatusRejected, Error: syncproto.Errorf(syncproto.CodeDuplicateWaybill, "waybill: already picked up")},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := `[{"op_id":"a","seq":1,"status":"applied","duplicate":false,"ref":"r1"},` +
			`{"op_id":"b","seq":2,"status":"rejected","duplicate":false,"error":{"code":"duplicate_waybill","message":"waybill: already picked up"}}]`
		if string(got) != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}
