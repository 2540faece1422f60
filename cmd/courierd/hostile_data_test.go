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
	"sync"
	"sync/atomic"
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

// floodBody is one push of n fresh COD receipts.
func floodBody(device string, seq *int64, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"device_id":%q,"ops":[`, device)
	at := time.Now().Format(time.RFC3339Nano)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		s := atomic.AddInt64(seq, 1)
		fmt.Fprintf(&b, `{"op_id":%q,"seq":%d,"kind":"cod_receipt","recorded_at":%q,"payload":{"waybill":"SF-FLOOD-%d","receipt_no":"F-%s-%d","amount_cents":100,"method":"cash"}}`,
			uuid.Must(uuid.NewV7()).String(), s, at, s%100000, device, s)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// Item 7: 600 connections × 500 ops from one courier drove memory to
// 3.4 GB and another courier's one-op push to 7–15 s. The flooder's extra
// pushes are now refused (429) before their bodies are decoded, the writer
// takes couriers in turn and caps its groups, so the other courier's
// pushes go on. Set HOSTILE_FLOOD_CONNS to change the number of flooding
// connections (default 600; 150 with the race detector, whose server is
// several times slower). For the figure, run it without -race:
// go test -run TestHostileDataFlood -v ./cmd/courierd/
func TestHostileDataFloodDoesNotSlowOthers(t *testing.T) {
	h := startHostile(t)
	_, flooder := h.user("flood-courier", syncproto.RoleCourier, "pda-flood")
	_, victim := h.user("calm-courier", syncproto.RoleCourier, "pda-calm")
	conns, samples := 600, 60
	if raceEnabled {
		conns, samples = 150, 20
	}
	if n, err := strconv.Atoi(os.Getenv("HOSTILE_FLOOD_CONNS")); err == nil && n > 0 {
		conns = n
	}
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	flood := &apiClient{http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}

	// The victim's latency with no flood, for comparison: the machine
	// may be loaded by other work, and the figure that matters is what
	// the flood adds.
	calm := func(n, from int) []time.Duration {
		lat := make([]time.Duration, 0, n)
		for i := from; i < from+n; i++ {
			op := hostileOp("cod_receipt", int64(i+1), time.Now(), receipt("SF-CALM-01", "CALM-"+strconv.Itoa(i), 100))
			t0 := time.Now()
			r := h.push(victim, "pda-calm", time.Now().Format(time.RFC3339Nano), op)[0]
			lat = append(lat, time.Since(t0))
			wantApplied(t, r)
		}
		slices.Sort(lat)
		return lat
	}
	base := calm(10, 0)
	cpu0, wall0 := serverCPU(h.s), time.Now()

	stop := make(chan struct{})
	var (
		wg                 sync.WaitGroup
		seq                int64
		ok, busy, other    atomic.Int64
		floodCtx, floodEnd = context.WithCancel(h.ctx)
	)
	defer floodEnd()
	var ready sync.WaitGroup
	ready.Add(conns)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			for {
				select {
				case <-stop:
					return
				default:
				}
				if first {
					first = false
					ready.Done()
				}
				r, err := flood.send(floodCtx, http.MethodPost, h.s.url(), "/v1/sync/push", flooder, json.RawMessage(floodBody("pda-flood", &seq, 500)))
				switch {
				case err != nil:
					other.Add(1)
				case r.status == http.StatusOK:
					ok.Add(1)
				case r.status == http.StatusTooManyRequests:
					busy.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	// Let the flood build up: the victim starts once every flooding
	// connection is sending.
	ready.Wait()
	lat := calm(samples, 10)
	health := make([]time.Duration, 0, 20)
	for i := 0; i < 20; i++ {
		t0 := time.Now()
		var body map[string]any
		h.get("", "/healthz", &body)
		health = append(health, time.Since(t0))
	}
	slices.Sort(health)
	cpu, wall := serverCPU(h.s)-cpu0, time.Since(wall0)
	close(stop)
	floodEnd()
	wg.Wait()
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("flood: %d connections × 500 ops: %d pushes applied, %d refused 429, %d other (cut at the end); "+
		"victim one-op push under flood p50 %v, p99 %v (without flood p50 %v, p99 %v); /healthz under flood p50 %v, max %v; server peak RSS %s; server CPU %v in %v of flood",
		conns, ok.Load(), busy.Load(), other.Load(), p50, p99, base[len(base)/2], base[len(base)-1], health[10], health[19], peakRSS(h.s),
		cpu, wall.Round(time.Second))
	if busy.Load() == 0 {
		t.Errorf("the flooder was never refused: the per-courier share is not enforced")
	}
	// A generous bound (the goal is 1 s at p99 on an idle machine; this
	// test shares two cores with the flood's own client and perhaps the
	// race detector).
	if p99 > 20*time.Second {
		t.Errorf("victim p99 %v", p99)
	}
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
