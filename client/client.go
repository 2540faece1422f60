package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// DefaultMaxBody bounds the answer bodies a Client reads (a blob original
// is at most 20 MiB; a page of 500 records is far less).
const DefaultMaxBody = 64 << 20

// Client speaks the /v1 API of one server. Its zero value is not usable:
// make one with New.
type Client struct {
	base     string
	http     *http.Client
	attempts int
	maxWait  time.Duration
	maxBody  int64
	renew    bool
	header   http.Header

	mu      sync.Mutex // guards the fields below
	access  string
	refresh string
	creds   *syncproto.LoginRequest
	role    string
	userID  string

	renewMu sync.Mutex // one renewal at a time
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the http.Client (transport, timeout). The default is
// http.DefaultClient.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRetries makes a request up to attempts times while it fails without
// an answer or with 429 or 5xx, waiting the server's Retry-After (at most
// maxWait) or a growing pause between tries. The default is one attempt.
// Only use it where repeating the request is harmless: pushes are (ops
// are exactly-once by op_id), so are PUTs and reads; a repeated POST that
// creates a record may create two.
func WithRetries(attempts int, maxWait time.Duration) Option {
	return func(c *Client) { c.attempts, c.maxWait = max(attempts, 1), maxWait }
}

// WithRenewal makes the client renew its session once when an
// authenticated request gets 401: with the refresh token, or failing that
// by logging in again with the credentials of the last Login; then the
// request is made again. Off by default, so a 401 is seen as it is.
func WithRenewal() Option { return func(c *Client) { c.renew = true } }

// WithToken starts the client with an access token (and no refresh
// token).
func WithToken(access string) Option { return func(c *Client) { c.access = access } }

// WithMaxBody bounds the answer bodies read (default DefaultMaxBody).
func WithMaxBody(n int64) Option { return func(c *Client) { c.maxBody = n } }

// WithHeader adds a header to every request (the protocol version header
// is always sent; this may override it).
func WithHeader(key, value string) Option { return func(c *Client) { c.header.Set(key, value) } }

// New returns a client of the server at base ("http://127.0.0.1:8080").
func New(base string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(base, "/"), http: http.DefaultClient, attempts: 1,
		maxWait: time.Minute, maxBody: DefaultMaxBody, header: http.Header{}}
	c.header.Set(syncproto.ProtocolHeader, strconv.Itoa(syncproto.ProtocolVersion))
	for _, o := range opts {
		o(c)
	}
	return c
}

// Base returns the server's base URL.
func (c *Client) Base() string { return c.base }

// Token returns the current access token ("" before a login).
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.access
}

// SetTokens replaces the session's tokens (refresh may be empty).
func (c *Client) SetTokens(access, refresh string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.access, c.refresh = access, refresh
}

// Response is a complete answer, whatever its status.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Err returns the answer as an *Error when it is not 2xx, else nil.
func (r *Response) Err(method, path string) error {
	if r.Status/100 == 2 {
		return nil
	}
	e := &Error{Method: method, Path: path, Status: r.Status}
	if p, _, ok := strings.Cut(path, "?"); ok {
		e.Path = p
	}
	var eb syncproto.ErrorBody
	if json.Unmarshal(r.Body, &eb) == nil && eb.Error.Code != "" {
		e.Code, e.Message = eb.Error.Code, eb.Error.Message
	}
	if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err == nil && secs >= 0 {
		e.RetryAfter = time.Duration(secs) * time.Second
	}
	return e
}

// Do sends in as JSON (nil: no body) with the session's token and decodes
// a 2xx answer into out (nil: drop it). Other answers are an *Error.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	body, h, err := encode(in)
	if err != nil {
		return err
	}
	r, err := c.Send(ctx, method, path, h, body)
	if err != nil {
		return err
	}
	return r.decode(method, path, out)
}

// decode turns a non-2xx answer into an *Error and decodes a 2xx one into
// out (nil: drop it).
func (r *Response) decode(method, path string, out any) error {
	if err := r.Err(method, path); err != nil {
		return err
	}
	if out == nil || r.Status == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		return fmt.Errorf("%s %s: answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}

// encode marshals in (nil: no body) and returns the header it needs.
func encode(in any) ([]byte, http.Header, error) {
	if in == nil {
		return nil, nil, nil
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, nil, err
	}
	return b, http.Header{"Content-Type": {"application/json"}}, nil
}

// Send makes the request with the session's token (retried and renewed as
// configured) and returns the answer whatever its status. The error is
// the transport's or the context's: the request got no complete answer.
func (c *Client) Send(ctx context.Context, method, path string, header http.Header, body []byte) (*Response, error) {
	for renewed := false; ; renewed = true {
		token := c.Token()
		r, err := c.sendRetrying(ctx, method, path, token, header, body)
		if err != nil || r.Status != http.StatusUnauthorized || token == "" || !c.renew || renewed {
			return r, err
		}
		if err := c.renewSession(ctx, token); err != nil {
			return r, nil // the caller sees the 401
		}
	}
}

// SendAs is Send with an explicit token instead of the session's ("" for
// none), without renewal.
func (c *Client) SendAs(ctx context.Context, token, method, path string, header http.Header, body []byte) (*Response, error) {
	return c.sendRetrying(ctx, method, path, token, header, body)
}

func (c *Client) sendRetrying(ctx context.Context, method, path, token string, header http.Header, body []byte) (*Response, error) {
	for attempt := 1; ; attempt++ {
		r, err := c.once(ctx, method, path, token, header, body)
		if err != nil && ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		retry := err != nil || r.Status == http.StatusTooManyRequests || r.Status >= 500
		if !retry || attempt >= c.attempts {
			return r, err
		}
		wait := time.Duration(attempt) * 200 * time.Millisecond
		if err == nil {
			if e, ok := r.Err(method, path).(*Error); ok && e.RetryAfter > 0 {
				wait = e.RetryAfter
			}
		}
		if err := sleep(ctx, min(wait, c.maxWait)); err != nil {
			return nil, err
		}
	}
}

func (c *Client) once(ctx context.Context, method, path, token string, header http.Header, body []byte) (*Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := readBody(resp, c.maxBody)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > c.maxBody {
		return nil, fmt.Errorf("%s %s: %w (%d bytes)", method, path, ErrTooLarge, c.maxBody)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// stream makes a GET-like request with the session's token (no retries:
// w may have been written to) and copies a 2xx body to w; other answers
// are an *Error.
func (c *Client) stream(ctx context.Context, method, path string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if token := c.Token(); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
		return 0, r.Err(method, path)
	}
	return io.Copy(w, resp.Body)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// escape is url.PathEscape of one path segment.
func escape(s string) string { return url.PathEscape(s) }

// query returns "?"+q encoded, or "" for no values.
func query(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// ErrTooLarge is an answer whose body is over the client's bound
// (WithMaxBody): the request got no usable answer.
var ErrTooLarge = errors.New("client: answer larger than the bound")

var errNoSession = errors.New("client: no refresh token and no credentials to renew the session")

// readBody reads at most max+1 bytes of resp's body into a buffer sized by
// Content-Length when the server gave one within max, with bytes.MinRead to
// spare so the read that meets the end needs no growth (a pull page of 500
// changes grew through a dozen copies in io.ReadAll). A HEAD answer
// announces a length and has no body: it reads as empty.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > max {
		n = 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, max+1))
	return buf.Bytes(), err
}
