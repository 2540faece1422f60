package stack_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/stack"
)

// Once shutdown begins the server is not ready, although it still drains
// the requests in flight: a load balancer must stop sending new ones.
func TestNotReadyWhileShuttingDown(t *testing.T) {
	ts := startQuiet(t, stack.Config{})
	c := ts.user(t, "courier.a", "courier", "pda-a")
	if !ts.Ready() {
		t.Fatal("not ready after start")
	}
	img := noisyJPEG(t, 64, 48, 3)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", ts.url+"/v1/blobs/"+digestOf(img), pr)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.ContentLength = int64(len(img))
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	pw.Write(img[:10]) // the upload is under way; its handler waits for the rest
	stopped := make(chan error, 1)
	st := ts.Stack
	ts.Stack = nil // this test shuts it down; the cleanup must not again
	go func() { stopped <- st.Shutdown(30 * time.Second) }()
	// Shutdown clears readiness before it stops the listener: once it
	// began, and certainly once it ended, the server is not ready.
	var (
		ended       bool
		shutdownErr error
	)
	deadline := time.Now().Add(20 * time.Second)
	for st.Ready() {
		if ended {
			t.Fatal("ready after shutdown ended")
		}
		if time.Now().After(deadline) {
			t.Fatal("still ready 20 s after shutdown began")
		}
		select {
		case shutdownErr = <-stopped:
			ended = true
		case <-time.After(time.Millisecond):
		}
	}
	pw.Write(img[10:])
	pw.Close()
	// The upload may not have reached the server before its listener
	// closed (then the client saw no answer, 0); once it had, it is
	// drained to its answer.
	if code := <-answered; code != 201 && code != 0 {
		t.Fatalf("the request in flight got %d, want 201", code)
	}
	if !ended {
		shutdownErr = <-stopped
	}
	if shutdownErr != nil {
		t.Fatal(shutdownErr)
	}
}
