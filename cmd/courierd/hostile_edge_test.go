//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The attacks of issue 8 on the HTTP edge, run against the real courierd
// binary: nobody logs in, nobody needs to.

// TestHostileEdgeMegabyteUsernamesLeaveMemoryFlat floods the login route
// with 200 logins of 1 MiB usernames. The server used to keep each username as typed in
// its login throttle (4 MB usernames took it from 30 MB to 2.4 GB); now the
// body is refused before it is parsed and the throttle keeps digests.
func TestHostileEdgeMegabyteUsernamesLeaveMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	srv := newServerProc(t)
	srv.start()
	pid := srv.cmd.Process.Pid
	api := newAPIClient(t)
	ctx := t.Context()
	// Warm up: the first requests allocate pools that stay.
	for i := range 20 {
		if _, err := api.send(ctx, http.MethodPost, srv.url(), "/v1/auth/login", "", map[string]string{"username": "warm" + strconv.Itoa(i), "password": "x-password", "device_id": "d"}); err != nil {
			t.Fatal(err)
		}
	}
	before := rssOf(t, pid)
	name := strings.Repeat("u", 1<<20)
	var wg sync.WaitGroup
	statuses := make(chan int, 200)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				r, err := api.send(ctx, http.MethodPost, srv.url(), "/v1/auth/login", "",
					map[string]string{"username": name + strconv.Itoa(w*25+i), "password": "guess-guess", "device_id": "d"})
				if err != nil {
					// The server may close after refusing a body it did not
					// read whole; it must still be there (checked below).
					statuses <- 0
					continue
				}
				statuses <- r.status
			}
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[http.StatusOK] > 0 || counts[http.StatusRequestEntityTooLarge] == 0 {
		t.Errorf("answers to 200 logins with 1 MiB usernames: %v; want 413s", counts)
	}
	after := rssOf(t, pid)
	t.Logf("RSS %d MiB before, %d MiB after 200 logins with 1 MiB usernames (answers %v)", before>>20, after>>20, counts)
	if after > before+64<<20 {
		t.Errorf("RSS grew from %d MiB to %d MiB: more than 64 MiB", before>>20, after>>20)
	}
	r, err := api.send(ctx, http.MethodGet, srv.url(), "/healthz", "", nil)
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("after the flood /healthz: %v %v", r.status, err)
	}
}

// TestHostileEdgeIdleConnectionsAndATricklerLeaveHealthzAnswering opens
// 3,000 connections that send nothing and one push whose body trickles in
// a byte at a time: /healthz still answers at once, and the trickler is
// cut off at the read timeout instead of holding its push open for ever.
func TestHostileEdgeIdleConnectionsAndATricklerLeaveHealthzAnswering(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	const readTimeout = 10 * time.Second
	srv := newServerProc(t)
	srv.env = []string{"COURIERD_READ_TIMEOUT=" + readTimeout.String()}
	srv.start()
	addr := strings.TrimPrefix(srv.url(), "http://")

	start := time.Now()
	trickled := make(chan trickle, 1)
	go func() { trickled <- trickleBody(addr, 5*time.Minute) }()

	idle := dialIdle(t, addr, 3000)
	t.Logf("%d idle connections open after %v", len(idle), time.Since(start).Round(time.Millisecond))
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	t0 := time.Now()
	resp, err := probe.Get(srv.url() + "/healthz")
	took := time.Since(t0)
	if err != nil {
		t.Fatalf("/healthz with 3,000 idle connections and a trickler: %v", err)
	}
	resp.Body.Close()
	t.Logf("/healthz answered %d in %v", resp.StatusCode, took)
	// The goal is well under a second; the bound is generous for a loaded
	// two-core machine running a race-enabled server.
	if resp.StatusCode != http.StatusOK || took > 10*time.Second {
		t.Errorf("/healthz: %d after %v", resp.StatusCode, took)
	}
	for _, c := range idle {
		c.Close()
	}

	tr := <-trickled
	t.Logf("trickler: %s after %v, %d body bytes sent", tr.outcome, tr.after.Round(time.Millisecond), tr.sent)
	// Cut at the read timeout (from the request's first byte): allow 6×
	// for a loaded machine, far below the 5 minutes the body would take.
	if tr.after > 6*readTimeout || tr.outcome == "still sending" {
		t.Errorf("the trickler held its push for %v (%s)", tr.after, tr.outcome)
	}
	if strings.HasPrefix(tr.outcome, "answered") && !strings.Contains(tr.outcome, "408") {
		t.Errorf("the trickler was answered %s, want 408 or a closed connection", tr.outcome)
	}
}

