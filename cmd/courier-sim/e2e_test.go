package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/stack"
)

// startServer runs the real server in-process, assembled as cmd/courierd
// does (server/stack: bbolt store, auth, fiber API), on a temporary data
// directory and a free loopback port, and returns its base URL.
func startServer(t *testing.T, admin string) string {
	t.Helper()
	return startServerWith(t, admin, nil, 0)
}

// startServerWith is startServer with a server clock and an access-token
// lifetime (0: the default).
func startServerWith(t *testing.T, admin string, clock server.Clock, accessTTL time.Duration) string {
	t.Helper()
	return startServerConfig(t, stack.Config{BootstrapAdmin: admin, Clock: clock, AccessTTL: accessTTL})
}

// startServerConfig is startServer with a stack configuration; the data
// directory and a fast bcrypt cost are filled in.
func startServerConfig(t *testing.T, cfg stack.Config) string {
	t.Helper()
	cfg.DataDir, cfg.BcryptCost = t.TempDir(), 4
	s, err := stack.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		if err := s.DB.Check(); err != nil {
			t.Errorf("store inconsistent after the run: %v", err)
		}
		if err := s.Shutdown(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}

func TestSimulatorAgainstTheRealServerLosesAndDoublesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server and a fleet of handhelds")
	}
	// As scripts/demo.sh does: the simulator starts first and announces
	// its fake FCM; the server starts with that endpoint, and its address
	// goes to the file the simulator waits for.
	dir := t.TempDir()
	serverFile, urlFile := filepath.Join(dir, "server.url"), filepath.Join(dir, "fcm.url")
	getenv := func(k string) string {
		if k == "COURIER_SIM_ADMIN" {
			return "root:root-test-pw"
		}
		return ""
	}
	args := []string{"-server-file", serverFile, "-fcm-fake", "-fcm-url-file", urlFile, "-couriers", "4", "-records", "40",
		"-fail-rate", "0.2", "-seed", "20261127", "-batch", "7", "-callback-share", "1", "-dir", filepath.Join(dir, "outboxes")}
	stdout := newAnnouncer()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), args, getenv, stdout, &stderr) }()
	var fcmURL string
	select {
	case fcmURL = <-stdout.url:
	case err := <-done:
		t.Fatalf("run ended before announcing the fake FCM: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if b, err := os.ReadFile(urlFile); err != nil || string(b) != fcmURL+"\n" {
		t.Errorf("-fcm-url-file holds %q (%v), want the announced %q", b, err, fcmURL)
	}
	url := startServerConfig(t, stack.Config{BootstrapAdmin: "root:root-test-pw", FCMEndpoint: fcmURL, FCMProjectID: "sim"})
	if err := writeFileAtomic(serverFile, url+"\n"); err != nil {
		t.Fatal(err)
	}
	err := <-done
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	out := stdout.String()
	for _, want := range []string{
		`(?m)^OK: 0 lost, 0 duplicated, all rejections as expected, [1-9]\d* photos stored once, processed and linked, ` +
			`[1-9]\d* callback tasks as their history implies with [1-9]\d* wake-ups, [1-9]\d* receipts counted once in a balanced ledger, ` +
			`[1-9]\d* complaints and [1-9]\d* vehicles as handled$`,
		`(?m)^couriers +4$`,
		`(?m)^records +160$`,
		`(?m)^rejected not_assigned +expected (\d+), got (\d+)$`,
		`(?m)^lost +0$`,
		`(?m)^duplicated +0$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("summary does not match %s", want)
		}
	}
	m := regexp.MustCompile(`link failures +(\d+) dropped before, (\d+) reset after`).FindStringSubmatch(out)
	if m == nil || m[2] == "0" {
		t.Errorf("no response was lost after the server applied it (%q): the run proved nothing about resends", m)
	}
	checkPhotoSummary(t, out)
	checkActorSummary(t, out)
}

// announcer collects what run writes to stdout and hands over the fake
// FCM's URL as soon as its line is complete. Safe for concurrent use.
type announcer struct {
	url chan string

	mu   sync.Mutex
	buf  strings.Builder
	sent bool
}

func newAnnouncer() *announcer { return &announcer{url: make(chan string, 1)} }

func (a *announcer) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.buf.Write(p)
	if !a.sent {
		s := a.buf.String()
		if i := strings.Index(s, fcmAnnounce); i >= 0 {
			if line, _, ok := strings.Cut(s[i+len(fcmAnnounce):], "\n"); ok {
				a.url <- line
				a.sent = true
			}
		}
	}
	return len(p), nil
}

func (a *announcer) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.buf.String()
}

// summaryNums reads the numbers a summary line pattern captures.
func summaryNums(t *testing.T, out, pattern string) []int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("summary does not match %s", pattern)
	}
	var ns []int
	for _, s := range m[1:] {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s: %q is not a number", pattern, s)
		}
		ns = append(ns, n)
	}
	return ns
}

// checkActorSummary checks the actors' lines of a summary: tasks were
// created, cancelled and reassigned, outcomes that arrived after a cancel
// or a reassignment were flagged, every change woke its handheld with
// nothing personal in the FCM requests, complaints were walked, COD was
// handed over (one counted off, one pair at once) and settled, defects were
// certified, and each of these is right on the server and the handhelds.
func checkActorSummary(t *testing.T, out string) {
	t.Helper()
	tasks := summaryNums(t, out, `(?m)^callback tasks +(\d+) created \((\d+) from complaints\), (\d+) cancelled, (\d+) reassigned; stale version refused (\d+) of (\d+)$`)
	if tasks[0] < 4 || tasks[2] == 0 || tasks[3] == 0 || tasks[4] != 1 || tasks[5] != 1 {
		t.Errorf("callback tasks: %v: want some created, cancelled and reassigned, and the stale version refused", tasks)
	}
	states := summaryNums(t, out, `(?m)^task final states +(\d+) of (\d+) as`)
	outcomes := summaryNums(t, out, `(?m)^callback outcomes +(\d+) of (\d+) on their tasks as recorded; (\d+) flagged`)
	if states[0] != states[1] || states[1] != tasks[0] || outcomes[0] != outcomes[1] || outcomes[1] == 0 || outcomes[2] < 2 {
		t.Errorf("tasks right %v, outcomes right %v: want all, and the two offline outcomes (cancelled, reassigned) flagged", states, outcomes)
	}
	wakes := summaryNums(t, out, `(?m)^wake-ups +(\d+) of (\d+) task changes woke their handhelds; (\d+) messages, (\d+) data-only`)
	if wakes[0] != wakes[1] || wakes[1] < tasks[0] || wakes[2] != wakes[3] {
		t.Errorf("wake-ups %v: want one per task change at least, all data-only", wakes)
	}
	if scan := summaryNums(t, out, `(?m)^FCM privacy scan +(\d+) requests scanned for (\d+) names/phones/addresses: (\d+) leaks$`); scan[0] == 0 || scan[1] < 100 || scan[2] != 0 {
		t.Errorf("FCM privacy scan %v", scan)
	}
	for _, pattern := range []string{
		`(?m)^handheld task lists +(\d+) of (\d+) as`,
		`(?m)^complaints +(\d+) of (\d+) listed as walked`,
		`(?m)^COD receipts +(\d+) of (\d+) applied receipts`,
	} {
		if n := summaryNums(t, out, pattern); n[0] != n[1] || n[1] == 0 {
			t.Errorf("%s: %v", pattern, n)
		}
	}
	if steps := summaryNums(t, out, `(?m)^complaint steps +(\d+) transitions recorded; illegal ones refused (\d+) of (\d+); handhelds' open lists right (\d+) of (\d+)$`); steps[0] == 0 || steps[1] == 0 || steps[1] != steps[2] || steps[3] != steps[4] {
		// Every illegal step tried must be refused. How many are tried
		// depends on timing: moving a closed complaint needs one closed by
		// the end, which a fast fleet may not leave the dispatcher time for.
		t.Errorf("complaint steps %v", steps)
	}
	if !regexp.MustCompile(`(?m)^COD ledger .* overall balanced true, (\d+) of \d+ couriers right$`).MatchString(out) {
		t.Error("the COD ledger is not balanced and right")
	}
	if !regexp.MustCompile(`(?m)^COD hand-overs +[1-9]\d* \(.*\); one counted -?¥\d+\.\d\d against the receipts, listed true; concurrent pair: 1 created, 1 refused 409$`).MatchString(out) {
		t.Error("COD hand-overs: want one counted off and listed, and the concurrent pair 1 created, 1 refused")
	}
	if set := summaryNums(t, out, `(?m)^COD settlements +(\d+) \(\d+ receipts, .*\); settling again refused (\d+) of (\d+); handheld balances right (\d+) of (\d+)$`); set[0] == 0 || set[1] != 1 || set[2] != 1 || set[3] != set[4] {
		t.Errorf("COD settlements %v", set)
	}
	if v := summaryNums(t, out, `(?m)^vehicles +(\d+) registered \((\d+) first seen in logs\), duplicate refused (\d+) of (\d+); (\d+) of (\d+) fit$`); v[0] != 3 || v[1] != 1 || v[2] != 1 || v[3] != 1 || v[4] != v[5] {
		t.Errorf("vehicles %v", v)
	}
	if d := summaryNums(t, out, `(?m)^vehicle defects +(\d+) opened for (\d+) failed items; (\d+) certified`); d[0] != d[1] || d[2] != d[0] {
		t.Errorf("vehicle defects %v", d)
	}
}

