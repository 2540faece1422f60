package mobileapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Defaults applied by Open to zero Options fields.
const (
	// DefaultBatchSize is the number of ops per push when Options.BatchSize
	// is 0.
	DefaultBatchSize = 200
	// DefaultMaxAttempts is the number of attempts per request when
	// Options.MaxAttempts is 0.
	DefaultMaxAttempts = 8
	// DefaultJPEGQuality is the quality AttachPhoto re-encodes photos with
	// when the pulled config names none.
	DefaultJPEGQuality = 80
	// DefaultUploadChunkBytes is the photo upload chunk size when the
	// pulled config names none.
	DefaultUploadChunkBytes = 256 << 10
)

// Internal tuning. Tests replace the waiting (Outbox.sleep) and the lock
// wait (open), not these values.
const (
	openTimeout     = 2 * time.Second // waiting for the bbolt file lock
	backoffBase     = 100 * time.Millisecond
	backoffCap      = 5 * time.Second
	maxRetryAfter   = 10 * time.Minute // a larger Retry-After is cut to this
	attemptTimeout  = 60 * time.Second // one HTTP round trip
	maxAuthRenewals = 2                // token renewals per request before ErrAuth
	maxResponseBody = 16 << 20
	maxDeviceIDLen  = 128

	// Photo limits. The server takes JPEG and PNG of at most 20 MiB and 50
	// megapixels (PROTOCOL.md); a photo file read by AttachPhoto may be
	// larger before the capture policy shrinks it.
	maxPhotoBytes     = 20 << 20
	maxPhotoPixels    = 50_000_000
	maxPhotoFileBytes = 64 << 20
	minChunkBytes     = 16 << 10 // a smaller configured chunk is raised to this
)

// Options configures an Outbox. Only DeviceID is needed to record; Sync
// also needs ServerURL and, until a session exists, Username and Password.
type Options struct {
	// ServerURL is the base URL of the server, e.g. "http://127.0.0.1:8080".
	ServerURL string
	// DeviceID is the stable id of this device. It is saved in the file on
	// the first Open; a different one later makes Open fail with
	// ErrDeviceMismatch. Empty means the id already saved in the file.
	DeviceID string
	// Username and Password are the credentials used to log in. They are
	// kept in memory only and never written to the file.
	Username string
	// Password goes with Username.
	Password string
	// BatchSize is the number of ops per push: default 200, at most 500
	// (syncproto.MaxOpsPerPush); larger values are cut to 500.
	BatchSize int
	// MaxAttempts is the number of attempts per push or pull request for
	// transient failures within one Sync; default 8.
	MaxAttempts int
	// Transport carries the HTTP requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Now is the clock used for recorded_at, Status.LastSyncAt and the
	// deadline state of complaints (ComplaintCase.AtRisk, Breached); nil
	// means time.Now.
	Now func() time.Time
}

// settings is Options with defaults applied, copied so that the caller
// changing its Options later has no effect.
type settings struct {
	serverURL   string
	deviceID    string
	username    string
	password    string
	batchSize   int
	maxAttempts int
	transport   http.RoundTripper
	now         func() time.Time
}

func newSettings(opts *Options) settings {
	var o Options
	if opts != nil {
		o = *opts
	}
	s := settings{
		serverURL:   strings.TrimRight(o.ServerURL, "/"),
		deviceID:    o.DeviceID,
		username:    o.Username,
		password:    o.Password,
		batchSize:   o.BatchSize,
		maxAttempts: o.MaxAttempts,
		transport:   o.Transport,
		now:         o.Now,
	}
	if s.batchSize <= 0 {
		s.batchSize = DefaultBatchSize
	}
	if s.batchSize > syncproto.MaxOpsPerPush {
		s.batchSize = syncproto.MaxOpsPerPush
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	if s.transport == nil {
		s.transport = http.DefaultTransport
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
