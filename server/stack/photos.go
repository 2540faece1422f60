package stack

import (
	"errors"
	"io"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/metrics"
	"github.com/courier-sync/courier-sync/server/photo"
	"github.com/courier-sync/courier-sync/syncproto"
)

// inspector adapts photo.Sniff to server.ImageInspector, turning its errors
// into protocol errors: a format other than JPEG or PNG is 415, too many
// pixels or an unreadable header 422.
type inspector struct{}

func (inspector) SniffNeed() int { return photo.SniffNeed }

func (inspector) Inspect(header []byte) (server.ImageInfo, error) {
	info, err := photo.Sniff(header)
	switch {
	case err == nil:
		return server.ImageInfo{ContentType: info.ContentType, Width: info.Width, Height: info.Height}, nil
	case errors.Is(err, photo.ErrUnsupportedFormat):
		return server.ImageInfo{}, syncproto.Errorf(syncproto.CodeUnsupportedMediaType, "only JPEG and PNG photos are accepted")
	case errors.Is(err, photo.ErrNeedMore):
		// The JPEG frame header lies past the first bytes (large metadata):
		// take the upload; the pipeline checks the dimensions before it
		// decodes and marks the photo unprocessable if they are too big.
		return server.ImageInfo{ContentType: "image/jpeg"}, nil
	case errors.Is(err, photo.ErrTooManyPixels):
		return server.ImageInfo{}, syncproto.Errorf(syncproto.CodeUnprocessable, "a photo may have at most %d pixels", photo.MaxPixels)
	default:
		return server.ImageInfo{}, syncproto.Errorf(syncproto.CodeUnprocessable, "the photo's header could not be read")
	}
}

// CheckWhole implements server.WholeImageChecker with photo.CheckStructure:
// too many JPEG scans, bytes after the image's end or a broken structure
// are 422, a body over 20 MiB 413.
func (inspector) CheckWhole(r io.Reader) error {
	_, err := photo.CheckStructure(r)
	return structureError(err)
}

func structureError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, photo.ErrTooManyScans):
		return syncproto.Errorf(syncproto.CodeUnprocessable, "a JPEG may have at most %d scans", photo.MaxScans)
	case errors.Is(err, photo.ErrTrailingData):
		return syncproto.Errorf(syncproto.CodeUnprocessable, "bytes follow the end of the image; send the image alone")
	case errors.Is(err, photo.ErrTooLarge):
		return syncproto.Errorf(syncproto.CodePayloadTooLarge, "a photo may be at most 20 MiB")
	case errors.Is(err, photo.ErrUnsupportedFormat):
		return syncproto.Errorf(syncproto.CodeUnsupportedMediaType, "only JPEG and PNG photos are accepted")
	case errors.Is(err, photo.ErrCorrupt):
		return syncproto.Errorf(syncproto.CodeUnprocessable, "the image is damaged or cut short")
	default:
		return err // the reader's own error (the client went away)
	}
}

// pipelineReason turns the pipeline's refusals into the reason shown for
// an unprocessable photo.
func pipelineReason(err error) error {
	switch {
	case errors.Is(err, photo.ErrOverBudget):
		return syncproto.Errorf(syncproto.CodeUnprocessable, "decoding it needs more memory than the image pipeline's budget")
	case errors.Is(err, photo.ErrDeadline):
		return syncproto.Errorf(syncproto.CodeUnprocessable, "decoding it took longer than the image pipeline allows")
	case errors.Is(err, photo.ErrTooManyPixels):
		return syncproto.Errorf(syncproto.CodeUnprocessable, "a photo may have at most %d pixels", photo.MaxPixels)
	}
	if e := structureError(err); e != err {
		return e
	}
	return err
}

// processor adapts a photo.Pool to server.ImageProcessor.
type processor struct {
	pool    *photo.Pool
	metrics *metrics.Metrics
}

func (p processor) Process(digest string, info server.ImageInfo, open func() (io.ReadCloser, error), done func(display, thumb []byte, err error)) {
	format := "jpeg"
	if info.ContentType == "image/png" {
		format = "png"
	}
	pi := photo.Info{Format: format, ContentType: info.ContentType, Width: info.Width, Height: info.Height}
	if pi.Width == 0 || pi.Height == 0 {
		// Dimensions unknown until decoding starts: reserve for the largest
		// photo accepted.
		pi.Width, pi.Height = 10_000, photo.MaxPixels/10_000
	}
	p.pool.Submit(meterPhotos(p.metrics, photo.Job{
		Key:   digest,
		Owner: info.Uploader,
		Info:  pi,
		Open:  open,
		Done: func(v *photo.Variants, err error) {
			if errors.Is(err, photo.ErrClosed) || errors.Is(err, photo.ErrQueueFull) {
				// Shutting down, or the uploader's share of the queue is
				// full: the blob stays pending and is submitted again.
				done(nil, nil, server.ErrProcessingDeferred)
				return
			}
			if err != nil {
				done(nil, nil, pipelineReason(err))
				return
			}
			done(v.Display, v.Thumb, nil)
		},
	}))
}
