package mobileapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// fault is a failure the fake server injects into one request.
type fault int

const (
	faultNone         fault = iota
	fault500                // answer 500 without touching anything
	fault429                // answer 429 with Retry-After: 7
	faultDropAfter          // process the request fully, then drop the connection
	fault401                // answer 401 as if the access token had expired
	faultForbidden          // answer 403 forbidden
	faultCursorExpire       // pull: answer 409 cursor_expired
)

const (
	testUser     = "courier-7"
	testPassword = "s3cret-Pass"
	testDevice   = "dev-42"
)

// storedResult is the server's memory of an op: its first result and what
// the op looked like, to tell a duplicate from an op_id conflict.
type storedResult struct {
	res         syncproto.PushResult
	fingerprint string
}

// fakeServer implements login, refresh, push, pull and resumable blob
// uploads after PROTOCOL.md, with op_id dedup, and fails on request.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// auth
	nextID      int
	access      map[string]int // access token -> session
	refresh     map[string]int // unused refresh token -> session
	usedRefresh map[string]int // spent refresh token -> session
	revoked     map[int]bool   // sessions revoked by refresh reuse
	logins      int
	refreshes   int
	reuses      int
	loginFaults []fault
	refrFaults  []fault
	// push
	results    map[string]*storedResult
	applied    []string // op ids in the order they were first applied
	rejected   []string // op ids in the order they were first rejected
	taken      []int64  // seqs in the order they were first applied or rejected
	duplicates int
	waybills   map[string]string // waybill -> op id of its pickup
	pushBodies [][]byte          // every push body that reached the handler
	pushSizes  []int             // ops per push body
	pushFaults []fault
	maxOps     int // >0: more ops than this get 413
	onPush     func(n int, stage string)
	// pull
	changes    []syncproto.Change
	base       int // changes before base were compacted away
	expired    map[string]bool
	pullCursor []string // cursor of every pull request
	pullFaults []fault
	// blobs (fakeblobs_test.go)
	blobs     map[string]*fakeBlob
	blobMu    sync.Mutex                // held by a PATCH throughout, like the server's per-blob lock
	blobFault func(r *http.Request) int // called under mu; nonzero: answer with this status instead
	onBlob    func(r *http.Request)     // called as a blob request arrives, outside f.mu
	blobReqs  []string                  // "HEAD" or "PATCH <offset>" of every blob request
	blobBody  int64                     // PATCH body bytes the server read
	// callbacks and push tokens (fakecallbacks_test.go)
	contacts     map[string]*fakeContact // task id -> the contact a reveal answers with
	revealFaults []fault
	reveals      int        // reveal requests that reached the handler
	tokenPuts    []tokenPut // push tokens the server accepted, in order
	tokenFaults  []fault
	// trace names each request as it reaches a handler: "login",
	// "refresh", "push", "pull", "push-token", "reveal".
	trace []string
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{
		t:           t,
		access:      map[string]int{},
		refresh:     map[string]int{},
		usedRefresh: map[string]int{},
		revoked:     map[int]bool{},
		results:     map[string]*storedResult{},
		waybills:    map[string]string{},
		expired:     map[string]bool{},
		blobs:       map[string]*fakeBlob{},
		contacts:    map[string]*fakeContact{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/login", f.handleLogin)
	mux.HandleFunc("POST /v1/auth/refresh", f.handleRefresh)
	mux.HandleFunc("POST /v1/sync/push", f.handlePush)
	mux.HandleFunc("GET /v1/sync/pull", f.handlePull)
	mux.HandleFunc("HEAD /v1/blobs/{sha}", f.handleBlobHead)
	mux.HandleFunc("PATCH /v1/blobs/{sha}", f.handleBlobPatch)
	mux.HandleFunc("POST /v1/callbacks/{id}/contact", f.handleReveal)
	mux.HandleFunc("PUT /v1/devices/self/push-token", f.handlePushToken)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) URL() string { return f.srv.URL }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code syncproto.Code, msg string) {
	writeJSON(w, status, syncproto.ErrorBody{Error: syncproto.Error{Code: code, Message: msg}})
}

// take pops the next fault of a list, under f.mu.
func take(list *[]fault) fault {
	if len(*list) == 0 {
		return faultNone
	}
	ft := (*list)[0]
	*list = (*list)[1:]
	return ft
}

// common answers a fault that needs no processing; it reports whether it
// answered.
func common(w http.ResponseWriter, ft fault) bool {
	switch ft {
	case fault500:
		writeErr(w, 500, syncproto.CodeInternal, "injected failure")
	case fault429:
		w.Header().Set("Retry-After", "7")
		writeErr(w, 429, syncproto.CodeRateLimited, "slow down")
	case fault401:
		writeErr(w, 401, syncproto.CodeUnauthorized, "token expired")
	case faultForbidden:
		writeErr(w, 403, syncproto.CodeForbidden, "not for you")
	default:
		return false
	}
	return true
}

