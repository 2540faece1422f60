package stack_test

import (
	"bytes"
	"testing"

	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// TestBlobsAreScopedToWhoSentThem is issue 8 item 13: HEAD revealed any
// blob, naming a digest in a damage report granted its original, anyone
// could append to another's unfinished upload, and originals lacked
// nosniff.
func TestBlobsAreScopedToWhoSentThem(t *testing.T) {
	ts := startStack(t, stack.Config{})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	b := ts.user(t, "courier-b", syncproto.RoleCourier, "dev-b")
	photo := noisyJPEG(t, 320, 240, 61)
	d := digestOf(photo)
	if resp, body := a.putBlob(t, d, photo); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	ts.WaitPhotos()

	t.Run("HEAD of another courier's blob is 404 like a missing one", func(t *testing.T) {
		if resp, _ := b.do(t, "HEAD", "/v1/blobs/"+d, nil, nil); resp.StatusCode != 404 || resp.Header.Get("Upload-Offset") != "" {
			t.Fatalf("got %d offset %q, want 404", resp.StatusCode, resp.Header.Get("Upload-Offset"))
		}
		if resp, _ := a.do(t, "HEAD", "/v1/blobs/"+d, nil, nil); resp.StatusCode != 200 || resp.Header.Get("Upload-Complete") != "?1" {
			t.Fatalf("the uploader's HEAD: %d", resp.StatusCode)
		}
	})
	t.Run("naming the digest in a damage report grants nothing", func(t *testing.T) {
		res := b.push(t, newOp("damage_report", 1, map[string]any{"waybill": "SF66660001", "stage": "delivery", "severity": "minor",
			"description": "dent", "photos": []string{d}}))
		if res[0].Status != "applied" {
			t.Fatalf("damage report: %+v", res[0])
		}
		for _, v := range []string{"/original", "", "/thumb"} {
			if resp, _ := b.do(t, "GET", "/v1/blobs/"+d+v, nil, nil); resp.StatusCode != 404 {
				t.Fatalf("GET %s by a courier who only named it: %d, want 404", v, resp.StatusCode)
			}
		}
	})
	t.Run("a wrong body for another's digest learns nothing either", func(t *testing.T) {
		resp, body := b.putBlob(t, d, noisyJPEG(t, 32, 24, 62))
		wantError(t, resp, body, 422, syncproto.CodeDigestMismatch)
	})
	t.Run("a courier who sends the same bytes may read them back", func(t *testing.T) {
		c := ts.user(t, "courier-c", syncproto.RoleCourier, "dev-c")
		if resp, body := c.putBlob(t, d, photo); resp.StatusCode != 200 {
			t.Fatalf("same bytes again: %d %s, want 200", resp.StatusCode, body)
		}
		if resp, body := c.do(t, "GET", "/v1/blobs/"+d+"/original", nil, nil); resp.StatusCode != 200 || !bytes.Equal(body, photo) {
			t.Fatalf("original for who sent it: %d", resp.StatusCode)
		}
	})
	t.Run("partial uploads belong to their uploader", func(t *testing.T) {
		other := noisyJPEG(t, 400, 300, 63)
		od := digestOf(other)
		if resp, body := a.patchBlob(t, od, 0, len(other), other[:1000]); resp.StatusCode != 204 {
			t.Fatalf("a's first chunk: %d %s", resp.StatusCode, body)
		}
		// b cannot see a's partial, nor append at a's offset.
		if resp, _ := b.do(t, "HEAD", "/v1/blobs/"+od, nil, nil); resp.StatusCode != 404 {
			t.Fatalf("b's HEAD of a's partial: %d, want 404", resp.StatusCode)
		}
		junk := bytes.Repeat([]byte{0xff}, 500)
		resp, body := b.patchBlob(t, od, 1000, len(other), junk)
		wantError(t, resp, body, 409, syncproto.CodeConflict)
		if resp.Header.Get("Upload-Offset") != "0" {
			t.Fatalf("b is told offset %q, want 0 (its own, empty, upload)", resp.Header.Get("Upload-Offset"))
		}
		// a resumes untouched and finishes.
		resp, _ = a.do(t, "HEAD", "/v1/blobs/"+od, nil, nil)
		if resp.Header.Get("Upload-Offset") != "1000" {
			t.Fatalf("a's offset after b's attempt: %q", resp.Header.Get("Upload-Offset"))
		}
		if resp, body := a.patchBlob(t, od, 1000, len(other), other[1000:]); resp.StatusCode != 201 {
			t.Fatalf("a's last chunk: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("every blob response says nosniff and how to show it", func(t *testing.T) {
		for _, v := range []string{"/original", "", "/thumb"} {
			resp, _ := a.do(t, "GET", "/v1/blobs/"+d+v, nil, nil)
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "image/jpeg" ||
				resp.Header.Get("Content-Disposition") == "" {
				t.Fatalf("GET %s: %d headers %v", v, resp.StatusCode, resp.Header)
			}
		}
		resp, _ := a.do(t, "HEAD", "/v1/blobs/"+d, nil, nil)
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("HEAD lacks nosniff: %v", resp.Header)
		}
	})
}

// TestJunkAfterTheImageIsRefused is issue 8 item 10: bytes after a valid
// JPEG's EOI were kept with it.
func TestJunkAfterTheImageIsRefused(t *testing.T) {
	ts := startStack(t, stack.Config{})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	photo := append(noisyJPEG(t, 64, 48, 64), []byte("PK\x03\x04 hidden archive")...)
	d := digestOf(photo)
	resp, body := a.putBlob(t, d, photo)
	wantError(t, resp, body, 422, syncproto.CodeUnprocessable)
	resp, body = a.patchBlob(t, d, 0, len(photo), photo)
	wantError(t, resp, body, 422, syncproto.CodeUnprocessable)
	if resp, _ := a.do(t, "HEAD", "/v1/blobs/"+d, nil, nil); resp.StatusCode != 404 {
		t.Fatalf("HEAD after the refusals: %d, want 404: nothing kept", resp.StatusCode)
	}
	if ts.Blobs.Files.Has(d) {
		t.Fatal("the refused bytes are stored")
	}
}
