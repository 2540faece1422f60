package stack_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/courier-sync/courier-sync/server/blobfs"
	"github.com/courier-sync/courier-sync/server/stack"
)

// Found by TestFaultKillsWithUploadsInFlight: a kill -9 after a whole
// upload's bytes reached the blob directory but before its record was
// committed left a file the store did not know; the handheld's resend
// then got 200 "already stored", and the acknowledged photo answered 404
// for ever. The resend must store and record it.
func TestAResentPhotoWhoseRecordWasLostInACrashIsRecorded(t *testing.T) {
	ts := startQuiet(t, stack.Config{})
	c := ts.user(t, "courier.a", "courier", "pda-a")
	img := noisyJPEG(t, 64, 48, 9)
	digest := digestOf(img)
	// The state a crash between the file and its record leaves behind.
	files, err := blobfs.Open(filepath.Join(ts.dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := files.PutWhole(digest, bytesOf(img), int64(len(img))); err != nil {
		t.Fatal(err)
	}
	if resp, data := c.putBlob(t, digest, img); resp.StatusCode != 201 {
		t.Fatalf("resend: %d %s, want 201 (stored and recorded now)", resp.StatusCode, data)
	}
	resp, _ := c.do(t, "HEAD", "/v1/blobs/"+digest, nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Upload-Complete") != "?1" {
		t.Fatalf("HEAD after the resend: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, data := c.putBlob(t, digest, img); resp.StatusCode != 200 {
		t.Fatalf("a second resend: %d %s, want 200", resp.StatusCode, data)
	}
}

func bytesOf(b []byte) *bytes.Reader { return bytes.NewReader(b) }
