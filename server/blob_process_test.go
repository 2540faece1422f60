package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// verdictProcessor opens the original and answers with err (nil: two
// variants), at once, as the pool's Done would.
type verdictProcessor struct{ err error }

func (p verdictProcessor) Process(_ string, _ ImageInfo, open func() (io.ReadCloser, error), done func(display, thumb []byte, err error)) {
	rc, err := open()
	if err != nil {
		done(nil, nil, err)
		return
	}
	_ = rc.Close()
	if p.err != nil {
		done(nil, nil, p.err)
		return
	}
	done([]byte("display"), []byte("thumb"), nil)
}

const testDigest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func newPipeline(p ImageProcessor, attempts int) (*Blobs, *memFiles, *memMeta) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	files := newMemFiles(func() time.Time { return now })
	files.originals[testDigest] = []byte("jpeg")
	meta := &memMeta{m: map[string]BlobMeta{testDigest: {Digest: testDigest, State: BlobPending, Attempts: attempts}}}
	return &Blobs{Files: files, Meta: meta, Processor: p, Clock: func() time.Time { return now }}, files, meta
}

// Issue 10 item 5: a disk failure while storing a photo's variants was
// recorded for ever as "the image could not be decoded". A store failure
// now leaves the photo pending, its attempt given back, and only the
// pipeline's verdict on the image makes it unprocessable.
func TestPhotoProcessingTellsStoreFailuresFromBadImages(t *testing.T) {
	diskErr := errors.New("write /blobs/x: input/output error")
	tests := []struct {
		name         string
		verdict      error
		openErr      error
		putErr       error
		attempts     int
		wantState    string
		wantAttempts int
		wantReason   string
	}{
		{"a decoded photo is stored", nil, nil, nil, 0, BlobStored, 1, ""},
		{"an image the decoder refuses is unprocessable", errors.New("jpeg: bad huffman"), nil, nil, 0,
			BlobUnprocessable, 1, "the image could not be decoded or re-encoded"},
		{"a refusal written for people keeps its words", syncproto.Errorf(syncproto.CodeUnprocessable, "too many pixels"), nil, nil, 0,
			BlobUnprocessable, 1, "too many pixels"},
		{"a failed variant write leaves it pending", nil, nil, diskErr, 0, BlobPending, 0, ""},
		{"a full disk leaves it pending", nil, nil, fmt.Errorf("write: %w", syscall.ENOSPC), 1, BlobPending, 1, ""},
		{"the storage floor leaves it pending", nil, nil, ErrInsufficientStorage, 1, BlobPending, 1, ""},
		{"an unreadable original leaves it pending", nil, diskErr, nil, 1, BlobPending, 1, ""},
		{"past the attempts it is given up", nil, nil, nil, DefaultMaxProcessAttempts, BlobUnprocessable, DefaultMaxProcessAttempts,
			"processing was interrupted 3 times; given up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, files, meta := newPipeline(verdictProcessor{err: tt.verdict}, tt.attempts)
			files.openErr, files.putErr = tt.openErr, tt.putErr
			m, err := meta.BlobMeta(context.Background(), testDigest)
			if err != nil {
				t.Fatal(err)
			}
			b.process(m)
			got, _ := meta.BlobMeta(context.Background(), testDigest)
			if got.State != tt.wantState || got.Attempts != tt.wantAttempts || got.Reason != tt.wantReason {
				t.Fatalf("state %q, attempts %d, reason %q; want %q, %d, %q",
					got.State, got.Attempts, got.Reason, tt.wantState, tt.wantAttempts, tt.wantReason)
			}
			if tt.wantState == BlobStored && string(files.variants[testDigest+"/"+VariantThumb]) != "thumb" {
				t.Fatal("the thumbnail was not stored")
			}
			b.mu.Lock()
			inflight := b.inflight[testDigest]
			b.mu.Unlock()
			if inflight {
				t.Fatal("the photo is still marked in the pipeline: Resume would never retry it")
			}
		})
	}
}
