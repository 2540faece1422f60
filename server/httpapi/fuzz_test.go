package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The decoders and header parsers of the HTTP layer, fuzzed through the
// real app: whatever a client sends, the answer is one of the statuses
// the contract lists for the route, never a 500, and the numbers the
// server sends back stay within what the client declared.

// expected reports whether status is one the route may answer.
func expected(status int, allowed ...int) bool {
	for _, a := range allowed {
		if status == a {
			return true
		}
	}
	return false
}

func FuzzUploadHeaders(f *testing.F) {
	f.Add("0", "10", "application/offset+octet-stream", []byte("0123456789"))
	f.Add("0", "20", "application/offset+octet-stream", []byte("\xff\xd8\xff\xe0 short jpeg"))
	f.Add("5", "10", "application/offset+octet-stream", []byte("abc"))
	f.Add("-1", "10", "application/offset+octet-stream", []byte("x"))
	f.Add("0", "9223372036854775807", "application/offset+octet-stream", []byte("x"))
	f.Add("0x10", "1e3", "text/plain", []byte{})
	f.Add(" 0", "+10", "application/offset+octet-stream", []byte("0123456789"))
	h := newHarness(f)
	c := h.courier(f, "fuzz.courier")
	f.Fuzz(func(t *testing.T, offset, length, ctype string, body []byte) {
		sum := sha256.Sum256([]byte(offset + "|" + length + "|" + string(body)))
		digest := hex.EncodeToString(sum[:])
		r, err := h.send("PATCH", "/v1/blobs/"+digest, c.access, body,
			"Content-Type", ctype, "Upload-Offset", offset, "Upload-Length", length)
		if err != nil {
			return // a header value net/http itself refuses to send
		}
		if !expected(r.status, 201, 204, 400, 409, 413, 415, 422) {
			t.Fatalf("PATCH with Upload-Offset %q, Upload-Length %q, Content-Type %q, %d bytes: %v", offset, length, ctype, len(body), r)
		}
		if r.status == 201 || r.status == 204 {
			got, err := strconv.ParseInt(r.header.Get("Upload-Offset"), 10, 64)
			total, _ := strconv.ParseInt(length, 10, 64)
			if err != nil || got < 0 || got > total {
				t.Fatalf("answered Upload-Offset %q for Upload-Length %q", r.header.Get("Upload-Offset"), length)
			}
		}
	})
}

func FuzzPullCursor(f *testing.F) {
	f.Add("", "100")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAA", "1")
	f.Add("!!!", "0")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "501")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAA==", "-1")
	h := newHarness(f)
	c := h.courier(f, "fuzz.courier")
	var first syncproto.PullResponse
	h.do(f, "GET", "/v1/sync/pull", c.access, nil).decode(f, 200, &first)
	f.Add(first.Cursor, "500")
	f.Fuzz(func(t *testing.T, cursor, limit string) {
		q := url.Values{"cursor": {cursor}, "limit": {limit}}
		r, err := h.send("GET", "/v1/sync/pull?"+q.Encode(), c.access, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !expected(r.status, 200, 400, 409) {
			t.Fatalf("pull with cursor %q, limit %q: %v", cursor, limit, r)
		}
	})
}

func FuzzPushBody(f *testing.F) {
	f.Add([]byte(`{"device_id":"dev-fuzz.courier","ops":[]}`))
	f.Add([]byte(`{"device_id":"dev-fuzz.courier","ops":[{"op_id":"0193a7a0-0000-7000-8000-000000000001","seq":1,"kind":"pickup","recorded_at":"2026-12-01T10:00:00+08:00","payload":{}}]}`))
	f.Add([]byte(`{"ops":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"device_id":"dev-fuzz.courier","ops":[{"seq":-1,"kind":"cod_receipt","payload":{"amount_cents":9223372036854775807}}]}`))
	h := newHarness(f)
	c := h.courier(f, "fuzz.courier")
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := h.send("POST", "/v1/sync/push", c.access, body)
		if err != nil {
			t.Fatal(err)
		}
		if !expected(r.status, 200, 400, 403, 409, 413, 422) {
			t.Fatalf("push of %q: %v", body, r)
		}
	})
}
