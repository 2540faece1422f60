package stack

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/metrics"
	"github.com/courier-sync/courier-sync/server/photo"
	"github.com/courier-sync/courier-sync/syncproto"
)

// meteredSync counts the results of every push by kind and outcome.
type meteredSync struct {
	server.SyncService
	m *metrics.Metrics
}

// Push implements server.SyncService.
func (s meteredSync) Push(ctx context.Context, p server.Principal, req *syncproto.PushRequest) (*syncproto.PushResponse, error) {
	res, err := s.SyncService.Push(ctx, p, req)
	if err == nil {
		s.m.Ops(req, res)
	}
	return res, err
}

// meterPhotos times a photo job from the moment the pool opens its
// upload (the job starts) to its Done, and counts it by outcome. A job
// dropped at shutdown is not counted: it runs again after the restart.
func meterPhotos(m *metrics.Metrics, j photo.Job) photo.Job {
	if m == nil {
		return j
	}
	var began time.Time // set and read on the pool's goroutine that runs the job
	open, done := j.Open, j.Done
	j.Open = func() (io.ReadCloser, error) {
		began = time.Now()
		return open()
	}
	j.Done = func(v *photo.Variants, err error) {
		switch {
		case errors.Is(err, photo.ErrClosed) || errors.Is(err, photo.ErrQueueFull) || began.IsZero():
		case err != nil:
			m.Photo("error", time.Since(began))
		default:
			m.Photo("done", time.Since(began))
		}
		done(v, err)
	}
	return j
}