// drop closes the connection without an answer.
func drop(t *testing.T, w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

// issue makes a token pair for session sess, under f.mu.
func (f *fakeServer) issue(sess int) syncproto.TokenResponse {
	f.nextID++
	a, r := fmt.Sprintf("acc-%d", f.nextID), fmt.Sprintf("ref-%d", f.nextID)
	f.access[a] = sess
	f.refresh[r] = sess
	return syncproto.TokenResponse{AccessToken: a, RefreshToken: r, TokenType: "Bearer", ExpiresIn: 900, UserID: "u-1", Role: syncproto.RoleCourier}
}

func (f *fakeServer) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req syncproto.LoginRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 400, syncproto.CodeInvalidRequest, "bad json")
		return
	}
	f.mu.Lock()
	f.trace = append(f.trace, "login")
	ft := take(&f.loginFaults)
	if common(w, ft) {
		f.mu.Unlock()
		return
	}
	if req.Username != testUser || req.Password != testPassword || req.DeviceID == "" {
		f.mu.Unlock()
		writeErr(w, 401, syncproto.CodeUnauthorized, "wrong username or password")
		return
	}
	f.logins++
	f.nextID++
	tr := f.issue(f.nextID)
	f.mu.Unlock()
	writeJSON(w, 200, tr)
}

func (f *fakeServer) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var req syncproto.RefreshRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 400, syncproto.CodeInvalidRequest, "bad json")
		return
	}
	f.mu.Lock()
	f.trace = append(f.trace, "refresh")
	ft := take(&f.refrFaults)
	if ft != faultDropAfter && common(w, ft) {
		f.mu.Unlock()
		return
	}
	if sess, used := f.usedRefresh[req.RefreshToken]; used {
		f.reuses++
		f.revokeLocked(sess)
		f.mu.Unlock()
		writeErr(w, 401, syncproto.CodeUnauthorized, "refresh token reused")
		return
	}
	sess, ok := f.refresh[req.RefreshToken]
	if !ok || f.revoked[sess] {
		f.mu.Unlock()
		writeErr(w, 401, syncproto.CodeUnauthorized, "unknown refresh token")
		return
	}
	delete(f.refresh, req.RefreshToken)
	f.usedRefresh[req.RefreshToken] = sess
	f.refreshes++
	tr := f.issue(sess)
	f.mu.Unlock()
	if ft == faultDropAfter {
		drop(f.t, w)
		return
	}
	writeJSON(w, 200, tr)
}

// revokeLocked ends a session: its access and refresh tokens stop working.
func (f *fakeServer) revokeLocked(sess int) {
	f.revoked[sess] = true
	for tok, s := range f.access {
		if s == sess {
			delete(f.access, tok)
		}
	}
	for tok, s := range f.refresh {
		if s == sess {
			delete(f.refresh, tok)
		}
	}
}

// authorized checks the bearer token, under f.mu.
func (f *fakeServer) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	_, ok = f.access[tok]
	return ok
}

