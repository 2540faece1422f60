//go:build unix

package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A second courierd on a data dir another one holds must not wait
// forever nor run: it exits non-zero within the store's open timeout
// (2 s; 30 s allowed here for a loaded machine) and says why.
func TestASecondServerOnAHeldStoreExitsWithAClearError(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real server twice")
	}
	first := newServerProc(t)
	first.start()

	cmd := exec.Command(first.bin)
	cmd.Env = childEnv("COURIERD_ADDR=127.0.0.1:0", "COURIERD_DATA_DIR="+first.dataDir, "GORACE=atexit_sleep_ms=0")
	began := time.Now()
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the second server still ran after 30 s:\n%s", out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("second server: %v, want a non-zero exit\n%s", err, out)
	}
	msg := string(out)
	if !strings.Contains(msg, filepath.Join(first.dataDir, "courier.db")) || !strings.Contains(msg, "another process") {
		t.Fatalf("the error does not name the store and its holder:\n%s", msg)
	}
	t.Logf("second server exited after %v: %s", time.Since(began).Round(time.Millisecond), strings.TrimSpace(msg))
	if code := first.terminate(); code != 0 {
		t.Errorf("the first server exited with %d", code)
	}
}
