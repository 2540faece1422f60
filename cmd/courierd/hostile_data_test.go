//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// The attacks of issue 8 on money (item 3), dates (item 4) and the
// writer's fairness (item 7), and of issue 12 item 5 (clock skew), run
// against the real courierd binary over loopback.

// hostile is a running courierd with an admin session.
type hostile struct {
	t     *testing.T
	s     *serverProc
	c     *apiClient
	ctx   context.Context
	admin string
}

func startHostile(t *testing.T, env ...string) *hostile {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the courierd binary")
	}
	s := newServerProc(t)
	s.env = env
	s.start()
	s.open()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	h := &hostile{t: t, s: s, c: newAPIClient(t), ctx: ctx}
	var err error
	if h.admin, err = h.c.login(ctx, s.url(), adminUser, adminPassword, "console"); err != nil {
		t.Fatal(err)
	}
	return h
}

// user creates an account of role and logs it in on device; it returns the
// user id and access token.
func (h *hostile) user(name, role, device string) (string, string) {
	h.t.Helper()
	r, err := h.c.send(h.ctx, http.MethodPost, h.s.url(), "/v1/admin/users", h.admin,
		syncproto.CreateUserRequest{Username: name, Password: "password-" + name, Role: role})
	var u syncproto.User
	if err != nil || r.decode(http.StatusCreated, &u) != nil {
		h.t.Fatalf("create %s: %v %s", name, err, r.body)
	}
	tok, err := h.c.login(h.ctx, h.s.url(), name, "password-"+name, device)
	if err != nil {
		h.t.Fatal(err)
	}
	return u.UserID, tok
}

// hostileOp makes an op recorded at at.
func hostileOp(kind string, seq int64, at time.Time, payload any) syncproto.Op {
	raw, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return syncproto.Op{OpID: uuid.Must(uuid.NewV7()).String(), Seq: seq, Kind: kind, RecordedAt: at.Format(time.RFC3339Nano), Payload: raw}
}

// push sends ops from device (sentAt "" for none) and wants 200.
func (h *hostile) push(token, device, sentAt string, ops ...syncproto.Op) []syncproto.PushResult {
	h.t.Helper()
	r, err := h.c.send(h.ctx, http.MethodPost, h.s.url(), "/v1/sync/push", token,
		syncproto.PushRequest{DeviceID: device, SentAt: sentAt, Ops: ops})
	var pr syncproto.PushResponse
	if err != nil || r.decode(http.StatusOK, &pr) != nil || len(pr.Results) != len(ops) {
		h.t.Fatalf("push: %v %d %s", err, r.status, r.body)
	}
	return pr.Results
}

