package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Blob states. A blob is "uploading" while chunks arrive, "pending" once
// whole and waiting for the image pipeline, then "stored" (display copy and
// thumbnail made) or "unprocessable" (kept, with the reason).
const (
	BlobUploading     = "uploading"
	BlobPending       = "pending"
	BlobStored        = "stored"
	BlobUnprocessable = "unprocessable"
)

// Blob variants that can be read back.
const (
	VariantDisplay  = "display"
	VariantThumb    = "thumb"
	VariantOriginal = "original"
)

// BlobMeta is what the store knows about a blob besides its bytes.
type BlobMeta struct {
	Digest      string `json:"digest"`
	Size        int64  `json:"size"`
	State       string `json:"state"`
	ContentType string `json:"content_type,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Uploader    string `json:"uploader"`
	// Holders are the other users who sent these same bytes (proved they
	// hold the photo); like the uploader, they may read it back.
	Holders []string `json:"holders,omitempty"`
	// Attempts counts the pipeline's starts on this photo, written before
	// each decode, so a photo that crashes the process is given up (as
	// unprocessable) after MaxProcessAttempts starts instead of forever.
	Attempts    int       `json:"attempts,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
	ProcessedAt time.Time `json:"processed_at,omitzero"`
}

// BlobFiles keeps blob bytes: partial uploads, whole originals and derived
// variants. The filesystem implements it today; an object store can later.
type BlobFiles interface {
	// PartialSize is how many bytes of an unfinished upload are held (0
	// when none).
	PartialSize(digest string) (int64, error)
	// AppendPartial appends up to n bytes from r at offset, syncs them to
	// disk and returns the new size. offset must equal the held size.
	AppendPartial(digest string, offset int64, r io.Reader, n int64) (int64, error)
	// ReadPartialAt reads from an unfinished upload.
	ReadPartialAt(digest string, p []byte, off int64) (int, error)
	// CommitPartial checks the partial's SHA-256 against digest and moves
	// it into place; on a mismatch it deletes the partial and returns an
	// unprocessable digest_mismatch error.
	CommitPartial(digest string) error
	// RemovePartial deletes an unfinished upload.
	RemovePartial(digest string) error
	// PutWhole streams r (at most max bytes) into place when its SHA-256
	// is digest; nothing is kept otherwise.
	PutWhole(digest string, r io.Reader, max int64) error
	// Has reports whether the whole original is stored.
	Has(digest string) bool
	// Open opens a stored original or variant ("original", "display",
	// "thumb") for reading.
	Open(digest, variant string) (io.ReadCloser, int64, error)
	// PutVariant stores a derived variant durably.
	PutVariant(digest, variant string, data []byte) error
	// PartialsOlderThan lists unfinished uploads untouched since t.
	PartialsOlderThan(t time.Time) ([]string, error)
}

// BlobMetaStore keeps blob metadata and which records refer to blobs.
type BlobMetaStore interface {
	// BlobMeta returns the metadata or ErrNotFound.
	BlobMeta(ctx context.Context, digest string) (*BlobMeta, error)
	// PutBlobMeta stores m.
	PutBlobMeta(ctx context.Context, m *BlobMeta) error
	// DeleteBlobMeta removes metadata of an abandoned upload.
	DeleteBlobMeta(ctx context.Context, digest string) error
	// BlobReferencedBy reports whether an op of the courier refers to the blob.
	BlobReferencedBy(ctx context.Context, digest, courierID string) (bool, error)
	// BlobsInState lists digests in a state (to resume processing at start).
	BlobsInState(ctx context.Context, state string) ([]string, error)
}

// ImageInfo is what a photo's header says.
type ImageInfo struct {
	ContentType   string
	Width, Height int
	// Uploader is who sent the photo: the pipeline serves uploaders in
	// turn, so one courier's photos never hold back another's.
	Uploader string
}

// WholeImageChecker is an ImageInspector that can also check a whole
// upload as it streams in (a JPEG's scans and end marker, nothing after a
// JPEG's or PNG's end). Its errors are protocol errors (422, 413) or r's
// own.
type WholeImageChecker interface {
	CheckWhole(r io.Reader) error
}

// FreeSpacer is BlobFiles that can tell how many bytes are free on its
// disk, for the free-space floor (Blobs.MinFreeBytes).
type FreeSpacer interface {
	FreeBytes() (int64, error)
}

// ImageInspector checks a photo's leading bytes: format (JPEG or PNG, else
// unsupported_media_type) and dimensions (too many pixels or unreadable:
// unprocessable), before anything is decoded.
type ImageInspector interface {
	SniffNeed() int
	Inspect(header []byte) (ImageInfo, error)
}

// ImageProcessor makes the display copy and thumbnail off the request
// path and reports through done.
type ImageProcessor interface {
	Process(digest string, info ImageInfo, open func() (io.ReadCloser, error), done func(display, thumb []byte, err error))
}

// ErrBlobPending is returned for a display copy or thumbnail still being
// made: the client should retry after a moment (202 with Retry-After).
var ErrBlobPending = errors.New("blob: still being processed")

// ErrProcessingDeferred is what an ImageProcessor reports when it did not
// process a photo now (shutting down, queue full): the photo stays pending
// and is submitted again later (Blobs.Resume).
var ErrProcessingDeferred = errors.New("blob: processing deferred")

// ErrInsufficientStorage: the disk is (nearly) full; nothing was kept.
var ErrInsufficientStorage = syncproto.Errorf(syncproto.CodeInsufficientStorage, "the server's storage is full; nothing was kept, retry later")

// ErrDigestMismatch: the bytes do not hash to the name they were sent under.
var ErrDigestMismatch = syncproto.Errorf(syncproto.CodeDigestMismatch, "the body's SHA-256 does not match the blob name; nothing was kept")

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
