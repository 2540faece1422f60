package server

import (
	"context"
	"errors"
	"io"
)

// appendChunk checks the chunk against the partial upload key and appends
// it. Only the caller's own partial is touched; no shared lock is held
// while the chunk is read from the network.
func (b *Blobs) appendChunk(ctx context.Context, p Principal, key string, offset, total int64, chunk io.Reader) (int64, error) {
	m, err := b.Meta.BlobMeta(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		if offset != 0 {
			return 0, &OffsetError{Offset: 0, Err: Conflict("Upload-Offset does not match the bytes held")}
		}
		if err := b.room(total); err != nil {
			return 0, err
		}
		m = &BlobMeta{Digest: key, Size: total, State: BlobUploading, Uploader: p.UserID, CreatedAt: b.Clock.Now()}
		if err := b.Meta.PutBlobMeta(ctx, m); err != nil {
			return 0, storageError(err)
		}
	case err != nil:
		return 0, err
	case m.Size != total:
		return 0, Invalid("Upload-Length: differs from the length this upload started with")
	}
	held, err := b.Files.PartialSize(key)
	if err != nil {
		return 0, err
	}
	if offset != held {
		return held, &OffsetError{Offset: held, Err: Conflict("Upload-Offset does not match the bytes held")}
	}
	n, err := b.Files.AppendPartial(key, offset, chunk, total-offset)
	if err != nil {
		return n, storageError(err)
	}
	need := min(int64(b.Inspector.SniffNeed()), total)
	if offset < need && n >= need {
		if _, err := b.inspectPartial(key, need); err != nil {
			_ = b.abandon(ctx, key) // the refusal is the answer; ExpirePartials retries a failed clean-up
			return 0, err
		}
	}
	return n, nil
}

// finishPartial checks a whole partial upload (header, structure, digest)
// and moves it into place; anything wrong deletes it.
func (b *Blobs) finishPartial(ctx context.Context, key string) (ImageInfo, error) {
	info, err := b.inspectPartial(key, int64(b.Inspector.SniffNeed()))
	if err == nil {
		if wc, ok := b.Inspector.(WholeImageChecker); ok {
			err = wc.CheckWhole(&partialReader{files: b.Files, key: key})
		}
	}
	if err != nil {
		_ = b.abandon(ctx, key) // the refusal is the answer; ExpirePartials retries a failed clean-up
		return ImageInfo{}, err
	}
	if err := b.Files.CommitPartial(key); err != nil {
		_ = b.Meta.DeleteBlobMeta(ctx, key) // the commit's error is the one to report
		return ImageInfo{}, storageError(err)
	}
	if err := b.Meta.DeleteBlobMeta(ctx, key); err != nil {
		return ImageInfo{}, storageError(err)
	}
	return info, nil
}

func (b *Blobs) inspectPartial(key string, n int64) (ImageInfo, error) {
	header := make([]byte, n)
	got, err := b.Files.ReadPartialAt(key, header, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return ImageInfo{}, err
	}
	return b.Inspector.Inspect(header[:got])
}

// abandon forgets a partial upload: its record, then its file. When the
// record cannot be deleted the file stays, so ExpirePartials tries again.
func (b *Blobs) abandon(ctx context.Context, key string) error {
	if err := b.Meta.DeleteBlobMeta(ctx, key); err != nil {
		return storageError(err)
	}
	if err := b.Files.RemovePartial(key); err != nil {
		return storageError(err)
	}
	return nil
}

// partialReader reads a partial upload from the start.
type partialReader struct {
	files BlobFiles
	key   string
	off   int64
}

func (r *partialReader) Read(p []byte) (int, error) {
	n, err := r.files.ReadPartialAt(r.key, p, r.off)
	r.off += int64(n)
	if n > 0 && errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

// startAppend marks the partial key as being appended to; false when
// another request already is.
func (b *Blobs) startAppend(key string) (func(), bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.appending[key] {
		return nil, false
	}
	if b.appending == nil {
		b.appending = map[string]bool{}
	}
	b.appending[key] = true
	return func() {
		b.mu.Lock()
		delete(b.appending, key)
		b.mu.Unlock()
	}, true
}
