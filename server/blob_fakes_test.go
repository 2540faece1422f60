package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// memFiles is an in-memory BlobFiles whose reads and variant writes can be
// made to fail like a sick disk, and whose free space can be set.
type memFiles struct {
	mu        sync.Mutex
	originals map[string][]byte
	variants  map[string][]byte
	partials  map[string][]byte
	touched   map[string]time.Time
	now       func() time.Time
	openErr   error
	putErr    error
	free      int64 // FreeBytes; -1: cannot be measured
}

func newMemFiles(now func() time.Time) *memFiles {
	return &memFiles{originals: map[string][]byte{}, variants: map[string][]byte{}, partials: map[string][]byte{},
		touched: map[string]time.Time{}, now: now, free: 1 << 40}
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func (f *memFiles) PartialSize(key string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.partials[key])), nil
}

func (f *memFiles) AppendPartial(key string, offset int64, r io.Reader, n int64) (int64, error) {
	b, err := io.ReadAll(io.LimitReader(r, n))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.partials[key] = append(f.partials[key], b...)
	f.touched[key] = f.now()
	return int64(len(f.partials[key])), err
}

func (f *memFiles) ReadPartialAt(key string, p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.partials[key]
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFiles) CommitPartial(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	digest, _, _ := strings.Cut(key, ".")
	b := f.partials[key]
	delete(f.partials, key)
	if sum(b) != digest {
		return ErrDigestMismatch
	}
	f.originals[digest] = b
	return nil
}

func (f *memFiles) RemovePartial(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.partials, key)
	return nil
}

func (f *memFiles) PutWhole(digest string, r io.Reader, max int64) error {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return err
	}
	if sum(b) != digest {
		return ErrDigestMismatch
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.originals[digest] = b
	return nil
}

func (f *memFiles) Has(digest string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.originals[digest]
	return ok
}

func (f *memFiles) Open(digest, variant string) (io.ReadCloser, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.openErr != nil {
		return nil, 0, f.openErr
	}
	b, ok := f.originals[digest]
	if variant != VariantOriginal {
		b, ok = f.variants[digest+"/"+variant]
	}
	if !ok {
		return nil, 0, ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

func (f *memFiles) PutVariant(digest, variant string, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.putErr != nil {
		return f.putErr
	}
	f.variants[digest+"/"+variant] = data
	return nil
}

func (f *memFiles) PartialsOlderThan(t time.Time) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.partials {
		if f.touched[k].Before(t) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (f *memFiles) FreeBytes() (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.free < 0 {
		return 0, errors.New("statfs failed")
	}
	return f.free, nil
}

// memMeta is an in-memory BlobMetaStore.
type memMeta struct {
	mu sync.Mutex
	m  map[string]BlobMeta
}

func (s *memMeta) BlobMeta(_ context.Context, digest string) (*BlobMeta, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.m[digest]
	if !ok {
		return nil, ErrNotFound
	}
	m.Holders = append([]string(nil), m.Holders...)
	return &m, nil
}

func (s *memMeta) PutBlobMeta(_ context.Context, m *BlobMeta) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[m.Digest] = *m
	return nil
}

func (s *memMeta) DeleteBlobMeta(_ context.Context, digest string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, digest)
	return nil
}

func (s *memMeta) BlobReferencedBy(context.Context, string, string) (bool, error) { return false, nil }

func (s *memMeta) BlobsInState(_ context.Context, state string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for d, m := range s.m {
		if m.State == state {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out, nil
}

// prefixInspector takes images whose bytes start with "IMG"; as a
// WholeImageChecker it refuses a body containing "BOMB".
type prefixInspector struct{}

func (prefixInspector) SniffNeed() int { return 3 }

func (prefixInspector) Inspect(h []byte) (ImageInfo, error) {
	if !bytes.HasPrefix(h, []byte("IMG")) {
		return ImageInfo{}, Invalid("not an image")
	}
	return ImageInfo{ContentType: "image/jpeg", Width: 4, Height: 3}, nil
}

func (prefixInspector) CheckWhole(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil && !errors.Is(err, errCheckDone) {
		return err
	}
	if bytes.Contains(b, []byte("BOMB")) {
		return Invalid("a decompression bomb")
	}
	return nil
}
