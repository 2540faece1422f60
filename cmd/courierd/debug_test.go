package main

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// The profiler shows the heap, which holds personal data: it listens on
// loopback only.
func TestDebugAddrIsLoopbackOnly(t *testing.T) {
	env := func(string) string { return "" }
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "10.1.2.3:6060", "example.org:6060", "6060"} {
		if _, err := parseConfig([]string{"-debug-addr", addr}, env, io.Discard); err == nil {
			t.Errorf("-debug-addr %s accepted", addr)
		}
	}
	for _, addr := range []string{"", "127.0.0.1:6060", "[::1]:6060", "localhost:6060"} {
		if _, err := parseConfig([]string{"-debug-addr", addr}, env, io.Discard); err != nil {
			t.Errorf("-debug-addr %q refused: %v", addr, err)
		}
	}
}

func TestDebugListenerServesTheProfiler(t *testing.T) {
	addr, err := serveDebug("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
