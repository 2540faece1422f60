package blobfs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Files implements server.BlobFiles on a directory.
type Files struct {
	root string
}

// Open prepares the directory layout under root.
func Open(root string) (*Files, error) {
	for _, d := range []string{"objects", "derived", "partial", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, fmt.Errorf("blobfs: %w", err)
		}
	}
	return &Files{root: root}, nil
}

func (f *Files) objectPath(digest string) string {
	return filepath.Join(f.root, "objects", digest[:2], digest[2:4], digest)
}

func (f *Files) variantPath(digest, variant string) string {
	if variant == server.VariantOriginal {
		return f.objectPath(digest)
	}
	return filepath.Join(f.root, "derived", digest[:2], digest[2:4], digest+"."+variant+".jpg")
}

// partialPath is where the partial upload key lives; callers pass keys
// they made (validPartialKey), never client text.
func (f *Files) partialPath(key string) string {
	return filepath.Join(f.root, "partial", key)
}

// PartialSize implements server.BlobFiles.
func (f *Files) PartialSize(digest string) (int64, error) {
	st, err := os.Stat(f.partialPath(digest))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// AppendPartial implements server.BlobFiles. Bytes are synced before it
// returns, so an acknowledged offset survives a crash.
func (f *Files) AppendPartial(digest string, offset int64, r io.Reader, n int64) (int64, error) {
	file, err := os.OpenFile(f.partialPath(digest), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return 0, err
	}
	if st.Size() != offset {
		return st.Size(), fmt.Errorf("blobfs: offset %d, held %d", offset, st.Size())
	}
	if _, err := file.Seek(offset, io.SeekStart); err != nil {
		return offset, err
	}
	written, copyErr := io.Copy(file, io.LimitReader(r, n))
	// Keep what arrived even when the stream broke: it is a prefix of the
	// upload, and the client resumes from the offset HEAD reports.
	if err := file.Sync(); err != nil {
		return offset, err
	}
	if offset == 0 {
		syncDir(filepath.Dir(file.Name()))
	}
	return offset + written, copyErr
}

// ReadPartialAt implements server.BlobFiles.
func (f *Files) ReadPartialAt(digest string, p []byte, off int64) (int, error) {
	file, err := os.Open(f.partialPath(digest))
	if err != nil {
		return 0, err
	}
	defer file.Close()
	return file.ReadAt(p, off)
}

// CommitPartial implements server.BlobFiles. key is a digest, or a digest
// followed by "." and a suffix naming the upload (one uploader's partial);
// the bytes must hash to the digest.
func (f *Files) CommitPartial(key string) error {
	digest, _, _ := strings.Cut(key, ".")
	path := f.partialPath(key)
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(h, file)
	file.Close()
	if err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != digest {
		os.Remove(path)
		return server.ErrDigestMismatch
	}
	return f.moveInto(path, f.objectPath(digest))
}

// RemovePartial implements server.BlobFiles.
func (f *Files) RemovePartial(digest string) error {
	err := os.Remove(f.partialPath(digest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// PutWhole implements server.BlobFiles: the body is hashed while it is
// written to a temporary file, and only renamed into place when it matches.
func (f *Files) PutWhole(digest string, r io.Reader, max int64) error {
	tmp, err := os.CreateTemp(filepath.Join(f.root, "tmp"), "put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = syncproto.Errorf(syncproto.CodePayloadTooLarge, "a photo may be at most 20 MiB")
	}
	if err == nil && hex.EncodeToString(h.Sum(nil)) != digest {
		err = server.ErrDigestMismatch
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return f.moveInto(tmp.Name(), f.objectPath(digest))
}

// Has implements server.BlobFiles.
func (f *Files) Has(digest string) bool {
	_, err := os.Stat(f.objectPath(digest))
	return err == nil
}

// Open implements server.BlobFiles.
func (f *Files) Open(digest, variant string) (io.ReadCloser, int64, error) {
	file, err := os.Open(f.variantPath(digest, variant))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, server.ErrNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, 0, err
	}
	return file, st.Size(), nil
}

// PutVariant implements server.BlobFiles.
func (f *Files) PutVariant(digest, variant string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Join(f.root, "tmp"), "variant-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return f.moveInto(tmp.Name(), f.variantPath(digest, variant))
}

// PartialsOlderThan implements server.BlobFiles, by modification time.
func (f *Files) PartialsOlderThan(t time.Time) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(f.root, "partial"))
	if err != nil {
		return nil, err
	}
	var old []string
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && info.ModTime().Before(t) && validPartialKey(e.Name()) {
			old = append(old, e.Name())
		}
	}
	return old, nil
}

// validPartialKey accepts a digest, or a digest, a dot and a lowercase hex
// suffix.
func validPartialKey(key string) bool {
	digest, suffix, dotted := strings.Cut(key, ".")
	if !syncproto.ValidDigest(digest) {
		return false
	}
	if !dotted {
		return true
	}
	if suffix == "" || len(suffix) > 64 {
		return false
	}
	for _, c := range suffix {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// FreeBytes implements server.FreeSpacer: the bytes available to this
// process on the blob store's filesystem.
func (f *Files) FreeBytes() (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(f.root, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// moveInto renames src to dst, creating dst's directory, and syncs the
// directory so the rename itself survives a crash.
func (f *Files) moveInto(src, dst string) error {
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every file system syncs a directory
		_ = d.Close()
	}
}

var (
	_ server.BlobFiles  = (*Files)(nil)
	_ server.FreeSpacer = (*Files)(nil)
)
