package server

import (
	"errors"
	"io"
	"syscall"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// admit counts an upload in: each user may have MaxUploadsPerUser in
// progress, everyone MaxUploads; past that the client is told to retry
// (429), so a few trickling uploads cannot take every slot.
func (b *Blobs) admit(p Principal) (func(), error) {
	perUser, all := b.MaxUploadsPerUser, b.MaxUploads
	if perUser <= 0 {
		perUser = DefaultMaxUploadsPerUser
	}
	if all <= 0 {
		all = DefaultMaxUploads
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.uploading[p.UserID] >= perUser || b.total >= all {
		return nil, &RetryAfterError{After: 5 * time.Second,
			Err: syncproto.Errorf(syncproto.CodeRateLimited, "too many uploads in progress; retry later")}
	}
	if b.uploading == nil {
		b.uploading = map[string]int{}
	}
	b.uploading[p.UserID]++
	b.total++
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.uploading[p.UserID]--; b.uploading[p.UserID] <= 0 {
			delete(b.uploading, p.UserID)
		}
		b.total--
	}, nil
}

// room refuses an upload of n more bytes that would leave less than
// MinFreeBytes free on the blob disk.
func (b *Blobs) room(n int64) error {
	if !b.HasRoom(n) {
		return errStorageFull
	}
	return nil
}

// HasRoom reports whether n more bytes fit above the free-space floor
// (true when no floor is set or the free space cannot be measured). With
// n = 0 it says whether the disk is above its floor: readiness.
func (b *Blobs) HasRoom(n int64) bool {
	fs, ok := b.Files.(FreeSpacer)
	if !ok || b.MinFreeBytes <= 0 {
		return true
	}
	free, err := fs.FreeBytes()
	return err != nil || free-n >= b.MinFreeBytes
}

// storageError turns a full disk into 507 insufficient_storage.
func storageError(err error) error {
	if IsDiskFull(err) {
		return errStorageFull
	}
	return err
}

// errStorageFull is 507 with the time to retry after.
var errStorageFull = &RetryAfterError{After: 30 * time.Second, Err: ErrInsufficientStorage}

// IsDiskFull reports whether err comes from a full disk or quota (ENOSPC,
// EDQUOT).
func IsDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// checking passes r through the inspector's whole-image check (when it has
// one) as it is read: at the end of r, a verdict against the image
// replaces io.EOF, so nothing is stored. stop ends the check early.
func (b *Blobs) checking(r io.Reader) (io.Reader, func()) {
	wc, ok := b.Inspector.(WholeImageChecker)
	if !ok {
		return r, func() {}
	}
	pr, pw := io.Pipe()
	res := make(chan error, 1)
	go func() {
		err := wc.CheckWhole(pr)
		pr.CloseWithError(errCheckDone)
		res <- err
	}()
	c := &checkedReader{r: r, pw: pw, res: res}
	return c, func() {
		pw.CloseWithError(errCheckDone)
		_ = c.wait() // Read already returned the verdict; this only ends the check
	}
}

var errCheckDone = errors.New("blob: check ended")

type checkedReader struct {
	r       io.Reader
	pw      *io.PipeWriter
	res     chan error
	verdict error
	waited  bool
}

func (c *checkedReader) wait() error {
	if !c.waited {
		c.verdict, c.waited = <-c.res, true
	}
	return c.verdict
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		if _, werr := c.pw.Write(p[:n]); werr != nil {
			if v := c.wait(); v != nil {
				return 0, v // the check refused the image before its end
			}
		}
	}
	switch {
	case err == io.EOF:
		_ = c.pw.Close() // a pipe's Close never fails
		if v := c.wait(); v != nil {
			return n, v
		}
	case err != nil:
		c.pw.CloseWithError(err)
	}
	return n, err
}

// UploadsInProgress returns how many uploads of userID are being received
// now (for metrics and tests).
func (b *Blobs) UploadsInProgress(userID string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.uploading[userID]
}
