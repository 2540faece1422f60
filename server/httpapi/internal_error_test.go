package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Issue 10 item 5: the 500 path had no test. An unexpected error in a
// handler (here: the store has gone away under a running server) answers
// 500 with the protocol's error body, tells the client nothing of the
// cause but the request id, and logs the cause with that id.
func TestAnUnexpectedErrorIsA500WithoutDetail(t *testing.T) {
	h := newHarness(t)
	h.createUser(t, "wang", syncproto.RoleCourier)
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	r := h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "wang", Password: password, DeviceID: "d"})
	r.wantError(t, 500, syncproto.CodeInternal)
	var body syncproto.ErrorBody
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	id := r.header.Get("X-Request-ID")
	if id == "" || !strings.HasSuffix(body.Error.Message, "request id "+id) {
		t.Fatalf("message %q, request id %q: the message must name the request id", body.Error.Message, id)
	}
	for _, leak := range []string{"bolt", "database", "closed", "not open", ".go"} {
		if strings.Contains(strings.ToLower(body.Error.Message), leak) {
			t.Fatalf("the 500 body leaks %q: %s", leak, r.body)
		}
	}
	var logged bool
	for _, line := range strings.Split(h.log.String(), "\n") {
		if strings.Contains(line, "level=ERROR") && strings.Contains(line, "request_id="+id) && strings.Contains(line, "err=") {
			logged = true
		}
	}
	if !logged {
		t.Fatalf("no error line with request_id=%s and the cause in the log:\n%s", id, h.log)
	}
	t.Run("a signed-in caller gets 500 too, not 401 (which would send the device to sign in again)", func(t *testing.T) {
		h.restart(t)
		c := h.login(t, "wang", "d")
		if err := h.db.Close(); err != nil {
			t.Fatal(err)
		}
		h.do(t, "GET", "/v1/sync/pull", c.access, nil).wantError(t, 500, syncproto.CodeInternal)
	})
	h.restart(t) // a store open again for the harness's consistency check
	h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "wang", Password: password, DeviceID: "d"}).decode(t, 200, nil)
}
