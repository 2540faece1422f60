//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// apiClient speaks the v1 wire protocol to courierd over loopback, through
// client, on a transport that can drop an answer unread.
type apiClient struct {
	http *http.Client
}

func newAPIClient(t *testing.T) *apiClient {
	tr := &http.Transport{
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     30 * time.Second,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &apiClient{http: &http.Client{Transport: &dropper{tr}, Timeout: 30 * time.Second}}
}

// to returns a client of the server at base on c's transport.
func (c *apiClient) to(base string, opts ...client.Option) *client.Client {
	return client.New(base, append([]client.Option{client.WithHTTPClient(c.http)}, opts...)...)
}

// reply is a complete HTTP response. A request that got no complete
// response (refused, reset, cut short by a crash) is a wireError instead.
type reply struct {
	status int
	body   []byte
}

// wireError is a request that got no complete response.
type wireError struct{ err error }

func (e *wireError) Error() string { return "no complete response: " + e.err.Error() }
func (e *wireError) Unwrap() error { return e.err }

// errDropped is a response the client threw away unread, as a handheld
// does when the server dies before the device has read the answer.
var errDropped = errors.New("response dropped unread")

// dropKey carries a request's onHeaders hook in its context.
type dropKey struct{}

// dropper is a transport that asks the request's hook, once the status
// line and headers have arrived, whether to throw the answer away unread.
type dropper struct{ http.RoundTripper }

func (d *dropper) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.RoundTripper.RoundTrip(r)
	if hook, ok := r.Context().Value(dropKey{}).(func(int) bool); ok && err == nil && hook(resp.StatusCode) {
		resp.Body.Close()
		return nil, errDropped
	}
	return resp, err
}

// wire turns an error of the client that is not an answer into a
// *wireError (or the context's cause).
func wire(ctx context.Context, err error) error {
	var ae *client.Error
	switch {
	case err == nil || errors.As(err, &ae):
		return err
	case ctx.Err() != nil:
		return context.Cause(ctx)
	default:
		return &wireError{err}
	}
}

// send makes one request. The error is a *wireError, or the context's.
func (c *apiClient) send(ctx context.Context, method, base, path, token string, in any) (reply, error) {
	return c.sendWith(ctx, method, base, path, token, in, nil)
}

// sendWith is send with a hook called once the status line and headers
// have arrived; when it returns true the body is not read and the request
// counts as unanswered (errDropped).
func (c *apiClient) sendWith(ctx context.Context, method, base, path, token string, in any, onHeaders func(status int) (drop bool)) (reply, error) {
	var body []byte
	var h http.Header
	switch v := in.(type) {
	case nil:
	case json.RawMessage:
		body, h = v, http.Header{"Content-Type": {"application/json"}}
	default:
		b, err := json.Marshal(in)
		if err != nil {
			return reply{}, err
		}
		body, h = b, http.Header{"Content-Type": {"application/json"}}
	}
	if onHeaders != nil {
		ctx = context.WithValue(ctx, dropKey{}, onHeaders)
	}
	r, err := c.to(base).SendAs(ctx, token, method, path, h, body)
	if err != nil {
		return reply{}, wire(ctx, err)
	}
	return reply{status: r.Status, body: r.Body}, nil
}

// decode unmarshals a 2xx body into out, or describes the error body.
func (r reply) decode(want int, out any) error {
	if r.status != want {
		var eb syncproto.ErrorBody
		_ = json.Unmarshal(r.body, &eb)
		return fmt.Errorf("status %d (want %d), code %q: %s", r.status, want, eb.Error.Code, eb.Error.Message)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		return fmt.Errorf("status %d with a body that does not decode: %v", r.status, err)
	}
	return nil
}

// login opens a session for username on device and returns the access
// token.
func (c *apiClient) login(ctx context.Context, base, username, password, device string) (string, error) {
	tok, err := c.to(base).Login(ctx, username, password, device)
	if err != nil {
		return "", fmt.Errorf("login %s on %s: %w", username, device, wire(ctx, err))
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" {
		return "", fmt.Errorf("login %s: token response %+v", username, tok)
	}
	return tok.AccessToken, nil
}

// createCourier creates a courier account as the admin.
func (c *apiClient) createCourier(ctx context.Context, base, adminToken, username, password string) (syncproto.User, error) {
	u, err := c.to(base, client.WithToken(adminToken)).CreateUser(ctx,
		&syncproto.CreateUserRequest{Username: username, Password: password, Role: syncproto.RoleCourier})
	if err != nil {
		return syncproto.User{}, fmt.Errorf("create courier %s: %w", username, wire(ctx, err))
	}
	return *u, nil
}

// auditOps reads the whole op audit trail, page by page, as the admin.
func (c *apiClient) auditOps(ctx context.Context, base string) ([]syncproto.AuditOp, error) {
	admin := c.to(base)
	if _, err := admin.Login(ctx, adminUser, adminPassword, "admin-console"); err != nil {
		return nil, wire(ctx, err)
	}
	all, err := admin.AllAuditOps(ctx, url.Values{"limit": {"500"}})
	return all, wire(ctx, err)
}
