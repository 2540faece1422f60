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
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// adminDeviceID is the device the simulator's admin session is bound to.
const adminDeviceID = "courier-sim-admin"

// api makes plain JSON calls to the server, outside the flaky link. It
// retries what a well-behaved client retries: network errors, 429 (with
// Retry-After) and 5xx, a few times.
type api struct {
	base string
	http *http.Client
}

// apiError is a non-2xx answer.
type apiError struct {
	Status int
	Err    syncproto.Error
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Err.Code, e.Err.Message)
}

const apiAttempts = 6

// call sends in (nil for no body) and decodes a 2xx answer into out (nil to
// drop it). token may be empty for public routes.
func (a *api) call(ctx context.Context, method, path, token string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var last error
	for attempt := 1; attempt <= apiAttempts; attempt++ {
		wait, err := a.once(ctx, method, path, token, body, out)
		if err == nil {
			return nil
		}
		last = err
		var ae *apiError
		if errors.As(err, &ae) && ae.Status != http.StatusTooManyRequests && ae.Status < 500 {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if wait == 0 {
			wait = time.Duration(attempt) * 200 * time.Millisecond
		}
		if err := sleepCtx(ctx, min(wait, 70*time.Second)); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s %s: %w", method, path, last)
}

// once is one round trip; wait is the server's Retry-After, if any.
func (a *api) once(ctx context.Context, method, path, token string, body []byte, out any) (time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set(syncproto.ProtocolHeader, strconv.Itoa(syncproto.ProtocolVersion))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, err
	}
	if resp.StatusCode/100 != 2 {
		ae := &apiError{Status: resp.StatusCode}
		var eb syncproto.ErrorBody
		if json.Unmarshal(b, &eb) == nil && eb.Error.Code != "" {
			ae.Err = eb.Error
		} else {
			ae.Err = syncproto.Error{Code: "http_" + syncproto.Code(strconv.Itoa(resp.StatusCode)), Message: http.StatusText(resp.StatusCode)}
		}
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return time.Duration(secs) * time.Second, ae
	}
	if out == nil {
		return 0, nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return 0, fmt.Errorf("%s %s: answer is not the expected JSON: %w", method, path, err)
	}
	return 0, nil
}

// login opens a session for username on deviceID.
func (a *api) login(ctx context.Context, username, password, deviceID string) (*syncproto.TokenResponse, error) {
	var tok syncproto.TokenResponse
	err := a.call(ctx, http.MethodPost, "/v1/auth/login", "", &syncproto.LoginRequest{Username: username, Password: password, DeviceID: deviceID}, &tok)
	if err != nil {
		return nil, fmt.Errorf("log in as %s: %w", username, err)
	}
	return &tok, nil
}

// admin is a staff session of the simulator: the admin, who creates the
// accounts and reads the audit log, or the dispatcher and supervisor
// actors. It logs in again when its token expires.
type admin struct {
	api
	user, pass string
	// role is the role the account must have; device the device id the
	// session is bound to.
	role, device string

	mu    sync.Mutex
	token string
}

func newAdmin(a api, user, pass string) *admin {
	return newStaff(a, user, pass, syncproto.RoleAdmin, adminDeviceID)
}

// newStaff returns a session for a staff account with the given role.
func newStaff(a api, user, pass, role, device string) *admin {
	return &admin{api: a, user: user, pass: pass, role: role, device: device}
}

func (ad *admin) ensureLogin(ctx context.Context) (string, error) {
	ad.mu.Lock()
	defer ad.mu.Unlock()
	if ad.token != "" {
		return ad.token, nil
	}
	tok, err := ad.login(ctx, ad.user, ad.pass, ad.device)
	if err != nil {
		return "", err
	}
	if tok.Role != ad.role {
		return "", fmt.Errorf("log in as %s: role %q, need %s", ad.user, tok.Role, ad.role)
	}
	ad.token = tok.AccessToken
	return ad.token, nil
}

// authed makes a call with the admin token, logging in again once on 401.
func (ad *admin) authed(ctx context.Context, method, path string, in, out any) error {
	for try := 0; ; try++ {
		tok, err := ad.ensureLogin(ctx)
		if err != nil {
			return err
		}
		err = ad.call(ctx, method, path, tok, in, out)
		var ae *apiError
		if try == 0 && errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
			ad.mu.Lock()
			ad.token = ""
			ad.mu.Unlock()
			continue
		}
		return err
	}
}

// createCourier creates a courier account and returns its user id.
func (ad *admin) createCourier(ctx context.Context, username, password, displayName string) (string, error) {
	return ad.createUser(ctx, username, password, syncproto.RoleCourier, displayName)
}

// createUser creates an account with role and returns its user id.
func (ad *admin) createUser(ctx context.Context, username, password, role, displayName string) (string, error) {
	var u syncproto.User
	req := &syncproto.CreateUserRequest{Username: username, Password: password, Role: role, DisplayName: displayName}
	if err := ad.authed(ctx, http.MethodPost, "/v1/admin/users", req, &u); err != nil {
		return "", fmt.Errorf("create user %s: %w", username, err)
	}
	return u.UserID, nil
}

// auditOps reads the whole op audit trail, page by page, until has_more is
// false.
func (ad *admin) auditOps(ctx context.Context) ([]syncproto.AuditOp, error) {
	var all []syncproto.AuditOp
	cursor := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(syncproto.MaxPullLimit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page syncproto.AuditOpList
		if err := ad.authed(ctx, http.MethodGet, "/v1/audit/ops?"+q.Encode(), nil, &page); err != nil {
			return nil, fmt.Errorf("read audit ops: %w", err)
		}
		all = append(all, page.Ops...)
		if !page.HasMore {
			return all, nil
		}
		if page.Cursor == "" || page.Cursor == cursor {
			return nil, fmt.Errorf("read audit ops: has_more with a cursor that does not move (%q)", page.Cursor)
		}
		cursor = page.Cursor
	}
}

// fetched is a raw answer of a blob route.
type fetched struct {
	status int
	header http.Header
	body   []byte
}

// fetch makes a blob request as the admin: network failures, 429 and 5xx
// are retried a few times, a 401 logs in again once; any other answer,
// 202 included, is returned as it is.
func (ad *admin) fetch(ctx context.Context, method, path string) (*fetched, error) {
	var last error
	relogged := false
	for attempt := 1; attempt <= apiAttempts; attempt++ {
		tok, err := ad.ensureLogin(ctx)
		if err != nil {
			return nil, err
		}
		ans, err := ad.fetchOnce(ctx, method, path, tok)
		switch {
		case err != nil:
			last = err
		case ans.status == http.StatusUnauthorized && !relogged:
			relogged = true
			ad.mu.Lock()
			ad.token = ""
			ad.mu.Unlock()
			continue
		case ans.status == http.StatusTooManyRequests || ans.status >= 500:
			last = fmt.Errorf("HTTP %d", ans.status)
		default:
			return ans, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := sleepCtx(ctx, time.Duration(attempt)*200*time.Millisecond); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s %s: %w", method, path, last)
}

func (ad *admin) fetchOnce(ctx context.Context, method, path, token string) (*fetched, error) {
	req, err := http.NewRequestWithContext(ctx, method, ad.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(syncproto.ProtocolHeader, strconv.Itoa(syncproto.ProtocolVersion))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ad.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBlobRead))
	if err != nil {
		return nil, err
	}
	return &fetched{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
