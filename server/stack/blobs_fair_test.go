package stack_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/photo/phototest"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// trickle opens an upload of digest and sends only part of its body,
// leaving the request open until the test ends.
func trickle(t *testing.T, ts *testServer, c *caller, digest string, part []byte, total int) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "PUT /v1/blobs/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", digest, c.token, total)
	conn.Write(part)
}

// TestASlowUploadStallsNoOne is issue 8 item 6: the per-digest lock was
// held while a body was read from the network, so trickling uploads held
// every other upload of their lock stripe (here: of the same photo).
func TestASlowUploadStallsNoOne(t *testing.T) {
	ts := startStack(t, stack.Config{})
	slow := ts.user(t, "courier-slow", syncproto.RoleCourier, "dev-s")
	fast := ts.user(t, "courier-fast", syncproto.RoleCourier, "dev-f")
	photo := noisyJPEG(t, 900, 700, 71) // its first half is past the header the handler reads first
	d := digestOf(photo)
	for range server.DefaultMaxUploadsPerUser {
		trickle(t, ts, slow, d, photo[:len(photo)/2], len(photo))
	}
	// Wait until the tricklers' requests are being received.
	deadline := time.Now().Add(30 * time.Second)
	for ts.Blobs.UploadsInProgress(slow.userID) < server.DefaultMaxUploadsPerUser {
		if time.Now().After(deadline) {
			t.Fatalf("%d of the tricklers' uploads in progress", ts.Blobs.UploadsInProgress(slow.userID))
		}
		time.Sleep(10 * time.Millisecond) // polling server state, no ordering assumed
	}
	probe := noisyJPEG(t, 16, 16, 1000)
	resp, body := slow.putBlob(t, digestOf(probe), probe)
	wantError(t, resp, body, 429, syncproto.CodeRateLimited)
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if resp, body := fast.putBlob(t, d, photo); resp.StatusCode != 201 {
		t.Fatalf("another courier's upload of the same photo while the tricklers hang: %d %s", resp.StatusCode, body)
	}
}

// TestImageBombsEndUnprocessableWithoutRetry is issue 8 item 8 through the
// whole server: a scan bomb is refused at upload, a PNG over the
// pipeline's budget is marked unprocessable with the reason, and a photo
// whose processing keeps crashing the process is given up.
func TestImageBombsEndUnprocessableWithoutRetry(t *testing.T) {
	dir := t.TempDir()
	ts := startStack(t, stack.Config{DataDir: dir, PhotoMemory: 32 << 20})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	t.Run("a JPEG of many scans is refused at upload", func(t *testing.T) {
		bomb := phototest.ScanBomb(4096, 4096, 15000)
		resp, body := a.putBlob(t, digestOf(bomb), bomb)
		wantError(t, resp, body, 422, syncproto.CodeUnprocessable)
	})
	png := phototest.PNGBomb(1500, 1500, true)
	pd := digestOf(png)
	t.Run("a PNG over the memory budget is unprocessable with the reason", func(t *testing.T) {
		if resp, body := a.putBlob(t, pd, png); resp.StatusCode != 201 {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		ts.WaitPhotos()
		resp, body := a.do(t, "GET", "/v1/blobs/"+pd, nil, nil)
		wantError(t, resp, body, 422, syncproto.CodeUnprocessable)
		if !strings.Contains(string(body), "memory") {
			t.Fatalf("reason: %s", body)
		}
	})
	t.Run("a photo that crashed the process three times is given up at the next start", func(t *testing.T) {
		photo := noisyJPEG(t, 200, 150, 72)
		d := digestOf(photo)
		if resp, _ := a.putBlob(t, d, photo); resp.StatusCode != 201 {
			t.Fatal("upload")
		}
		ts.WaitPhotos()
		// As if three starts each died while decoding it.
		m, err := ts.DB.BlobMeta(t.Context(), d)
		if err != nil {
			t.Fatal(err)
		}
		m.State, m.Attempts = server.BlobPending, server.DefaultMaxProcessAttempts
		if err := ts.DB.PutBlobMeta(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		ts.stop(t)
		ts2 := startStack(t, stack.Config{DataDir: dir})
		ts2.WaitPhotos()
		a2 := ts2.login(t, "courier-a", "courier-a-password", "dev-a")
		resp, body := a2.do(t, "GET", "/v1/blobs/"+d, nil, nil)
		wantError(t, resp, body, 422, syncproto.CodeUnprocessable)
		if resp, _ := a2.do(t, "GET", "/v1/blobs/"+d+"/original", nil, nil); resp.StatusCode != 200 {
			t.Fatalf("the original is kept: %d", resp.StatusCode)
		}
	})
}