// TestHostileEdgeOutOfFileDescriptorsIsSurvived runs courierd with a hard
// limit of 256 open files and a connection cap above it, then opens more
// connections than it has descriptors. Accept fails with EMFILE; the
// server used to exit 1, now it waits and serves again once they close.
func TestHostileEdgeOutOfFileDescriptorsIsSurvived(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	srv := newServerProc(t)
	wrapper := filepath.Join(t.TempDir(), "courierd-256-files")
	script := fmt.Sprintf("#!/bin/sh\nulimit -n 256 || exit 99\nexec %s \"$@\"\n", srv.bin)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	srv.bin = wrapper
	srv.env = []string{"COURIERD_MAX_CONNS=2000", "COURIERD_READ_TIMEOUT=60s", "COURIERD_LOG_LEVEL=warn"}
	srv.start()
	addr := strings.TrimPrefix(srv.url(), "http://")

	idle := dialIdle(t, addr, 600)
	// Ask while the descriptors are gone: the request waits in the
	// backlog (or times out), the server must not exit.
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 3 * time.Second}
	if resp, err := probe.Get(srv.url() + "/healthz"); err == nil {
		resp.Body.Close()
	}
	srv.mu.Lock()
	exited := srv.unexpected
	srv.mu.Unlock()
	if exited != nil {
		t.Fatalf("out of file descriptors: %v", exited)
	}
	for _, c := range idle {
		c.Close()
	}
	probe.Timeout = 60 * time.Second
	resp, err := probe.Get(srv.url() + "/healthz")
	if err != nil {
		t.Fatalf("after the connections closed /healthz: %v (server: %v)", err, srv.unexpected)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}
	if logs := srv.logs[len(srv.logs)-1].bytes(); !bytes.Contains(logs, []byte("accept failed; retrying")) {
		t.Errorf("the server never ran out of descriptors (the test proves nothing); its log:\n%s", srv.logs[len(srv.logs)-1].tail(2000))
	}
}

// dialIdle opens n connections to addr that send nothing. Connections the
// kernel accepts but the server has not are counted too: both hold the
// server's resources the same way.
func dialIdle(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	d := net.Dialer{Timeout: 10 * time.Second}
	for i := range n {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("idle connection %d: %v", i+1, err)
		}
		conns = append(conns, c)
	}
	return conns
}

// trickle is how a slow-body attack ended.
type trickle struct {
	outcome string
	after   time.Duration
	sent    int
}

// trickleBody announces a 4 KiB push and sends its body one byte every
// 200 ms, reading at the same time, until the server answers or closes,
// or limit passes.
func trickleBody(addr string, limit time.Duration) trickle {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return trickle{outcome: "dial: " + err.Error()}
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/sync/push HTTP/1.1\r\nHost: courierd\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n")
	answered := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			answered <- "closed (" + err.Error() + ")"
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered <- "answered " + strconv.Itoa(resp.StatusCode)
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	sent := 0
	for {
		select {
		case out := <-answered:
			return trickle{outcome: out, after: time.Since(start), sent: sent}
		case <-ctx.Done():
			return trickle{outcome: "still sending", after: time.Since(start), sent: sent}
		case <-tick.C:
			if _, err := c.Write([]byte{' '}); err != nil {
				// Wait for the reader's verdict.
				out := <-answered
				return trickle{outcome: out, after: time.Since(start), sent: sent}
			}
			sent++
		}
	}
}

// rssOf returns the resident set size of process pid, from /proc.
func rssOf(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the server's memory from: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}
