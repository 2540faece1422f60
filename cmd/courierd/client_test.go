//go:build unix

package main

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
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// apiClient speaks the v1 wire protocol to courierd over loopback.
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
	return &apiClient{http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
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

// send makes one request. The error is a *wireError, or the context's.
func (c *apiClient) send(ctx context.Context, method, base, path, token string, in any) (reply, error) {
	return c.sendWith(ctx, method, base, path, token, in, nil)
}

// sendWith is send with a hook called once the status line and headers
// have arrived; when it returns true the body is not read and the request
// counts as unanswered (errDropped).
func (c *apiClient) sendWith(ctx context.Context, method, base, path, token string, in any, onHeaders func(status int) (drop bool)) (reply, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return reply{}, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return reply{}, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(syncproto.ProtocolHeader, strconv.Itoa(syncproto.ProtocolVersion))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return reply{}, context.Cause(ctx)
		}
		return reply{}, &wireError{err}
	}
	defer resp.Body.Close()
	if onHeaders != nil && onHeaders(resp.StatusCode) {
		return reply{}, &wireError{errDropped}
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return reply{}, context.Cause(ctx)
		}
		return reply{}, &wireError{err}
	}
	return reply{status: resp.StatusCode, body: b}, nil
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
	r, err := c.send(ctx, http.MethodPost, base, "/v1/auth/login", "",
		syncproto.LoginRequest{Username: username, Password: password, DeviceID: device})
	if err != nil {
		return "", err
	}
	var tok syncproto.TokenResponse
	if err := r.decode(http.StatusOK, &tok); err != nil {
		return "", fmt.Errorf("login %s on %s: %w", username, device, err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" {
		return "", fmt.Errorf("login %s: token response %+v", username, tok)
	}
	return tok.AccessToken, nil
}

// createCourier creates a courier account as the admin.
func (c *apiClient) createCourier(ctx context.Context, base, adminToken, username, password string) (syncproto.User, error) {
	r, err := c.send(ctx, http.MethodPost, base, "/v1/admin/users", adminToken,
		syncproto.CreateUserRequest{Username: username, Password: password, Role: syncproto.RoleCourier})
	if err != nil {
		return syncproto.User{}, err
	}
	var u syncproto.User
	if err := r.decode(http.StatusCreated, &u); err != nil {
		return u, fmt.Errorf("create courier %s: %w", username, err)
	}
	return u, nil
}

// auditOps reads the whole op audit trail, page by page, as the admin,
// logging in again when the session is no longer known.
func (c *apiClient) auditOps(ctx context.Context, base string) ([]syncproto.AuditOp, error) {
	token, err := c.login(ctx, base, adminUser, adminPassword, "admin-console")
	if err != nil {
		return nil, err
	}
	var all []syncproto.AuditOp
	cursor := ""
	for page := 0; ; page++ {
		r, err := c.send(ctx, http.MethodGet, base, "/v1/audit/ops?limit=500&cursor="+url.QueryEscape(cursor), token, nil)
		if err != nil {
			return nil, err
		}
		var list syncproto.AuditOpList
		if err := r.decode(http.StatusOK, &list); err != nil {
			return nil, fmt.Errorf("audit page %d: %w", page, err)
		}
		all = append(all, list.Ops...)
		if !list.HasMore {
			return all, nil
		}
		if list.Cursor == cursor || len(list.Ops) == 0 {
			return nil, fmt.Errorf("audit page %d: has_more with cursor %q not moving", page, list.Cursor)
		}
		cursor = list.Cursor
	}
}
