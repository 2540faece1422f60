package main

import (
	"context"
	"net"
	"regexp"
	"strconv"
	"strings"
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
	s, err := stack.Open(context.Background(), stack.Config{
		DataDir: t.TempDir(), BootstrapAdmin: admin, BcryptCost: 4, Clock: clock, AccessTTL: accessTTL,
	})
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
	url := startServer(t, "root:root-test-pw")
	var stdout, stderr strings.Builder
	getenv := func(k string) string {
		if k == "COURIER_SIM_ADMIN" {
			return "root:root-test-pw"
		}
		return ""
	}
	args := []string{"-server", url, "-couriers", "4", "-records", "40", "-fail-rate", "0.2", "-seed", "20261127", "-batch", "7", "-dir", t.TempDir()}
	err := run(context.Background(), args, getenv, &stdout, &stderr)
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	out := stdout.String()
	for _, want := range []string{
		`(?m)^OK: 0 lost, 0 duplicated, all rejections as expected, [1-9]\d* photos stored once, processed and linked$`,
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