// get reads path as token and wants 200.
func (h *hostile) get(token, path string, out any) {
	h.t.Helper()
	r, err := h.c.send(h.ctx, http.MethodGet, h.s.url(), path, token, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := r.decode(http.StatusOK, out); err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
}

func wantRejected(t *testing.T, r syncproto.PushResult, code syncproto.Code) {
	t.Helper()
	if r.Status != syncproto.StatusRejected || r.Error == nil || r.Error.Code != code {
		t.Fatalf("result %+v, want rejected %s", r, code)
	}
}

func wantApplied(t *testing.T, r syncproto.PushResult) {
	t.Helper()
	if r.Status != syncproto.StatusApplied {
		t.Fatalf("result %+v, want applied", r)
	}
}

func receipt(waybill, no string, cents int64) map[string]any {
	return map[string]any{"waybill": waybill, "receipt_no": no, "amount_cents": cents, "method": "cash"}
}

func hostileComplaint(received time.Time) map[string]any {
	return map[string]any{"category": "delay", "description": "late", "customer": map[string]any{"name": "李雷", "phone": "13800138000"},
		"received_at": received.Format(time.RFC3339)}
}

// Item 3: receipts of 2^63−1 overflowed the ledger's sums and a courier's
// balance showed 0 after a real 5,000-fen receipt.
func TestHostileDataMoneyCannotBeErased(t *testing.T) {
	h := startHostile(t)
	courier, tok := h.user("money-courier", syncproto.RoleCourier, "pda-m")
	_, disp := h.user("money-dispatcher", syncproto.RoleDispatcher, "console-m")
	now := time.Now()
	res := h.push(tok, "pda-m", "",
		hostileOp("cod_receipt", 1, now, receipt("SF-MONEY-01", "MAX-1", math.MaxInt64)),
		hostileOp("cod_receipt", 2, now, receipt("SF-MONEY-01", "MAX-2", math.MaxInt64)),
		hostileOp("cod_receipt", 3, now, receipt("SF-MONEY-01", "OVER-1", syncproto.MaxCents+1)),
		hostileOp("cod_receipt", 4, now, receipt("SF-MONEY-01", "REAL-1", 5000)))
	for _, r := range res[:3] {
		wantRejected(t, r, syncproto.CodeValidationFailed)
	}
	wantApplied(t, res[3])
	var page struct {
		Totals map[string]int64 `json:"totals"`
	}
	h.get(disp, "/v1/cod/ledger?courier_id="+courier, &page)
	if page.Totals["collected_cents"] != 5000 || page.Totals["in_hand_cents"] != 5000 {
		t.Fatalf("ledger totals %v, want the real 5,000 fen", page.Totals)
	}
	var bal struct {
		Balances []syncproto.CODBalance `json:"balances"`
	}
	h.get(disp, "/v1/cod/balances?courier_id="+courier, &bal)
	if len(bal.Balances) != 1 || bal.Balances[0].InHandCents != 5000 {
		t.Fatalf("balance %+v, want 5,000 fen in hand", bal)
	}
	r, err := h.c.send(h.ctx, http.MethodPost, h.s.url(), "/v1/cod/handovers", disp,
		map[string]any{"courier_id": courier, "receipt_nos": []string{"REAL-1"}, "counted_cents": int64(math.MaxInt64)})
	if err != nil || r.status != http.StatusBadRequest {
		t.Fatalf("a hand-over counting 2^63−1: %v %d %s", err, r.status, r.body)
	}
}

// Item 4: a receipt dated 9999-12-31 made GET /v1/cod/ledger fail for
// every dispatcher, a complaint so dated made its whole push fail on every
// retry, and dates far ahead escaped deadlines.
func TestHostileDataFarFutureDates(t *testing.T) {
	h := startHostile(t)
	_, tok := h.user("date-courier", syncproto.RoleCourier, "pda-d")
	_, disp := h.user("date-dispatcher", syncproto.RoleDispatcher, "console-d")
	now := time.Now()
	y9999 := time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)
	ops := []syncproto.Op{
		hostileOp("cod_receipt", 1, y9999, receipt("SF-DATE-01", "D-9999", 5000)),
		hostileOp("complaint", 2, now, hostileComplaint(y9999)),
		hostileOp("cod_receipt", 3, now.AddDate(73, 0, 0), receipt("SF-DATE-01", "D-2099", 5000)),
		hostileOp("complaint", 4, now, hostileComplaint(now.AddDate(73, 0, 0))),
		hostileOp("cod_receipt", 5, now.Add(24*time.Hour), receipt("SF-DATE-01", "D-TOMORROW", 5000)),
		hostileOp("cod_receipt", 6, now, receipt("SF-DATE-01", "D-NOW", 5000)),
		hostileOp("complaint", 7, now, hostileComplaint(now)),
	}
	for round := 0; round < 2; round++ { // the retry gets the same answers: the outbox is not stuck
		res := h.push(tok, "pda-d", "", ops...)
		for _, r := range res[:5] {
			wantRejected(t, r, syncproto.CodeValidationFailed)
		}
		wantApplied(t, res[5])
		wantApplied(t, res[6])
		if res[6].Duplicate != (round == 1) {
			t.Fatalf("round %d: duplicate = %v", round, res[6].Duplicate)
		}
	}
	for _, path := range []string{"/v1/cod/ledger", "/v1/cod/ledger?overdue=true", "/v1/complaints", "/v1/complaints?overdue=true",
		"/v1/cod/ledger?from=9999-12-31T00:00:00Z"} {
		var body map[string]any
		h.get(disp, path, &body)
	}
	var report map[string]any
	h.get(h.admin, "/v1/reports/quality?month="+now.Format("2006-01"), &report)
	var cl struct {
		Complaints []struct {
			DueBy time.Time `json:"due_by"`
		} `json:"complaints"`
	}
	h.get(disp, "/v1/complaints", &cl)
	if len(cl.Complaints) != 1 || cl.Complaints[0].DueBy.After(now.Add(8*24*time.Hour)) {
		t.Fatalf("complaints %+v, want the one of today, due within 7 days", cl.Complaints)
	}
}

// Issue 12 item 5: skew is the server's receive time minus the envelope's
// sent_at; an op that waited offline is not a clock fault.
func TestHostileDataClockSkewFromSentAt(t *testing.T) {
	h := startHostile(t)
	_, tok := h.user("skew-courier", syncproto.RoleCourier, "pda-s")
	now := time.Now()
	offline := hostileOp("cod_receipt", 1, now.Add(-3*time.Hour), receipt("SF-SKEW-01", "S-OFFLINE", 1000))
	r := h.push(tok, "pda-s", now.Format(time.RFC3339Nano), offline)[0]
	wantApplied(t, r)
	if slices.Contains(r.Flags, "clock_skew") {
		t.Fatalf("an op recorded offline three hours ago, sent with a right clock, is flagged: %+v", r)
	}
	fast := now.Add(2 * time.Hour)
	ahead := hostileOp("cod_receipt", 2, fast.Add(-time.Minute), receipt("SF-SKEW-01", "S-FAST", 1000))
	r = h.push(tok, "pda-s", fast.Format(time.RFC3339Nano), ahead)[0]
	wantApplied(t, r)
	if !slices.Contains(r.Flags, "clock_skew") {
		t.Fatalf("a device two hours fast is not flagged: %+v", r)
	}
	audit, err := h.c.auditOps(h.ctx, h.s.url())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range audit {
		if a.OpID == ahead.OpID {
			if a.RecordedAt != ahead.RecordedAt || a.RecordedAtCorrected == nil || a.RecordedAtCorrected.After(time.Now()) {
				t.Fatalf("audit %+v: want the device's recorded_at and a corrected time in the past", a)
			}
			return
		}
	}
	t.Fatal("the fast device's op is not in the audit")
}

// serverCPU reads the CPU time the server used so far from /proc (Linux),
// or 0.
func serverCPU(s *serverProc) time.Duration {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// peakRSS reads the server's peak resident set from /proc (Linux), or "?".
func peakRSS(s *serverProc) string {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
