package mobileapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	apiclient "github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// client makes single HTTP round trips to the server, through
// client (one attempt each, whatever the status). Retries,
// tokens and the meaning of statuses live in retry.go and auth.go.
type client struct {
	api *apiclient.Client // nil without a server URL
}

// newClient returns a client of baseURL on transport.
func newClient(baseURL string, transport http.RoundTripper) *client {
	if baseURL == "" {
		return &client{}
	}
	return &client{api: apiclient.New(baseURL, apiclient.WithHTTPClient(&http.Client{Transport: transport}),
		apiclient.WithMaxBody(maxResponseBody), apiclient.WithHeader("Accept", "application/json"))}
}

// request is one API call, replayable as often as needed.
type request struct {
	method string
	path   string // with query
	body   []byte // nil for none
	// bodyOf, when set, makes the body afresh for each attempt (a push
	// stamps sent_at with the device's clock when it is sent).
	bodyOf func() []byte
	token  string      // access token; empty for public routes
	header http.Header // extra headers; they replace the defaults
}

// response is a fully read answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

var errNoServerURL = errors.New("mobileapi: Options.ServerURL is empty")

// do performs one round trip. A non-nil error means no usable answer came
// back (network failure, timeout, truncated body).
func (c *client) do(ctx context.Context, r request) (*response, error) {
	if c.api == nil {
		return nil, errNoServerURL
	}
	if r.bodyOf != nil {
		r.body = r.bodyOf()
	}
	h := http.Header{}
	if r.body != nil {
		h.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		h[k] = v
	}
	resp, err := c.api.SendAs(ctx, r.token, r.method, r.path, h, r.body)
	switch {
	case errors.Is(err, apiclient.ErrTooLarge):
		return nil, fmt.Errorf("%w: answer larger than %d bytes", ErrProtocol, maxResponseBody)
	case err != nil:
		return nil, fmt.Errorf("%s %s: %w", r.method, routeOf(r.path), err)
	}
	return &response{status: resp.Status, header: resp.Header, body: resp.Body}, nil
}

// apiError decodes the {"error":{code,message}} body, or makes one from the
// status when the body is not in that shape.
func (r *response) apiError() *syncproto.Error {
	var eb syncproto.ErrorBody
	if json.Unmarshal(r.body, &eb) == nil && eb.Error.Code != "" {
		e := eb.Error
		return &e
	}
	return syncproto.Errorf("http_"+syncproto.Code(strconv.Itoa(r.status)), "%s", http.StatusText(r.status))
}

// decode reads a 200 body into v.
func (r *response) decode(what string, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("%w: %s answer is not valid JSON", ErrProtocol, what)
	}
	return nil
}

// refused turns a non-retryable answer into an error that says what was
// refused and wraps the server's *syncproto.Error.
func refused(what string, r *response) error {
	e := r.apiError()
	if e.Code == syncproto.CodeUnsupportedProtocol {
		return fmt.Errorf("%s: %w", what, ErrUnsupportedProtocol)
	}
	return fmt.Errorf("%s: HTTP %d: %w: %w", what, r.status, ErrRefused, e)
}

// routeOf strips the query from a path, for error messages.
func routeOf(path string) string {
	if i := bytes.IndexByte([]byte(path), '?'); i >= 0 {
		return path[:i]
	}
	return path
}
