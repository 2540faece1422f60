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
		Key:  digest,
		Info: pi,
		Open: open,
		Done: func(v *photo.Variants, err error) {
			if errors.Is(err, photo.ErrClosed) {
				return // shutting down: the blob stays pending and is resumed at the next start
			}
			if err != nil {
				done(nil, nil, err)
				return
			}
			done(v.Display, v.Thumb, nil)
		},
	}))
}
