package mobileapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"time"
)

// Resumable upload headers (PROTOCOL.md "Photos and other blobs").
const (
	headerUploadOffset   = "Upload-Offset"
	headerUploadLength   = "Upload-Length"
	headerUploadComplete = "Upload-Complete"
	mimeOffsetStream     = "application/offset+octet-stream"
)

// UploadPhotos uploads the photos waiting in the blob queue, one by one,
// oldest first, each in chunks of Config.UploadChunkBytes (default 256
// KiB) with the resumable PATCH protocol. Before sending it asks the server
// (HEAD) how much it already holds, so an upload interrupted by a network
// failure, a server error or a process restart resumes where the server
// stands and nothing the server holds is sent again. A finished photo's
// local copy is deleted.
//
// A photo the server refuses for good (413, 415, 422) is marked failed
// with the server's code and message and is not retried (see RetryPhoto);
// that is not an error of UploadPhotos. When the server stays unavailable
// after Options.MaxAttempts tries without progress, UploadPhotos stops and
// returns ErrUnavailable; the photo goes to the back of the queue, so one
// photo can never hold the others back. Any failure is also kept in
// Status.LastPhotoError until a run uploads everything.
//
// UploadPhotos never waits for Sync's push or pull, nor they for it; two
// UploadPhotos calls run one after the other. Cancelling ctx or calling
// Close stops it at once, losing nothing.
func (o *Outbox) UploadPhotos(ctx context.Context) error {
	if o.closed.Load() {
		return ErrClosed
	}
	ctx, done := o.bind(ctx)
	defer done()
	select {
	case o.photoSem <- struct{}{}:
	case <-ctx.Done():
		return o.ctxErr(ctx)
	}
	defer func() { <-o.photoSem }()
	return o.uploadPass(ctx)
}

// kickPhotos is the photo part of Sync: it runs an upload pass unless one
// is running already, in which case that one runs another pass for this
// Sync when it is done, so that a photo attached meanwhile is not left for
// a later Sync. Failures of the pass are recorded, not returned, unless
// ctx ended or the outbox closed.
func (o *Outbox) kickPhotos(ctx context.Context) error {
	o.photoKick.Store(true)
	for o.photoKick.Load() {
		select {
		case o.photoSem <- struct{}{}:
		default:
			return nil // the running pass sees photoKick
		}
		o.photoKick.Store(false)
		err := o.uploadPass(ctx)
		<-o.photoSem
		if o.closed.Load() {
			return ErrClosed
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return nil
		}
	}
	return nil
}

