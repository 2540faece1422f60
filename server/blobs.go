package server

import (
	"context"
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
)

// Blobs is the photo service: content-addressed uploads (whole or
// resumable), the image pipeline hand-off and access rules for reads.
type Blobs struct {
	Files     BlobFiles
	Meta      BlobMetaStore
	Inspector ImageInspector
	Processor ImageProcessor
	Clock     Clock
	// PartialTTL is how long an untouched partial upload is kept.
	PartialTTL time.Duration

	locks [blobLockStripes]sync.Mutex
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

// Status returns how many bytes of the blob the server holds and whether
// it is whole. Unknown blobs → ErrNotFound.
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

// Put stores a whole upload. size is the declared length (-1 when unknown).
// It reports whether the blob was new (201) or already stored (200).
func (b *Blobs) Put(ctx context.Context, p Principal, digest string, size int64, header []byte, rest io.Reader) (bool, error) {
	if err := checkDigest(digest); err != nil {
		return false, err
	}
	if size > MaxBlobBytes {
		return false, tooLarge()
	}
	defer b.lock(digest)()
	if b.Files.Has(digest) {
		m, err := b.Meta.BlobMeta(ctx, digest)
		switch {
		case err == nil && m.State != BlobUploading:
			return false, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return false, err
		}
		// The bytes are on disk but not recorded: a crash came between the
		// two. Answering "already stored" would acknowledge a photo the
		// store does not know; store and record it again.
	}
	info, err := b.Inspector.Inspect(header)
	if err != nil {
		return false, err
	}
	if err := b.Files.PutWhole(digest, io.MultiReader(bytesReader(header), rest), MaxBlobBytes); err != nil {
		return false, err
	}
	b.Files.RemovePartial(digest) // a resumable upload of the same bytes is moot now
	n, err := b.storedSize(digest)
	if err != nil {
		return false, err
	}
	return true, b.completed(ctx, p, digest, n, info)
}

// Patch appends a chunk at offset of an upload of length total. It returns
// the new offset and whether the upload is now whole and checked.
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
	defer b.lock(digest)()
	m, err := b.Meta.BlobMeta(ctx, digest)
	switch {
	case errors.Is(err, ErrNotFound):
		m = &BlobMeta{Digest: digest, Size: total, State: BlobUploading, Uploader: p.UserID, CreatedAt: b.Clock.Now()}
		if err := b.Meta.PutBlobMeta(ctx, m); err != nil {
			return 0, false, err
		}
	case err != nil:
		return 0, false, err
	case m.State != BlobUploading:
		return m.Size, true, &OffsetError{Offset: m.Size, Err: Conflict("the blob is already whole")}
	case m.Size != total:
		return 0, false, Invalid("Upload-Length: differs from the length this upload started with")
	}
	held, err := b.Files.PartialSize(digest)
	if err != nil {
		return 0, false, err
	}
	if offset != held {
		return held, false, &OffsetError{Offset: held, Err: Conflict("Upload-Offset does not match the bytes held")}
	}
	n, err := b.Files.AppendPartial(digest, offset, chunk, total-offset)
	if err != nil {
		return n, false, err
	}
	need := min(int64(b.Inspector.SniffNeed()), total)
	if offset < need && n >= need {
		if _, err := b.inspectPartial(digest, need); err != nil {
			b.abandon(ctx, digest)
			return 0, false, err
		}
	}
	if n < total {
		return n, false, nil
	}
	info, err := b.inspectPartial(digest, need)
	if err != nil {
		b.abandon(ctx, digest)
		return 0, false, err
	}
	if err := b.Files.CommitPartial(digest); err != nil {
		b.Meta.DeleteBlobMeta(ctx, digest)
		return 0, false, err
	}
	return total, true, b.completed(ctx, p, digest, total, info)
}

func (b *Blobs) inspectPartial(digest string, n int64) (ImageInfo, error) {
	header := make([]byte, n)
	if _, err := b.Files.ReadPartialAt(digest, header, 0); err != nil {
		return ImageInfo{}, err
	}
	return b.Inspector.Inspect(header)
}

func (b *Blobs) abandon(ctx context.Context, digest string) {
	b.Files.RemovePartial(digest)
	b.Meta.DeleteBlobMeta(ctx, digest)
}

// completed records a whole blob and hands it to the image pipeline.
func (b *Blobs) completed(ctx context.Context, p Principal, digest string, size int64, info ImageInfo) error {
	now := b.Clock.Now()
	m, err := b.Meta.BlobMeta(ctx, digest)
	if err != nil {
		m = &BlobMeta{Digest: digest, Uploader: p.UserID, CreatedAt: now}
	}
	m.Size, m.State, m.ContentType, m.Width, m.Height, m.CompletedAt = size, BlobPending, info.ContentType, info.Width, info.Height, now
	if err := b.Meta.PutBlobMeta(ctx, m); err != nil {
		return err
	}
	b.process(m)
	return nil
}

