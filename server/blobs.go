package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/fnv"
	"io"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Blob limits.
const (
	MaxBlobBytes          = 20 << 20
	DefaultPartialTTL     = 24 * time.Hour
	blobLockStripes       = 64
	processingRetryAfterS = 1
	// DefaultMaxUploadsPerUser and DefaultMaxUploads bound the uploads
	// being received at once, per user and in all.
	DefaultMaxUploadsPerUser = 4
	DefaultMaxUploads        = 256
	// DefaultMaxProcessAttempts is how many times the pipeline starts on a
	// photo before giving it up as unprocessable.
	DefaultMaxProcessAttempts = 3
)

// Blobs is the photo service: content-addressed uploads (whole or
// resumable), the image pipeline hand-off and access rules for reads.
//
// Bodies are read from the network without any shared lock: a whole upload
// streams into its own temporary file, a resumable one into its uploader's
// own partial file (one request at a time per partial); the per-digest lock
// is taken only to record a finished blob. Each user may have
// MaxUploadsPerUser uploads in progress at once, everyone together
// MaxUploads; more wait their turn (429 with Retry-After).
type Blobs struct {
	Files     BlobFiles
	Meta      BlobMetaStore
	Inspector ImageInspector
	Processor ImageProcessor
	Clock     Clock
	// PartialTTL is how long an untouched partial upload is kept.
	PartialTTL time.Duration
	// MinFreeBytes is the free-space floor of the blob disk: an upload
	// that would leave less free is refused with 507 (when Files is a
	// FreeSpacer). 0 means no floor.
	MinFreeBytes int64
	// MaxUploadsPerUser and MaxUploads: 0 means the defaults.
	MaxUploadsPerUser, MaxUploads int
	// MaxProcessAttempts: 0 means DefaultMaxProcessAttempts.
	MaxProcessAttempts int

	locks [blobLockStripes]sync.Mutex

	mu        sync.Mutex
	uploading map[string]int  // uploads in progress by user
	total     int             // uploads in progress in all
	appending map[string]bool // partials a request is appending to
	inflight  map[string]bool // digests handed to the pipeline
}

// RetryAfterSeconds is what a client waiting for processing is told.
const RetryAfterSeconds = processingRetryAfterS

func (b *Blobs) lock(digest string) func() {
	h := fnv.New32a()
	h.Write([]byte(digest))
	m := &b.locks[h.Sum32()%blobLockStripes]
	m.Lock()
	return m.Unlock
}

func checkDigest(digest string) error {
	if !syncproto.ValidDigest(digest) {
		return Invalid("blob name: lowercase hex SHA-256")
	}
	return nil
}

// partialKey names one user's partial upload of a digest: partial uploads
// belong to their uploader, so nobody can append to another's.
func partialKey(digest, userID string) string {
	h := sha256.Sum256([]byte(userID))
	return digest + "." + hex.EncodeToString(h[:8])
}

// Status returns how many bytes of the blob the server holds and whether
// it is whole, for anyone. Prefer StatusFor, which keeps to the caller's
// scope. Unknown blobs → ErrNotFound.
func (b *Blobs) Status(ctx context.Context, digest string) (int64, bool, error) {
	if err := checkDigest(digest); err != nil {
		return 0, false, err
	}
	m, err := b.Meta.BlobMeta(ctx, digest)
	if err != nil {
		return 0, false, err
	}
	if m.State != BlobUploading {
		return m.Size, true, nil
	}
	n, err := b.Files.PartialSize(digest)
	return n, false, err
}

// StatusFor is Status within p's scope: the caller's own partial upload
// (its offset, not whole), else the whole blob if p may see it (see
// mayKnow), else ErrNotFound, as for a blob that does not exist.
func (b *Blobs) StatusFor(ctx context.Context, p Principal, digest string) (int64, bool, error) {
	if err := checkDigest(digest); err != nil {
		return 0, false, err
	}
	key := partialKey(digest, p.UserID)
	if _, err := b.Meta.BlobMeta(ctx, key); err == nil {
		n, err := b.Files.PartialSize(key)
		return n, false, err
	} else if !errors.Is(err, ErrNotFound) {
		return 0, false, err
	}
	m, err := b.whole(ctx, digest)
	if err != nil {
		return 0, false, err
	}
	if !mayKnow(p, m) {
		return 0, false, ErrNotFound
	}
	return m.Size, true, nil
}