func (f *fakeServer) handlePush(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if r.Header.Get(syncproto.ProtocolHeader) != "1" {
		f.t.Errorf("push without %s: 1", syncproto.ProtocolHeader)
	}
	f.mu.Lock()
	f.trace = append(f.trace, "push")
	f.pushBodies = append(f.pushBodies, body)
	n := len(f.pushBodies)
	ft := take(&f.pushFaults)
	hook := f.onPush
	if !f.authorized(r) {
		f.mu.Unlock()
		writeErr(w, 401, syncproto.CodeUnauthorized, "bad token")
		return
	}
	if ft == fault401 {
		// The token expired: it stays refused.
		delete(f.access, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}
	if common(w, ft) {
		f.mu.Unlock()
		return
	}
	var req syncproto.PushRequest
	if err := json.Unmarshal(body, &req); err != nil {
		f.mu.Unlock()
		writeErr(w, 400, syncproto.CodeInvalidRequest, "bad json")
		return
	}
	f.pushSizes = append(f.pushSizes, len(req.Ops))
	if f.maxOps > 0 && len(req.Ops) > f.maxOps {
		f.mu.Unlock()
		writeErr(w, 413, syncproto.CodePayloadTooLarge, "too many ops")
		return
	}
	f.mu.Unlock()
	if e := syncproto.ValidatePush(&req); e != nil {
		writeErr(w, syncproto.StatusOf(e.Code), e.Code, e.Message)
		return
	}
	if req.DeviceID != testDevice {
		writeErr(w, 403, syncproto.CodeForbidden, "device")
		return
	}
	if hook != nil {
		hook(n, "received")
	}
	resp := syncproto.PushResponse{ServerTime: time.Now()}
	f.mu.Lock()
	for i := range req.Ops {
		resp.Results = append(resp.Results, f.applyLocked(req.DeviceID, &req.Ops[i]))
	}
	f.mu.Unlock()
	if hook != nil {
		hook(n, "applied")
	}
	if ft == faultDropAfter {
		drop(f.t, w)
		return
	}
	writeJSON(w, 200, resp)
	w.(http.Flusher).Flush()
	if hook != nil {
		hook(n, "responded")
	}
}

// applyLocked applies one op once, like the real server: a resend gets the
// first result with duplicate set; a changed op under a known id is an
// op_id_conflict.
func (f *fakeServer) applyLocked(device string, op *syncproto.Op) syncproto.PushResult {
	fp := device + "|" + op.Kind + "|" + strconv.FormatInt(op.Seq, 10) + "|" + op.RecordedAt + "|" + string(op.Payload)
	if prev, ok := f.results[op.OpID]; ok {
		if prev.fingerprint != fp {
			return syncproto.PushResult{OpID: op.OpID, Seq: op.Seq, Status: syncproto.StatusRejected,
				Error: syncproto.Errorf(syncproto.CodeOpIDConflict, "op_id reused for a different op")}
		}
		f.duplicates++
		res := prev.res
		res.Duplicate = true
		return res
	}
	res := syncproto.PushResult{OpID: op.OpID, Seq: op.Seq, Status: syncproto.StatusApplied}
	p, e := syncproto.ValidateOp(op)
	if e == nil {
		if pk, ok := p.(*syncproto.Pickup); ok {
			if _, dup := f.waybills[pk.Waybill]; dup {
				e = syncproto.Errorf(syncproto.CodeDuplicateWaybill, "waybill already picked up")
			} else {
				f.waybills[pk.Waybill] = op.OpID
			}
		}
	}
	if e != nil {
		res.Status, res.Error = syncproto.StatusRejected, e
		f.rejected = append(f.rejected, op.OpID)
	} else {
		res.Ref = "rec-" + op.OpID[:8]
		f.applied = append(f.applied, op.OpID)
	}
	f.taken = append(f.taken, op.Seq)
	f.results[op.OpID] = &storedResult{res: res, fingerprint: fp}
	return res
}

func (f *fakeServer) handlePull(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cursor := r.URL.Query().Get("cursor")
	f.trace = append(f.trace, "pull")
	f.pullCursor = append(f.pullCursor, cursor)
	if !f.authorized(r) {
		writeErr(w, 401, syncproto.CodeUnauthorized, "bad token")
		return
	}
	ft := take(&f.pullFaults)
	if ft == faultCursorExpire || f.expired[cursor] {
		writeErr(w, 409, syncproto.CodeCursorExpired, "cursor expired")
		return
	}
	if common(w, ft) {
		return
	}
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit < 1 || limit > syncproto.MaxPullLimit {
		writeErr(w, 400, syncproto.CodeInvalidRequest, "limit")
		return
	}
	from := f.base
	if cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(cursor, "c"))
		if err != nil || n < f.base || n > f.base+len(f.changes) {
			writeErr(w, 409, syncproto.CodeCursorExpired, "cursor expired")
			return
		}
		from = n
	}
	i := from - f.base
	j := min(i+limit, len(f.changes))
	writeJSON(w, 200, syncproto.PullResponse{
		Changes: append([]syncproto.Change{}, f.changes[i:j]...),
		Cursor:  "c" + strconv.Itoa(f.base+j),
		HasMore: j < len(f.changes),
	})
}

// addTask appends a callback_task change to the feed.
func (f *fakeServer) addTask(id string, version int64, status string) {
	data, _ := json.Marshal(syncproto.CallbackTask{
		TaskID: id, Waybill: "WB-" + id, Reason: "delay", Status: status,
		DueBy:   time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC),
		Contact: syncproto.Contact{NameMasked: "W** L*", PhoneMasked: "138****0000"}, Version: version,
	})
	f.addChange(syncproto.ChangeCallbackTask, data)
}

// addConfig appends a config change to the feed.
func (f *fakeServer) addConfig(c syncproto.Config) {
	data, _ := json.Marshal(c)
	f.addChange(syncproto.ChangeConfig, data)
}

func (f *fakeServer) addChange(typ string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, syncproto.Change{ID: strconv.Itoa(f.base + len(f.changes) + 1), Type: typ, Data: data})
}

// compact drops the whole feed history, expiring every cursor into it.
func (f *fakeServer) compact() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.base += len(f.changes)
	f.changes = nil
}

// set runs fn under the server's lock, to change knobs or read state.
func (f *fakeServer) set(fn func(f *fakeServer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// checkExactlyOnce fails unless every op id in want was taken exactly
// once (applied or rejected) and the server took nothing else.
func (f *fakeServer) checkExactlyOnce(t *testing.T, want []string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]int{}
	for _, id := range f.applied {
		seen[id]++
	}
	for _, id := range f.rejected {
		seen[id]++
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("op %s taken %d times, want exactly once", id, seen[id])
		}
		delete(seen, id)
	}
	for id := range seen {
		t.Errorf("server took op %s that was never recorded", id)
	}
	for i := 1; i < len(f.taken); i++ {
		if f.taken[i] <= f.taken[i-1] {
			t.Errorf("server took seq %d after seq %d: ops went out of order", f.taken[i], f.taken[i-1])
		}
	}
}

// bodyOf returns push body n (1-based).
func (f *fakeServer) bodyOf(n int) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.pushBodies[n-1])
}
