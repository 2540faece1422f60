package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// reply is what a client saw.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body)) }

// send runs one request through app.Test. body is sent as is when it is a
// []byte or string, JSON-encoded otherwise, and omitted when nil. hdr is
// name/value pairs. It returns an error instead of failing the test, so
// goroutines can use it.
func (h *harness) send(method, path, token string, body any, hdr ...string) (reply, error) {
	var rd io.Reader = http.NoBody
	var sent []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, sent = bytes.NewReader(b), b
	case string:
		rd, sent = strings.NewReader(b), []byte(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd, sent = bytes.NewReader(raw), raw
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.app.Test(req, -1)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	if err := checkOpenAPI(req, sent, resp, raw); err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// do is send for the test goroutine: a transport failure fails the test.
func (h *harness) do(tb testing.TB, method, path, token string, body any, hdr ...string) reply {
	tb.Helper()
	r, err := h.send(method, path, token, body, hdr...)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// decode checks the status and decodes the JSON body into v.
func (r reply) decode(tb testing.TB, status int, v any) {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.body, err)
	}
}

// wantError checks an error reply: the status, a JSON body that is exactly
// {"error":{"code","message"}}, the code, and a message for humans.
func (r reply) wantError(tb testing.TB, status int, code syncproto.Code) {
	tb.Helper()
	if err := r.checkError(status, code); err != nil {
		tb.Fatal(err)
	}
}

func (r reply) checkError(status int, code syncproto.Code) error {
	if r.status != status {
		return fmt.Errorf("status = %d, want %d (%s); body: %s", r.status, status, code, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("Content-Type = %q, want application/json; body: %s", ct, r.body)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &top); err != nil || len(top) != 1 || top["error"] == nil {
		return fmt.Errorf("body is not {\"error\":{…}}: %s", r.body)
	}
	var e map[string]any
	if err := json.Unmarshal(top["error"], &e); err != nil || len(e) != 2 {
		return fmt.Errorf("error object is not {\"code\",\"message\"}: %s", r.body)
	}
	if got, _ := e["code"].(string); got != string(code) {
		return fmt.Errorf("error code = %q, want %q; body: %s", got, code, r.body)
	}
	if msg, _ := e["message"].(string); msg == "" {
		return fmt.Errorf("error message is empty: %s", r.body)
	}
	return nil
}
