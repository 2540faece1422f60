package server

import (
	"cmp"
	"context"
	"errors"
	"io"

	"github.com/courier-sync/courier-sync/syncproto"
)

// completed records a whole blob and hands it to the image pipeline. The
// caller holds the digest's lock.
func (b *Blobs) completed(ctx context.Context, p Principal, digest string, size int64, info ImageInfo) error {
	now := b.Clock.Now()
	m := &BlobMeta{Digest: digest, Uploader: p.UserID, CreatedAt: now}
	m.Size, m.State, m.ContentType, m.Width, m.Height, m.CompletedAt = size, BlobPending, info.ContentType, info.Width, info.Height, now
	if err := b.Meta.PutBlobMeta(ctx, m); err != nil {
		return storageError(err)
	}
	b.process(m)
	return nil
}

// process submits a pending blob to the pipeline, unless it is there
// already; the outcome is written back to its metadata.
func (b *Blobs) process(m *BlobMeta) {
	digest := m.Digest
	b.mu.Lock()
	if b.inflight[digest] {
		b.mu.Unlock()
		return
	}
	if b.inflight == nil {
		b.inflight = map[string]bool{}
	}
	b.inflight[digest] = true
	b.mu.Unlock()
	open := func() (io.ReadCloser, error) {
		if err := b.countAttempt(digest); err != nil {
			return nil, storeFailed(err)
		}
		rc, _, err := b.Files.Open(digest, VariantOriginal)
		if err != nil {
			return nil, storeFailed(err)
		}
		return rc, nil
	}
	info := ImageInfo{ContentType: m.ContentType, Width: m.Width, Height: m.Height, Uploader: m.Uploader}
	b.Processor.Process(digest, info, open, func(display, thumb []byte, err error) {
		defer func() {
			b.mu.Lock()
			delete(b.inflight, digest)
			b.mu.Unlock()
		}()
		if errors.Is(err, ErrProcessingDeferred) {
			return // stays pending; Resume submits it again
		}
		b.processed(digest, display, thumb, err)
	})
}

// processed stores the variants (or the reason there are none). Only an
// image the pipeline refused is recorded as unprocessable: when the store
// fails (reading the original, writing a variant or the metadata, a full
// disk) the photo stays pending, its attempt given back, for Resume to make
// again once the disk is well.
func (b *Blobs) processed(digest string, display, thumb []byte, err error) {
	ctx := context.Background()
	if err == nil {
		err = storeFailed(b.Files.PutVariant(digest, VariantDisplay, display))
	}
	if err == nil {
		err = storeFailed(b.Files.PutVariant(digest, VariantThumb, thumb))
	}
	defer b.lock(digest)()
	cur, merr := b.Meta.BlobMeta(ctx, digest)
	if merr != nil {
		return // stays pending
	}
	var sf *storeFailure
	switch {
	case errors.As(err, &sf) || IsDiskFull(err) || errors.Is(err, ErrInsufficientStorage):
		cur.Attempts = max(cur.Attempts-1, 0) // not the image's fault
	case err != nil:
		cur.State, cur.Reason, cur.ProcessedAt = BlobUnprocessable, reasonOf(err), b.Clock.Now()
	default:
		cur.State, cur.ProcessedAt = BlobStored, b.Clock.Now()
	}
	_ = b.Meta.PutBlobMeta(ctx, cur) // a failure leaves it pending: Resume makes it again
}

// storeFailure marks an error of the photo store (files or metadata), as
// opposed to the pipeline's verdict on the image.
type storeFailure struct{ err error }

func (e *storeFailure) Error() string { return "photo store: " + e.err.Error() }
func (e *storeFailure) Unwrap() error { return e.err }

// storeFailed wraps a store error; nil and protocol errors (a refusal,
// such as too many attempts) pass as they are.
func storeFailed(err error) error {
	var pe *syncproto.Error
	if err == nil || errors.As(err, &pe) {
		return err
	}
	return &storeFailure{err: err}
}

// countAttempt notes, durably and before any decoding, that the pipeline
// starts on the photo; past MaxProcessAttempts starts (each ended by a
// crash, since a finished one leaves the photo stored or unprocessable) it
// refuses, and the photo becomes unprocessable instead of crashing every
// start.
func (b *Blobs) countAttempt(digest string) error {
	limit := b.MaxProcessAttempts
	if limit <= 0 {
		limit = DefaultMaxProcessAttempts
	}
	defer b.lock(digest)()
	ctx := context.Background()
	m, err := b.Meta.BlobMeta(ctx, digest)
	if err != nil {
		return err
	}
	if m.Attempts >= limit {
		return syncproto.Errorf(syncproto.CodeUnprocessable, "processing was interrupted %d times; given up", m.Attempts)
	}
	m.Attempts++
	return b.Meta.PutBlobMeta(ctx, m)
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

// Resume submits blobs left pending (by a restart, a full queue or a full
// disk) that are not already in the pipeline. Call it at start and now and
// then.
func (b *Blobs) Resume(ctx context.Context) (int, error) {
	digests, err := b.Meta.BlobsInState(ctx, BlobPending)
	n := 0
	for _, d := range digests {
		if m, err := b.Meta.BlobMeta(ctx, d); err == nil {
			b.mu.Lock()
			busy := b.inflight[d]
			b.mu.Unlock()
			if !busy {
				b.process(m)
				n++
			}
		}
	}
	return n, err
}

// ExpirePartials deletes uploads untouched for PartialTTL.
func (b *Blobs) ExpirePartials(ctx context.Context) (int, error) {
	ttl := b.PartialTTL
	if ttl == 0 {
		ttl = DefaultPartialTTL
	}
	old, err := b.Files.PartialsOlderThan(b.Clock.Now().Add(-ttl))
	n := 0
	for _, key := range old {
		if done, ok := b.startAppend(key); ok {
			aerr := b.abandon(ctx, key)
			done()
			if aerr != nil {
				err = cmp.Or(err, aerr)
				continue
			}
			n++
		}
	}
	return n, err
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