// uploadPass uploads every queued photo once, in queue order, and records
// the outcome in Status.LastPhotoError. It stops at the first failure that
// is not the photo's own (server unavailable, auth, a closed outbox); one
// photo refused for a reason that may pass is skipped for this pass.
func (o *Outbox) uploadPass(ctx context.Context) error {
	o.sweepPhotos()
	tried := map[string]bool{}
	var firstErr error
	for {
		if ctx.Err() != nil {
			return o.ctxErr(ctx)
		}
		rec, err := o.nextPhoto(tried)
		if err != nil {
			return err
		}
		if rec == nil {
			break
		}
		tried[rec.Digest] = true
		up := &upload{o: o, rec: rec, path: "/v1/blobs/" + rec.Digest, offset: -1, held: -1}
		err = up.run(ctx)
		if err == nil {
			continue
		}
		if ctx.Err() != nil || o.closed.Load() {
			return o.ctxErr(ctx)
		}
		err = fmt.Errorf("photo %s…: %w", rec.Digest[:12], err)
		if derr := o.deferPhoto(rec.Digest); derr != nil {
			return derr
		}
		if !errors.Is(err, ErrRefused) && !errors.Is(err, ErrProtocol) {
			o.notePhotoError(err)
			return err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	o.notePhotoError(firstErr)
	return firstErr
}

// upload is the state of one photo's upload within a pass.
type upload struct {
	o     *Outbox
	rec   *photoRecord
	path  string
	s     *session
	file  *os.File
	chunk int64 // bytes per PATCH

	offset    int64 // the server's offset as last learned; -1: ask with HEAD
	held      int64 // the most the server was seen to hold; growth is progress
	failures  int   // transient failures since the last progress
	conflicts int   // 409 answers since the last progress
	renewals  int   // session renewals since the last accepted chunk
}

// run drives one photo to uploaded, failed, or an error that leaves it
// queued.
func (u *upload) run(ctx context.Context) error {
	defer u.closeFile()
	s, err := u.o.session(ctx)
	if err != nil {
		return err
	}
	u.s = s
	for {
		if ctx.Err() != nil {
			return u.o.ctxErr(ctx)
		}
		var done bool
		if u.offset < 0 {
			done, err = u.head(ctx)
		} else {
			done, err = u.patch(ctx)
		}
		if err != nil || done {
			return err
		}
	}
}

// head asks the server how much of the photo it holds. Transient failures
// are retried by send, with backoff.
func (u *upload) head(ctx context.Context) (bool, error) {
	resp, err := u.o.send(ctx, "photo upload", request{method: http.MethodHead, path: u.path, token: u.s.Access})
	if err != nil {
		return false, err
	}
	switch resp.status {
	case http.StatusNotFound:
		return false, u.learn(0)
	case http.StatusOK:
		if resp.header.Get(headerUploadComplete) == "?1" {
			return true, u.uploaded()
		}
		n, ok := uploadOffset(resp.header)
		if !ok || n > u.rec.Size {
			return false, fmt.Errorf("photo upload: %w: HEAD answer without a usable %s", ErrProtocol, headerUploadOffset)
		}
		if n == u.rec.Size {
			// Every byte is there but the server does not call it whole
			// yet: ask again after a pause.
			return false, u.backoff(ctx, nil, "the server holds every byte but has not completed the upload")
		}
		return false, u.learn(n)
	case http.StatusUnauthorized:
		return false, u.renew(ctx)
	default:
		return u.refused(resp)
	}
}

// patch sends one chunk from the server's offset. The request is not
// retried as it is: after a failure the offset is learned again with HEAD,
// since the server keeps whatever part of a broken chunk reached it.
func (u *upload) patch(ctx context.Context) (bool, error) {
	if lost, err := u.openFile(); lost || err != nil {
		return lost, err
	}
	// A fresh buffer per request: the transport may still be reading the
	// body of a request the server answered early (a 409 before the body).
	chunk := make([]byte, min(u.chunk, u.rec.Size-u.offset))
	if _, err := u.file.ReadAt(chunk, u.offset); err != nil {
		return false, fmt.Errorf("mobileapi: read photo: %w", err)
	}
	h := make(http.Header)
	h.Set("Content-Type", mimeOffsetStream)
	h.Set(headerUploadOffset, strconv.FormatInt(u.offset, 10))
	h.Set(headerUploadLength, strconv.FormatInt(u.rec.Size, 10))
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	resp, err := u.o.api.do(actx, request{method: http.MethodPatch, path: u.path, body: chunk, token: u.s.Access, header: h})
	cancel()
	if ctx.Err() != nil {
		return false, u.o.ctxErr(ctx)
	}
	switch {
	case errors.Is(err, errNoServerURL):
		return false, err
	case err != nil:
		return false, u.backoff(ctx, nil, err.Error())
	case transient(resp.status):
		return false, u.backoff(ctx, resp, fmt.Sprintf("HTTP %d %s", resp.status, resp.apiError().Code))
	}
	if err := u.o.checkpoint("photo-chunk-answered"); err != nil {
		return false, err
	}
	switch resp.status {
	case http.StatusNoContent:
		next, ok := uploadOffset(resp.header)
		if !ok || next <= u.offset || next > u.rec.Size {
			return false, u.backoff(ctx, nil, "PATCH answer without a usable "+headerUploadOffset)
		}
		u.renewals = 0
		return false, u.learn(next)
	case http.StatusCreated:
		return true, u.uploaded()
	case http.StatusConflict:
		if u.conflicts++; u.conflicts > u.o.cfg.maxAttempts {
			return false, fmt.Errorf("photo upload: %w: %d offset conflicts in a row", ErrProtocol, u.conflicts)
		}
		next, ok := uploadOffset(resp.header)
		if !ok || next > u.rec.Size {
			u.offset = -1
			return false, nil
		}
		return false, u.learn(next)
	case http.StatusUnauthorized:
		return false, u.renew(ctx)
	default:
		return u.refused(resp)
	}
}

// learn takes the server's offset n, records it as the photo's Sent and
// counts growth as progress. An offset at the end is confirmed with HEAD.
func (u *upload) learn(n int64) error {
	if n > u.held {
		u.held, u.failures, u.conflicts = n, 0, 0
	}
	u.offset = n
	if n >= u.rec.Size {
		u.offset = -1
	}
	if n == u.rec.Sent {
		return nil
	}
	u.rec.Sent = n
	return u.o.notePhotoSent(u.rec.Digest, n)
}

// backoff counts a transient failure, gives up after MaxAttempts of them
// without progress, else waits (Retry-After or jittered backoff) and makes
// the next step a HEAD.
func (u *upload) backoff(ctx context.Context, resp *response, last string) error {
	u.offset = -1
	u.failures++
	if u.failures >= u.o.cfg.maxAttempts {
		return fmt.Errorf("photo upload: %w after %d attempts: %s", ErrUnavailable, u.failures, last)
	}
	var wait time.Duration
	if resp != nil {
		wait = retryAfter(resp.header, time.Now())
	}
	if wait == 0 {
		wait = jitter(u.failures)
	}
	if err := u.o.sleep(ctx, wait); err != nil {
		return u.o.ctxErr(ctx)
	}
	return nil
}

// renew replaces a refused access token, as Sync does.
func (u *upload) renew(ctx context.Context) error {
	if u.renewals >= maxAuthRenewals {
		return fmt.Errorf("photo upload: %w: still unauthorized with a new session", ErrAuth)
	}
	u.renewals++
	s, err := u.o.renew(ctx, u.s)
	if err != nil {
		return err
	}
	u.s = s
	return nil
}

// refused handles an answer that retrying cannot change: 413, 415 and 422
// fail the photo for good; anything else leaves it queued and is returned.
func (u *upload) refused(resp *response) (bool, error) {
	switch resp.status {
	case http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		e := resp.apiError()
		return true, u.o.notePhotoFailed(u.rec.Digest, string(e.Code), e.Message)
	}
	return false, refused("photo upload", resp)
}

// uploaded records the photo as uploaded and deletes its local copy.
func (u *upload) uploaded() error {
	u.closeFile()
	return u.o.notePhotoUploaded(u.rec.Digest)
}

// openFile opens the local copy once. A missing or changed copy fails the
// photo (lost is true): its bytes can no longer be sent.
func (u *upload) openFile() (lost bool, err error) {
	if u.file != nil {
		return false, nil
	}
	f, err := os.Open(u.o.photoPath(u.rec.Digest))
	if errors.Is(err, fs.ErrNotExist) {
		return true, u.o.notePhotoFailed(u.rec.Digest, codeLocalMissing, "the local copy of the photo is gone; attach it again")
	}
	if err != nil {
		return false, fmt.Errorf("mobileapi: open photo: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return false, fmt.Errorf("mobileapi: open photo: %w", err)
	}
	if st.Size() != u.rec.Size {
		f.Close()
		return true, u.o.notePhotoFailed(u.rec.Digest, codeLocalChanged, "the local copy of the photo changed; attach it again")
	}
	u.file, u.chunk = f, u.o.chunkBytes()
	return false, nil
}

func (u *upload) closeFile() {
	if u.file != nil {
		u.file.Close()
		u.file = nil
	}
}

// uploadOffset reads the Upload-Offset header.
func uploadOffset(h http.Header) (int64, bool) {
	n, err := strconv.ParseInt(h.Get(headerUploadOffset), 10, 64)
	return n, err == nil && n >= 0
}

// chunkBytes is the upload chunk size from the pulled config.
func (o *Outbox) chunkBytes() int64 {
	c, err := o.Config()
	if err != nil || c.UploadChunkBytes <= 0 {
		return DefaultUploadChunkBytes
	}
	return min(max(c.UploadChunkBytes, minChunkBytes), maxPhotoBytes)
}
