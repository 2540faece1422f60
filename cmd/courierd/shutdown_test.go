//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// TestServerStartsAndStopsOnSIGTERM starts courierd on a fresh data dir,
// checks that it serves and keeps a second process off its store, stops it
// with SIGTERM (exit 0, a clean store), and starts it again: the bootstrap
// admin is created only once.
func TestServerStartsAndStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	ctx := t.Context()
	srv := newServerProc(t)
	srv.start()
	api := newAPIClient(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		r, err := api.send(ctx, http.MethodGet, srv.url(), path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.decode(http.StatusOK, nil); err != nil {
			t.Errorf("GET %s: %v", path, err)
		}
	}
	if _, err := api.login(ctx, srv.url(), adminUser, adminPassword, "admin-console"); err != nil {
		t.Fatalf("the bootstrap admin cannot log in: %v", err)
	}

	t.Run("a second server on the same data dir refuses to start", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, srv.bin)
		cmd.Env = childEnv("COURIERD_ADDR=127.0.0.1:0", "COURIERD_DATA_DIR="+srv.dataDir, "COURIERD_BCRYPT_COST=4")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() <= 0 {
			t.Fatalf("second server: err %v, want a non-zero exit; output:\n%s", err, out)
		}
		if bytes.Contains(out, []byte(listeningPrefix)) || !bytes.Contains(out, []byte("locked")) {
			t.Errorf("second server output does not say the store is locked:\n%s", out)
		}
	})

	if code := srv.terminate(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	srv.checkStore()

	srv.env = []string{"COURIERD_BOOTSTRAP_ADMIN=" + adminUser + ":another-password-2"}
	srv.start()
	if _, err := api.login(ctx, srv.url(), adminUser, adminPassword, "admin-console"); err != nil {
		t.Errorf("after a restart the admin's password no longer works: %v", err)
	}
	if _, err := api.login(ctx, srv.url(), adminUser, "another-password-2", "admin-console"); err == nil {
		t.Errorf("a restart with another bootstrap password replaced the existing admin's password")
	}
	if code := srv.terminate(); code != 0 {
		t.Fatalf("exit code %d after the second SIGTERM, want 0", code)
	}
	srv.checkStore()
}

// TestSIGTERMFinishesAPushAlreadyBeingReceived sends half a push, stops
// the server with SIGTERM, waits until it no longer accepts connections,
// then sends the rest: the push must still be applied and answered 200,
// the server must exit 0, and after a restart the ops are all there.
func TestSIGTERMFinishesAPushAlreadyBeingReceived(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	ctx := t.Context()
	srv := newServerProc(t)
	srv.start()
	api := newAPIClient(t)
	f := newFleet(t, srv, api, planFleet(1, 1, 1, 120, 120))
	f.enrol(ctx)
	d := f.devices[0]
	base, err := url.Parse(srv.url())
	if err != nil {
		t.Fatal(err)
	}

	req := syncproto.PushRequest{DeviceID: d.id}
	for _, po := range d.batches[0].ops {
		req.Ops = append(req.Ops, po.op)
	}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf("POST /v1/sync/push HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n%s: %d\r\nContent-Length: %d\r\n\r\n",
		base.Host, d.token, syncproto.ProtocolHeader, syncproto.ProtocolVersion, len(body))
	conn, err := net.Dial("tcp", base.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	half := len(body) / 2
	if _, err := conn.Write(append([]byte(head), body[:half]...)); err != nil {
		t.Fatal(err)
	}
	// The server accepts connections in order: once a later connection has
	// been served, ours has been accepted and is the server's to finish.
	later := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := later.Get(srv.url() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	wait := srv.sigterm()
	if err := waitRefused(base.Host, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatalf("send the rest of the push after SIGTERM: %v", err)
	}
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the push being received at SIGTERM got no answer: %v", err)
	}
	var pr syncproto.PushResponse
	err = json.NewDecoder(resp.Body).Decode(&pr)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("the push being received at SIGTERM got status %d (body: %v), want 200", resp.StatusCode, err)
	}
	f.record(d.batches[0], attempt{gen: 1, acked: true, results: pr.Results})
	if code := wait(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}

	srv.start()
	audit, err := api.auditOps(ctx, srv.url())
	if err != nil {
		t.Fatal(err)
	}
	_, errs := f.verify(audit)
	reportErrors(t, "after restart", errs)
	if len(audit) != len(req.Ops) {
		t.Errorf("audit lists %d ops after the restart, want %d", len(audit), len(req.Ops))
	}
	if code := srv.terminate(); code != 0 {
		t.Errorf("exit code %d after the second SIGTERM, want 0", code)
	}
	srv.checkStore()
}

// waitRefused polls until nothing listens on addr any more: a dial is
// refused, or reset because the listener closed with it still queued.
func waitRefused(addr string, limit time.Duration) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("dial %s while waiting for the listener to close: %v", addr, err)
		}
		c.Close()
		select {
		case <-tick.C:
		case <-deadline:
			return fmt.Errorf("%s still accepts connections %v after SIGTERM", addr, limit)
		}
	}
}

// TestSIGTERMDrainsInFlightPushes stops the server with SIGTERM three
// times while four handhelds push large batches: each time it must exit 0
// and every acknowledged op must be there after the restart.
func TestSIGTERMDrainsInFlightPushes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops the real server several times")
	}
	runScenario(t, scenario{
		couriers: 2, devicesPerCourier: 2,
		batches: 12, minOps: 80, maxOps: 200,
		stops: []stop{
			{afterAcks: 7, graceful: true},
			{afterAcks: 21, graceful: true, dropResponse: true},
			{afterAcks: 36, graceful: true},
		},
	})
}
