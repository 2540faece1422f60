package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// session is one logged-in device.
type session struct {
	h        *harness
	userID   string
	username string
	role     string
	device   string
	access   string
	refresh  string
	seq      int64
}

// createUser makes an account straight through the auth service (as
// courierctl or the bootstrap would) and returns its id.
func (h *harness) createUser(tb testing.TB, username, role string) string {
	tb.Helper()
	u, err := h.auth.CreateUser(context.Background(), &syncproto.CreateUserRequest{Username: username, Password: password, Role: role})
	if err != nil {
		tb.Fatalf("create %s %s: %v", role, username, err)
	}
	return u.ID
}

// login logs username in on device through POST /v1/auth/login.
func (h *harness) login(tb testing.TB, username, device string) *session {
	tb.Helper()
	var tr syncproto.TokenResponse
	h.do(tb, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: username, Password: password, DeviceID: device}).decode(tb, 200, &tr)
	if tr.AccessToken == "" || tr.RefreshToken == "" {
		tb.Fatalf("login %s: tokens missing: %+v", username, tr)
	}
	return &session{h: h, userID: tr.UserID, username: username, role: tr.Role, device: device, access: tr.AccessToken, refresh: tr.RefreshToken}
}

// user creates an account with role and logs it in on its own device.
func (h *harness) user(tb testing.TB, username, role string) *session {
	tb.Helper()
	h.createUser(tb, username, role)
	return h.login(tb, username, "dev-"+username)
}

func (h *harness) courier(tb testing.TB, username string) *session {
	tb.Helper()
	return h.user(tb, username, syncproto.RoleCourier)
}

// op makes the device's next op: a fresh UUIDv7, the next seq, recorded now.
func (s *session) op(kind string, payload any) syncproto.Op {
	s.seq++
	return makeOp(kind, s.seq, s.h.clock.Now(), payload)
}

func makeOp(kind string, seq int64, at time.Time, payload any) syncproto.Op {
	raw, ok := payload.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(payload); err != nil {
			panic(err)
		}
	}
	return syncproto.Op{
		OpID:       uuid.Must(uuid.NewV7()).String(),
		Seq:        seq,
		Kind:       kind,
		RecordedAt: at.In(shanghai).Format(time.RFC3339),
		Payload:    raw,
	}
}

// recordedAt returns op with its recorded_at replaced by s.
func recordedAt(op syncproto.Op, s string) syncproto.Op {
	op.RecordedAt = s
	return op
}

var shanghai = time.FixedZone("CST", 8*3600)

// pushBody is a push request as a device sends it.
type pushBody struct {
	DeviceID string         `json:"device_id"`
	Ops      []syncproto.Op `json:"ops"`
}

// push sends ops from the session's device.
func (s *session) push(tb testing.TB, ops ...syncproto.Op) reply {
	tb.Helper()
	return s.h.do(tb, "POST", "/v1/sync/push", s.access, pushBody{DeviceID: s.device, Ops: ops})
}

// tryPush is push for goroutines: any failure is returned.
func (s *session) tryPush(ops []syncproto.Op) ([]syncproto.PushResult, error) {
	r, err := s.h.send("POST", "/v1/sync/push", s.access, pushBody{DeviceID: s.device, Ops: ops})
	if err != nil {
		return nil, err
	}
	if r.status != 200 {
		return nil, fmt.Errorf("push: %s", r)
	}
	var pr syncproto.PushResponse
	if err := json.Unmarshal(r.body, &pr); err != nil {
		return nil, err
	}
	if err := checkOrder(ops, pr.Results); err != nil {
		return nil, err
	}
	return pr.Results, nil
}

// pushOK pushes ops and checks the answer is 200 with one result per op,
// in request order.
func (s *session) pushOK(tb testing.TB, ops ...syncproto.Op) []syncproto.PushResult {
	tb.Helper()
	var pr syncproto.PushResponse
	s.push(tb, ops...).decode(tb, 200, &pr)
	if err := checkOrder(ops, pr.Results); err != nil {
		tb.Fatal(err)
	}
	if pr.ServerTime.IsZero() {
		tb.Fatal("server_time missing")
	}
	return pr.Results
}

func checkOrder(ops []syncproto.Op, res []syncproto.PushResult) error {
	if len(res) != len(ops) {
		return fmt.Errorf("%d results for %d ops", len(res), len(ops))
	}
	for i := range ops {
		if !strings.EqualFold(res[i].OpID, ops[i].OpID) || res[i].Seq != ops[i].Seq {
			return fmt.Errorf("result %d is for op %s/%d, want %s/%d (request order)", i, res[i].OpID, res[i].Seq, ops[i].OpID, ops[i].Seq)
		}
	}
	return nil
}

// applied checks a fresh (not duplicate) applied result with a ref.
func applied(tb testing.TB, r syncproto.PushResult) {
	tb.Helper()
	if r.Status != syncproto.StatusApplied || r.Error != nil || r.Ref == "" || r.Duplicate {
		tb.Fatalf("result = %s, want applied with a ref, not duplicate", show(r))
	}
}

// rejected checks a fresh rejected result with code and no ref.
func rejected(tb testing.TB, r syncproto.PushResult, code syncproto.Code) {
	tb.Helper()
	if r.Status != syncproto.StatusRejected || r.Error == nil || r.Error.Code != code || r.Error.Message == "" || r.Ref != "" || r.Duplicate {
		tb.Fatalf("result = %s, want rejected %s without a ref, not duplicate", show(r), code)
	}
}

func hasFlag(r syncproto.PushResult, flag string) bool {
	for _, f := range r.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// auditAll walks GET /v1/audit/ops page by page (limit per page) and
// returns every entry, checking the pages end.
func (h *harness) auditAll(tb testing.TB, token, deviceID string, limit int) []syncproto.AuditOp {
	tb.Helper()
	var all []syncproto.AuditOp
	cursor := ""
	for page := 0; ; page++ {
		if page > 10_000 {
			tb.Fatal("audit pages never end")
		}
		q := fmt.Sprintf("/v1/audit/ops?limit=%d&cursor=%s&device_id=%s", limit, cursor, deviceID)
		var l syncproto.AuditOpList
		h.do(tb, "GET", q, token, nil).decode(tb, 200, &l)
		if len(l.Ops) > limit {
			tb.Fatalf("page of %d entries with limit %d", len(l.Ops), limit)
		}
		all = append(all, l.Ops...)
		if !l.HasMore {
			return all
		}
		if l.Cursor == "" || l.Cursor == cursor {
			tb.Fatalf("has_more with cursor %q after %q", l.Cursor, cursor)
		}
		cursor = l.Cursor
	}
}

// countByOpID counts audit entries per op id.
func countByOpID(entries []syncproto.AuditOp) map[string]int {
	n := make(map[string]int, len(entries))
	for _, e := range entries {
		n[strings.ToLower(e.OpID)]++
	}
	return n
}

// pull fetches one page of the caller's feed.
func (h *harness) pull(tb testing.TB, token, query string) syncproto.PullResponse {
	tb.Helper()
	var pr syncproto.PullResponse
	h.do(tb, "GET", "/v1/sync/pull"+query, token, nil).decode(tb, 200, &pr)
	return pr
}