// checkPhotoSummary checks the photo lines of a summary: photos were
// attached, on damage reports and with a big one, and every one of them
// was uploaded, stored, processed and linked, over a link that lost some
// of their requests, without sending their bytes twice.
func checkPhotoSummary(t *testing.T, out string) {
	t.Helper()
	num := func(pattern string) []int {
		t.Helper()
		m := regexp.MustCompile(pattern).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("summary does not match %s", pattern)
		}
		var ns []int
		for _, s := range m[1:] {
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%s: %q is not a number", pattern, s)
			}
			ns = append(ns, n)
		}
		return ns
	}
	att := num(`(?m)^photos attached +(\d+) \((\d+) on damage reports, (\d+) on vehicle logs; (\d+) big\)`)
	if att[0] == 0 || att[1] == 0 || att[3] == 0 {
		t.Errorf("photos attached %d, on damage reports %d, big %d: the run proved nothing about photos", att[0], att[1], att[3])
	}
	up := num(`(?m)^photos uploaded +(\d+) \((\d+) pending, (\d+) failed on handhelds\)`)
	stored := num(`(?m)^photos stored +(\d+) `)
	proc := num(`(?m)^photos processed +(\d+) \(.*; (\d+) unprocessable`)
	if up[0] != att[0] || up[1] != 0 || up[2] != 0 || stored[0] != att[0] || proc[0] != att[0] || proc[1] != 0 {
		t.Errorf("of %d photos: %d uploaded (%d pending, %d failed), %d stored, %d processed (%d unprocessable)",
			att[0], up[0], up[1], up[2], stored[0], proc[0], proc[1])
	}
	linked := num(`(?m)^damage reports linked +(\d+) of (\d+) with photos all stored; (\d+) of (\d+) with made-up`)
	if linked[1] == 0 || linked[0] != linked[1] || linked[2] != linked[3] {
		t.Errorf("damage reports linked: %v", linked)
	}
	m := regexp.MustCompile(`(?m)^photo bytes sent +([\d.]+) MiB for ([\d.]+) MiB of photos \(([\d.]+)x`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("no photo bytes line")
	}
	if ratio, _ := strconv.ParseFloat(m[3], 64); ratio < 1 || ratio >= 1.5 {
		t.Errorf("photo bytes sent / photo bytes = %s: want at least 1 (all sent) and well under 1.5 (resumed, not resent)", m[3])
	}
	if b := num(`blob (\d+),`); b[0] <= att[0] {
		t.Errorf("%d blob requests for %d photos: each needs a HEAD and a PATCH at least", b[0], att[0])
	}
}

