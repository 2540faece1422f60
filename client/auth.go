package client

import (
	"context"
	"net/http"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Login opens a session for username on device and keeps its tokens (and,
// for WithRenewal, the credentials).
func (c *Client) Login(ctx context.Context, username, password, device string) (*syncproto.TokenResponse, error) {
	req := &syncproto.LoginRequest{Username: username, Password: password, DeviceID: device}
	tok, err := c.login(ctx, req)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.creds = req
	c.mu.Unlock()
	return tok, nil
}

func (c *Client) login(ctx context.Context, req *syncproto.LoginRequest) (*syncproto.TokenResponse, error) {
	var tok syncproto.TokenResponse
	if err := c.public(ctx, http.MethodPost, "/v1/auth/login", req, &tok); err != nil {
		return nil, err
	}
	c.keep(&tok)
	return &tok, nil
}

// Refresh trades the session's refresh token for a new pair and keeps it.
// Refresh tokens are single-use: a Client never presents one twice.
func (c *Client) Refresh(ctx context.Context) (*syncproto.TokenResponse, error) {
	c.renewMu.Lock()
	defer c.renewMu.Unlock()
	return c.refreshLocked(ctx)
}

func (c *Client) refreshLocked(ctx context.Context) (*syncproto.TokenResponse, error) {
	c.mu.Lock()
	rt := c.refresh
	c.refresh = "" // spent, whatever the answer
	c.mu.Unlock()
	if rt == "" {
		return nil, errNoSession
	}
	var tok syncproto.TokenResponse
	if err := c.public(ctx, http.MethodPost, "/v1/auth/refresh", &syncproto.RefreshRequest{RefreshToken: rt}, &tok); err != nil {
		return nil, err
	}
	c.keep(&tok)
	return &tok, nil
}

// Logout ends the session on the server and forgets its tokens.
func (c *Client) Logout(ctx context.Context) error {
	err := c.Do(ctx, http.MethodPost, "/v1/auth/logout", nil, nil)
	c.mu.Lock()
	c.access, c.refresh, c.creds = "", "", nil
	c.mu.Unlock()
	return err
}

// Role returns the role of the session's account ("" before a login).
func (c *Client) Role() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.role
}

// UserID returns the user id of the session's account.
func (c *Client) UserID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.userID
}

// PutPushToken registers the calling device's FCM token.
func (c *Client) PutPushToken(ctx context.Context, fcmToken string) error {
	return c.Do(ctx, http.MethodPut, "/v1/devices/self/push-token", &syncproto.PushTokenRequest{FCMToken: fcmToken}, nil)
}

func (c *Client) keep(tok *syncproto.TokenResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.access, c.refresh = tok.AccessToken, tok.RefreshToken
	if tok.Role != "" {
		c.role, c.userID = tok.Role, tok.UserID
	}
}

// public makes a call without a token (login, refresh).
func (c *Client) public(ctx context.Context, method, path string, in, out any) error {
	body, h, err := encode(in)
	if err != nil {
		return err
	}
	r, err := c.SendAs(ctx, "", method, path, h, body)
	if err != nil {
		return err
	}
	return r.decode(method, path, out)
}

// renewSession renews the session that failed with token, unless another
// request already did.
func (c *Client) renewSession(ctx context.Context, failed string) error {
	c.renewMu.Lock()
	defer c.renewMu.Unlock()
	if c.Token() != failed {
		return nil // renewed meanwhile
	}
	if _, err := c.refreshLocked(ctx); err == nil {
		return nil
	}
	c.mu.Lock()
	creds := c.creds
	c.mu.Unlock()
	if creds == nil {
		return errNoSession
	}
	_, err := c.login(ctx, creds)
	return err
}
