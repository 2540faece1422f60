package push

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"github.com/courier-sync/courier-sync/server"
	"google.golang.org/api/option"
)

// Message settings.
const (
	// CollapseKey lets FCM keep only the newest wake-up of a device
	// while it is offline: every wake-up means "pull now".
	CollapseKey = "sync"
	// DefaultTTL is how long FCM keeps a wake-up for an offline device.
	DefaultTTL = time.Hour
	// MaxBatch is the most messages one SendEach takes.
	MaxBatch = 500
	// DefaultProjectID is the project of an endpoint override without
	// one (a fake or emulator).
	DefaultProjectID = "courier-sync"
)

// FCMConfig configures the FCM messenger.
type FCMConfig struct {
	// CredentialsFile is a service-account JSON file (real FCM).
	CredentialsFile string
	// ProjectID is the Firebase project; with real credentials it
	// defaults to the file's project.
	ProjectID string
	// Endpoint overrides the FCM base URL (a local fake or emulator):
	// "http://127.0.0.1:9099" or ".../v1". Without CredentialsFile no
	// credentials are sent.
	Endpoint string
	// TTL is the messages' time to live (default DefaultTTL).
	TTL time.Duration
	// HTTPClient is used with an Endpoint and no credentials (default: a
	// client that keeps enough idle connections for SendEach's workers).
	HTTPClient *http.Client
}

// FCM sends wake-ups with the firebase messaging client.
type FCM struct {
	client *messaging.Client
	ttl    time.Duration
}

// NewFCM returns a messenger for cfg; it needs CredentialsFile or
// Endpoint.
func NewFCM(ctx context.Context, cfg FCMConfig) (*FCM, error) {
	if cfg.CredentialsFile == "" && cfg.Endpoint == "" {
		return nil, errors.New("push: FCM needs credentials or an endpoint")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	var opts []option.ClientOption
	if cfg.CredentialsFile != "" {
		// A service-account key file (FCM accepts no other kind here).
		opts = append(opts, option.WithAuthCredentialsFile(option.ServiceAccount, cfg.CredentialsFile))
	}
	if cfg.Endpoint != "" {
		if cfg.ProjectID == "" {
			cfg.ProjectID = DefaultProjectID
		}
		opts = append(opts, option.WithEndpoint(EndpointURL(cfg.Endpoint)))
		if cfg.CredentialsFile == "" {
			hc := cfg.HTTPClient
			if hc == nil {
				t := http.DefaultTransport.(*http.Transport).Clone()
				t.MaxIdleConnsPerHost = 64
				hc = &http.Client{Transport: t}
			}
			opts = append(opts, option.WithoutAuthentication(), option.WithHTTPClient(hc))
		}
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("push: firebase app: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("push: firebase messaging: %w", err)
	}
	return &FCM{client: client, ttl: cfg.TTL}, nil
}

// EndpointURL returns the messaging endpoint for a base URL: the URL with
// "/v1" appended unless it ends with it.
func EndpointURL(base string) string {
	base = strings.TrimRight(base, "/")
	if strings.HasSuffix(base, "/v1") {
		return base
	}
	return base + "/v1"
}

// Message is the FCM message of a wake-up: data only (no notification
// block, so the app handles it silently and nothing shows on a lock
// screen), opaque ids only, a collapse key, high priority so a dozing
// Android device wakes, and a time to live.
func Message(w server.WakeUp, ttl time.Duration) *messaging.Message {
	data := map[string]string{"type": "sync", "hint": w.Hint}
	if w.TaskID != "" {
		data["task_id"] = w.TaskID
	}
	return &messaging.Message{
		Token: w.Token,
		Data:  data,
		Android: &messaging.AndroidConfig{
			CollapseKey: CollapseKey,
			Priority:    "high",
			TTL:         &ttl,
		},
	}
}

// Send implements Messenger: one SendEach call for up to MaxBatch
// wake-ups (the caller batches).
func (f *FCM) Send(ctx context.Context, ws []server.WakeUp) []Result {
	rs := make([]Result, len(ws))
	msgs := make([]*messaging.Message, len(ws))
	for i, w := range ws {
		msgs[i] = Message(w, f.ttl)
	}
	br, err := f.client.SendEach(ctx, msgs)
	if err != nil {
		for i := range rs {
			rs[i] = Result{Outcome: server.RetryLater, Err: err}
		}
		return rs
	}
	for i, r := range br.Responses {
		rs[i] = Classify(r.Error)
	}
	return rs
}

// Classify turns an FCM send error into a Result. It works on the SDK's
// own error (the messaging.Is… functions do not unwrap). Unregistered,
// invalid-argument (a malformed token; our payload is fixed) and
// sender-id-mismatch tokens will never work: TokenInvalid. Everything else
// — quota (429), server errors (5xx; the SDK has already retried 503),
// network and authentication failures — is retried later, after the
// server's Retry-After when it gave one.
func Classify(err error) Result {
	switch {
	case err == nil:
		return Result{Outcome: server.Delivered}
	case messaging.IsUnregistered(err), messaging.IsInvalidArgument(err), messaging.IsSenderIDMismatch(err):
		return Result{Outcome: server.TokenInvalid, Err: err}
	}
	r := Result{Outcome: server.RetryLater, Err: err}
	if resp := errorutils.HTTPResponse(err); resp != nil {
		r.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return r
}

// retryAfter parses a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