func TestSimulatorSecondRunOnTheSameServerDoesNotCollide(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server")
	}
	url := startServer(t, "admin:admin-demo-pw")
	for i := range 2 {
		var stdout, stderr strings.Builder
		args := []string{"-server", url, "-couriers", "2", "-records", "25", "-fail-rate", "0.1", "-photo-rate", "0", "-quiet"}
		if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
			t.Fatalf("run %d: %v\n%s%s", i+1, err, stdout.String(), stderr.String())
		}
	}
}

func TestSimulatorSurvivesTokensExpiringEverySecond(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server and a fleet of handhelds")
	}
	// The server's auth clock runs 60 times faster than real time: a
	// one-minute access token (plus the verifier's 30 s leeway) lasts 1.5 s,
	// so handhelds refresh (over the flaky link) again and again.
	start := time.Now()
	fast := func() time.Time { return start.Add(60 * time.Since(start)) }
	url := startServerWith(t, "admin:admin-demo-pw", fast, time.Minute)
	var stdout, stderr strings.Builder
	args := []string{"-server", url, "-couriers", "3", "-records", "80", "-fail-rate", "0.3", "-slow-rate", "0.5", "-batch", "5", "-seed", "77", "-quiet"}
	err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	m := regexp.MustCompile(`refresh (\d+),`).FindStringSubmatch(stdout.String())
	if m == nil || m[1] == "0" {
		t.Errorf("no handheld refreshed its token (%q): the test proved nothing about expiry", m)
	}
}
