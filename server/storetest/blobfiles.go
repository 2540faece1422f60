package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// blobFileBehaviours cover server.BlobFiles, the store of blob bytes.
var blobFileBehaviours = []struct {
	name string
	test func(t *testing.T, f server.BlobFiles)
}{
	{"a whole upload is kept only when its bytes match the digest and fit the limit", wholeBlobs},
	{"a partial upload resumes at the held offset and commits when its digest checks", partialBlobs},
	{"a partial whose bytes do not match is deleted on commit", partialMismatch},
	{"variants are stored beside the original and a missing one is not_found", blobVariants},
	{"unfinished uploads are listed by age and removed", stalePartials},
}

// RunBlobFiles runs the behaviours of server.BlobFiles, each against new,
// empty blob files made by open (cleaned up by t.Cleanup).
func RunBlobFiles(t *testing.T, open func(t *testing.T) server.BlobFiles) {
	for _, b := range blobFileBehaviours {
		t.Run("BlobFiles/"+b.name, func(t *testing.T) { b.test(t, open(t)) })
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func readBlob(t *testing.T, f server.BlobFiles, digest, variant string) []byte {
	t.Helper()
	rc, n, err := f.Open(digest, variant)
	if err != nil {
		t.Fatalf("Open(%.8s, %s): %v", digest, variant, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || int64(len(got)) != n {
		t.Fatalf("read %d of %d bytes: %v", len(got), n, err)
	}
	return got
}

func wholeBlobs(t *testing.T, f server.BlobFiles) {
	data := bytes.Repeat([]byte("photo"), 1000)
	other := sum([]byte("other"))
	if err := f.PutWhole(other, bytes.NewReader(data), 1<<20); !errors.Is(err, server.ErrDigestMismatch) {
		t.Fatalf("a mismatching body: %v, want digest_mismatch", err)
	}
	if f.Has(other) {
		t.Fatal("a mismatching body was kept")
	}
	if err := f.PutWhole(sum(data), bytes.NewReader(data), 100); err == nil || f.Has(sum(data)) {
		t.Fatalf("a body over the limit: %v, kept %v", err, f.Has(sum(data)))
	}
	if err := f.PutWhole(sum(data), bytes.NewReader(data), 1<<20); err != nil {
		t.Fatal(err)
	}
	if !f.Has(sum(data)) || !bytes.Equal(readBlob(t, f, sum(data), server.VariantOriginal), data) {
		t.Fatal("the stored original differs from the upload")
	}
	if err := f.PutWhole(sum(data), bytes.NewReader(data), 1<<20); err != nil {
		t.Fatalf("the same bytes again: %v", err)
	}
}

func partialBlobs(t *testing.T, f server.BlobFiles) {
	data := bytes.Repeat([]byte{1, 2, 3, 4}, 5000)
	d := sum(data)
	if held, err := f.PartialSize(d); err != nil || held != 0 {
		t.Fatalf("nothing held yet: %d, %v", held, err)
	}
	n, err := f.AppendPartial(d, 0, bytes.NewReader(data[:7000]), int64(len(data)))
	if err != nil || n != 7000 {
		t.Fatalf("first chunk: %d, %v", n, err)
	}
	if _, err := f.AppendPartial(d, 6000, bytes.NewReader(data[6000:]), 100); err == nil {
		t.Fatal("an append at the wrong offset was taken")
	}
	if held, _ := f.PartialSize(d); held != 7000 {
		t.Fatalf("held %d after a refused append, want 7000", held)
	}
	p := make([]byte, 4)
	if k, err := f.ReadPartialAt(d, p, 6996); err != nil || k != 4 || !bytes.Equal(p, data[6996:7000]) {
		t.Fatalf("ReadPartialAt: %d %v %v", k, p, err)
	}
	if n, err := f.AppendPartial(d, 7000, bytes.NewReader(data[7000:]), int64(len(data)-7000)); err != nil || n != int64(len(data)) {
		t.Fatalf("last chunk: %d, %v", n, err)
	}
	if f.Has(d) {
		t.Fatal("a partial upload counts as whole before its commit")
	}
	if err := f.CommitPartial(d); err != nil {
		t.Fatal(err)
	}
	if !f.Has(d) || !bytes.Equal(readBlob(t, f, d, server.VariantOriginal), data) {
		t.Fatal("the committed blob differs from the upload")
	}
	if held, _ := f.PartialSize(d); held != 0 {
		t.Fatalf("the partial remained after commit: %d bytes", held)
	}
}

func partialMismatch(t *testing.T, f server.BlobFiles) {
	wrong := sum([]byte("x"))
	if _, err := f.AppendPartial(wrong, 0, bytes.NewReader([]byte("not x")), 5); err != nil {
		t.Fatal(err)
	}
	err := f.CommitPartial(wrong)
	var pe *syncproto.Error
	if !errors.As(err, &pe) || pe.Code != syncproto.CodeDigestMismatch {
		t.Fatalf("commit of mismatching bytes: %v, want digest_mismatch", err)
	}
	if held, _ := f.PartialSize(wrong); held != 0 || f.Has(wrong) {
		t.Fatalf("mismatching bytes were kept: held %d, whole %v", held, f.Has(wrong))
	}
}

func blobVariants(t *testing.T, f server.BlobFiles) {
	data := []byte("original bytes")
	d := sum(data)
	if err := f.PutWhole(d, bytes.NewReader(data), 1<<20); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Open(d, server.VariantThumb); !errors.Is(err, server.ErrNotFound) {
		t.Fatalf("a thumb not yet made: %v, want not_found", err)
	}
	if _, _, err := f.Open(sum([]byte("never")), server.VariantOriginal); !errors.Is(err, server.ErrNotFound) {
		t.Fatalf("an unknown blob: %v, want not_found", err)
	}
	for _, v := range []string{server.VariantDisplay, server.VariantThumb} {
		if err := f.PutVariant(d, v, []byte(v+" jpeg")); err != nil {
			t.Fatal(err)
		}
	}
	if got := readBlob(t, f, d, server.VariantThumb); string(got) != "thumb jpeg" {
		t.Fatalf("thumb %q", got)
	}
	if got := readBlob(t, f, d, server.VariantOriginal); !bytes.Equal(got, data) {
		t.Fatalf("the original changed with its variants: %q", got)
	}
}

func stalePartials(t *testing.T, f server.BlobFiles) {
	d := sum([]byte("abandoned"))
	if _, err := f.AppendPartial(d, 0, bytes.NewReader([]byte("aban")), 4); err != nil {
		t.Fatal(err)
	}
	// Bounds a day either side of the wall clock: the files' times are the
	// filesystem's, not the suite's Clock.
	if old, err := f.PartialsOlderThan(time.Now().Add(-24 * time.Hour)); err != nil || len(old) != 0 {
		t.Fatalf("a fresh partial listed as old: %v, %v", old, err)
	}
	old, err := f.PartialsOlderThan(time.Now().Add(24 * time.Hour))
	if err != nil || len(old) != 1 || old[0] != d {
		t.Fatalf("partials older than tomorrow: %v, %v", old, err)
	}
	if err := f.RemovePartial(d); err != nil {
		t.Fatal(err)
	}
	if err := f.RemovePartial(d); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	if held, _ := f.PartialSize(d); held != 0 {
		t.Fatalf("held %d after removal", held)
	}
}
