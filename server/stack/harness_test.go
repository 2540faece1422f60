package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// testServer is the real stack on a loopback port with a temp data dir.
type testServer struct {
	*stack.Stack
	url  string
	dir  string
	root *caller
}

func startStack(t testing.TB, cfg stack.Config) *testServer {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.BootstrapAdmin = "root:root-password"
	cfg.BcryptCost = 4
	s, err := stack.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Stack: s, url: url, dir: cfg.DataDir}
	t.Cleanup(func() { ts.stop(t) })
	ts.root = ts.login(t, "root", "root-password", "console")
	return ts
}

func (ts *testServer) stop(t testing.TB) {
	if ts.Stack == nil {
		return
	}
	if err := ts.DB.Check(); err != nil {
		t.Errorf("consistency check: %v", err)
	}
	if err := ts.Shutdown(5 * time.Second); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	ts.Stack = nil
}

// caller is one logged-in user on one device.
type caller struct {
	url, token, userID, device string
}

func (ts *testServer) login(t testing.TB, user, pass, device string) *caller {
	t.Helper()
	c := &caller{url: ts.url, device: device}
	var tok syncproto.TokenResponse
	c.mustJSON(t, "POST", "/v1/auth/login", syncproto.LoginRequest{Username: user, Password: pass, DeviceID: device}, 200, &tok)
	c.token, c.userID = tok.AccessToken, tok.UserID
	return c
}

// user creates an account with role and logs it in on device.
func (ts *testServer) user(t testing.TB, name, role, device string) *caller {
	t.Helper()
	ts.root.mustJSON(t, "POST", "/v1/admin/users", syncproto.CreateUserRequest{Username: name, Password: name + "-password", Role: role}, 201, nil)
	return ts.login(t, name, name+"-password", device)
}

// do sends a request with the caller's token; body may be nil, []byte or
// a value to encode as JSON.
func (c *caller) do(t testing.TB, method, path string, body any, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// mustJSON sends body as JSON, checks the status and decodes into out.
func (c *caller) mustJSON(t testing.TB, method, path string, body any, status int, out any) {
	t.Helper()
	resp, data := c.do(t, method, path, body, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// wantError checks a response is the error body with code at status.
func wantError(t testing.TB, resp *http.Response, data []byte, status int, code syncproto.Code) {
	t.Helper()
	var eb syncproto.ErrorBody
	if resp.StatusCode != status || json.Unmarshal(data, &eb) != nil || eb.Error.Code != code {
		t.Fatalf("got %d %s, want %d %s", resp.StatusCode, data, status, code)
	}
}

// push sends ops from the caller's device and returns the results.
func (c *caller) push(t testing.TB, ops ...syncproto.Op) []syncproto.PushResult {
	t.Helper()
	var pr syncproto.PushResponse
	c.mustJSON(t, "POST", "/v1/sync/push", syncproto.PushRequest{DeviceID: c.device, Ops: ops}, 200, &pr)
	return pr.Results
}

func newOp(kind string, seq int64, payload any) syncproto.Op {
	raw, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return syncproto.Op{OpID: uuid.Must(uuid.NewV7()).String(), Seq: seq, Kind: kind, RecordedAt: time.Now().Format(time.RFC3339), Payload: raw}
}
