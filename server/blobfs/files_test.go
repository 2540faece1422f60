package blobfs_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/blobfs"
)

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestWholePutKeepsOnlyMatchingBytes(t *testing.T) {
	f, err := blobfs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("photo"), 1000)
	if err := f.PutWhole(digest([]byte("other")), bytes.NewReader(data), 1<<20); !errors.Is(err, server.ErrDigestMismatch) {
		t.Fatalf("mismatch: got %v", err)
	}
	if f.Has(digest([]byte("other"))) {
		t.Fatal("a mismatching body was kept")
	}
	if err := f.PutWhole(digest(data), bytes.NewReader(data), 100); err == nil {
		t.Fatal("a body over the limit was taken")
	}
	if err := f.PutWhole(digest(data), bytes.NewReader(data), 1<<20); err != nil {
		t.Fatal(err)
	}
	rc, n, err := f.Open(digest(data), server.VariantOriginal)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("open: %d, %v", n, err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("stored bytes differ")
	}
}

func TestPartialUploadsResumeAndCommit(t *testing.T) {
	root := t.TempDir()
	f, _ := blobfs.Open(root)
	data := bytes.Repeat([]byte{1, 2, 3, 4}, 5000)
	d := digest(data)
	n, err := f.AppendPartial(d, 0, bytes.NewReader(data[:7000]), int64(len(data)))
	if err != nil || n != 7000 {
		t.Fatalf("first chunk: %d, %v", n, err)
	}
	// A reopened store (a restart) sees the same offset.
	f2, _ := blobfs.Open(root)
	if held, _ := f2.PartialSize(d); held != 7000 {
		t.Fatalf("held %d after reopening, want 7000", held)
	}
	if _, err := f2.AppendPartial(d, 6000, bytes.NewReader(data[6000:]), 100); err == nil {
		t.Fatal("an append at the wrong offset was taken")
	}
	if n, err := f2.AppendPartial(d, 7000, bytes.NewReader(data[7000:]), int64(len(data)-7000)); err != nil || n != int64(len(data)) {
		t.Fatalf("last chunk: %d, %v", n, err)
	}
	if err := f2.CommitPartial(d); err != nil {
		t.Fatal(err)
	}
	if !f2.Has(d) {
		t.Fatal("committed blob missing")
	}
	if held, _ := f2.PartialSize(d); held != 0 {
		t.Fatal("the partial remained after commit")
	}
	t.Run("a partial whose bytes do not match is deleted on commit", func(t *testing.T) {
		wrong := digest([]byte("x"))
		f2.AppendPartial(wrong, 0, bytes.NewReader(data), int64(len(data)))
		if err := f2.CommitPartial(wrong); !errors.Is(err, server.ErrDigestMismatch) {
			t.Fatalf("got %v", err)
		}
		if held, _ := f2.PartialSize(wrong); held != 0 {
			t.Fatal("the mismatching partial was kept")
		}
	})
	t.Run("old partials are listed for expiry", func(t *testing.T) {
		other := digest([]byte("abandoned"))
		f2.AppendPartial(other, 0, bytes.NewReader([]byte("abc")), 10)
		old, err := f2.PartialsOlderThan(time.Now().Add(time.Minute))
		if err != nil || len(old) != 1 || old[0] != other {
			t.Fatalf("got %v, %v", old, err)
		}
		if old, _ := f2.PartialsOlderThan(time.Now().Add(-time.Hour)); len(old) != 0 {
			t.Fatalf("fresh partials listed as old: %v", old)
		}
	})
}