// process submits a pending blob to the pipeline; the outcome is written
// back to its metadata.
func (b *Blobs) process(m *BlobMeta) {
	digest := m.Digest
	open := func() (io.ReadCloser, error) {
		rc, _, err := b.Files.Open(digest, VariantOriginal)
		return rc, err
	}
	b.Processor.Process(digest, ImageInfo{ContentType: m.ContentType, Width: m.Width, Height: m.Height}, open, func(display, thumb []byte, err error) {
		ctx := context.Background()
		if err == nil {
			err = b.Files.PutVariant(digest, VariantDisplay, display)
		}
		if err == nil {
			err = b.Files.PutVariant(digest, VariantThumb, thumb)
		}
		defer b.lock(digest)()
		cur, merr := b.Meta.BlobMeta(ctx, digest)
		if merr != nil {
			return
		}
		cur.State, cur.ProcessedAt = BlobStored, b.Clock.Now()
		if err != nil {
			cur.State, cur.Reason = BlobUnprocessable, reasonOf(err)
		}
		b.Meta.PutBlobMeta(ctx, cur)
	})
}

// reasonOf keeps a pipeline error's own text only when it is a protocol
// error (written for people); anything else is summarised.
func reasonOf(err error) string {
	var pe *syncproto.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	return "the image could not be decoded or re-encoded"
}

// Resume resubmits blobs left pending by a restart. Call once at start.
func (b *Blobs) Resume(ctx context.Context) (int, error) {
	digests, err := b.Meta.BlobsInState(ctx, BlobPending)
	for _, d := range digests {
		if m, err := b.Meta.BlobMeta(ctx, d); err == nil {
			b.process(m)
		}
	}
	return len(digests), err
}

// ExpirePartials deletes uploads untouched for PartialTTL.
func (b *Blobs) ExpirePartials(ctx context.Context) (int, error) {
	ttl := b.PartialTTL
	if ttl == 0 {
		ttl = DefaultPartialTTL
	}
	old, err := b.Files.PartialsOlderThan(b.Clock.Now().Add(-ttl))
	for _, d := range old {
		unlock := b.lock(d)
		b.abandon(ctx, d)
		unlock()
	}
	return len(old), err
}

// Open returns a variant for reading, after the access rules: supervisors
// and admins read everything; dispatchers read display copies and
// thumbnails; couriers read blobs they uploaded or their ops refer to, and
// anything else of theirs is "not found".
func (b *Blobs) Open(ctx context.Context, p Principal, digest, variant string) (io.ReadCloser, int64, *BlobMeta, error) {
	if err := checkDigest(digest); err != nil {
		return nil, 0, nil, err
	}
	m, err := b.Meta.BlobMeta(ctx, digest)
	if err != nil || m.State == BlobUploading {
		return nil, 0, nil, ErrNotFound
	}
	rc, n, err := b.open(ctx, p, m, variant)
	return rc, n, m, err
}

func (b *Blobs) open(ctx context.Context, p Principal, m *BlobMeta, variant string) (io.ReadCloser, int64, error) {
	digest := m.Digest
	var err error
	switch {
	case p.AtLeast(syncproto.RoleSupervisor):
	case p.Role == syncproto.RoleDispatcher:
		if variant == VariantOriginal {
			return nil, 0, ErrForbidden
		}
	default:
		ok := m.Uploader == p.UserID
		if !ok {
			if ok, err = b.Meta.BlobReferencedBy(ctx, digest, p.UserID); err != nil {
				return nil, 0, err
			}
		}
		if !ok {
			return nil, 0, ErrNotFound
		}
	}
	if variant != VariantOriginal {
		switch m.State {
		case BlobPending:
			return nil, 0, ErrBlobPending
		case BlobUnprocessable:
			return nil, 0, syncproto.Errorf(syncproto.CodeUnprocessable, "the photo could not be processed: %s; the original is kept", m.Reason)
		}
	}
	return b.Files.Open(digest, variant)
}

func (b *Blobs) storedSize(digest string) (int64, error) {
	rc, n, err := b.Files.Open(digest, VariantOriginal)
	if err != nil {
		return 0, err
	}
	rc.Close()
	return n, nil
}

// OffsetError is a conflict that tells the client the offset to resume from.
type OffsetError struct {
	Offset int64
	Err    error
}

func (e *OffsetError) Error() string { return e.Err.Error() }

// Unwrap returns the protocol error.
func (e *OffsetError) Unwrap() error { return e.Err }

func tooLarge() error {
	return syncproto.Errorf(syncproto.CodePayloadTooLarge, "a photo may be at most 20 MiB")
}