// whole returns the metadata of a whole blob, or ErrNotFound.
func (b *Blobs) whole(ctx context.Context, digest string) (*BlobMeta, error) {
	m, err := b.Meta.BlobMeta(ctx, digest)
	if err == nil && m.State == BlobUploading {
		return nil, ErrNotFound
	}
	return m, err
}

// Put stores a whole upload. size is the declared length (-1 when unknown).
// It reports whether the blob was new (201) or already stored (200). The
// body is always read and checked against the digest, even when the blob
// exists: only a caller who sent the bytes learns that it was stored (and
// may read it back from then on).
func (b *Blobs) Put(ctx context.Context, p Principal, digest string, size int64, header []byte, rest io.Reader) (bool, error) {
	if err := checkDigest(digest); err != nil {
		return false, err
	}
	if size > MaxBlobBytes {
		return false, tooLarge()
	}
	if m, err := b.whole(ctx, digest); err == nil && mayRead(p, m) {
		return false, nil // theirs already: the handler reads the rest
	}
	release, err := b.admit(p)
	if err != nil {
		return false, err
	}
	defer release()
	if err := b.room(max(size, 0)); err != nil {
		return false, err
	}
	info, err := b.Inspector.Inspect(header)
	if err != nil {
		return false, err
	}
	body, stop := b.checking(io.MultiReader(bytesReader(header), rest))
	err = b.Files.PutWhole(digest, body, MaxBlobBytes)
	stop()
	if err != nil {
		return false, storageError(err)
	}
	n, err := b.storedSize(digest)
	if err != nil {
		return false, err
	}
	info.Uploader = p.UserID
	return b.record(ctx, p, digest, n, info)
}

// record notes a whole blob that p sent: a new blob is handed to the
// pipeline (true); an existing one gains p as a holder (false).
func (b *Blobs) record(ctx context.Context, p Principal, digest string, size int64, info ImageInfo) (bool, error) {
	defer b.lock(digest)()
	if m, err := b.whole(ctx, digest); err == nil {
		return false, b.addHolder(ctx, m, p)
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	return true, b.completed(ctx, p, digest, size, info)
}

// Patch appends a chunk at offset of p's own upload of length total. It
// returns the new offset and whether the upload is now whole and checked.
func (b *Blobs) Patch(ctx context.Context, p Principal, digest string, offset, total int64, chunk io.Reader) (int64, bool, error) {
	if err := checkDigest(digest); err != nil {
		return 0, false, err
	}
	if total <= 0 {
		return 0, false, Invalid("Upload-Length: required, the blob's total size in bytes")
	}
	if total > MaxBlobBytes {
		return 0, false, tooLarge()
	}
	if m, err := b.whole(ctx, digest); err == nil && mayRead(p, m) {
		return m.Size, true, &OffsetError{Offset: m.Size, Err: Conflict("the blob is already whole")}
	}
	release, err := b.admit(p)
	if err != nil {
		return 0, false, err
	}
	defer release()
	key := partialKey(digest, p.UserID)
	done, ok := b.startAppend(key)
	if !ok {
		held, _ := b.Files.PartialSize(key)
		return held, false, &OffsetError{Offset: held, Err: Conflict("another request is appending to this upload; resume from Upload-Offset once it ends")}
	}
	defer done()
	n, err := b.appendChunk(ctx, p, key, offset, total, chunk)
	if err != nil || n < total {
		return n, false, err
	}
	info, err := b.finishPartial(ctx, key)
	if err != nil {
		return 0, false, err
	}
	info.Uploader = p.UserID
	_, err = b.record(ctx, p, digest, total, info)
	return total, true, err
}
