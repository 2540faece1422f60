package mobileapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Keys of the auth bucket.
var (
	// keySession holds the session tokens, so that a restarted process
	// resumes the session. Passwords are never stored.
	keySession = []byte("session")
	// keySessionEpoch counts the sessions stored (logins and refreshes).
	keySessionEpoch = []byte("session_epoch")
)

// session is a pair of tokens from login or refresh.
type session struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	UserID  string `json:"user_id,omitempty"`
	Role    string `json:"role,omitempty"`
	// Epoch numbers the pairs this file has stored, so that what was done
	// with one session (registering the push token) can be redone after a
	// login or refresh.
	Epoch uint64 `json:"epoch,omitempty"`
}

// sender performs one request: send (retrying transient failures) or
// sendOnce.
type sender func(ctx context.Context, what string, r request) (*response, error)

// errRefreshRefused means the refresh token is spent or revoked: log in.
var errRefreshRefused = errors.New("refresh token refused")

// authed performs an authorized request. On 401 it renews the session
// (refresh, else log in) and resends the same request, at most
// maxAuthRenewals times. Transient failures are retried by send.
func (o *Outbox) authed(ctx context.Context, what, method, path string, body []byte) (*response, error) {
	resp, _, err := o.authedBy(ctx, what, request{method: method, path: path, body: body}, o.send)
	return resp, err
}

// authedBy is authed with the sender as a parameter. It also returns the
// session whose access token got the answer.
func (o *Outbox) authedBy(ctx context.Context, what string, r request, send sender) (*response, *session, error) {
	s, err := o.session(ctx)
	if err != nil {
		return nil, nil, err
	}
	for renewals := 0; ; renewals++ {
		r.token = s.Access
		resp, err := send(ctx, what, r)
		if err != nil {
			return nil, nil, err
		}
		if resp.status != http.StatusUnauthorized {
			return resp, s, nil
		}
		if renewals >= maxAuthRenewals {
			return nil, nil, fmt.Errorf("%s: %w: still unauthorized with a new session", what, ErrAuth)
		}
		if s, err = o.renew(ctx, s); err != nil {
			return nil, nil, err
		}
	}
}

// session returns the stored session, logging in when there is none.
func (o *Outbox) session(ctx context.Context) (*session, error) {
	s, err := o.storedSession()
	if err != nil || s.Access != "" {
		return s, err
	}
	o.authMu.Lock()
	defer o.authMu.Unlock()
	if s, err = o.storedSession(); err != nil || s.Access != "" {
		return s, err // another caller logged in meanwhile
	}
	return o.login(ctx)
}

// storedSession reads the session from the file; a zero session if none.
func (o *Outbox) storedSession() (*session, error) {
	var s session
	err := o.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketAuth).Get(keySession); v != nil {
			return json.Unmarshal(v, &s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// renew replaces a session whose access token was refused: with the refresh
// token if it is still good, else by logging in again. Renewals are
// serialized, and a session another caller (Sync and a photo upload run
// apart) renewed meanwhile is used as it is: refresh tokens are single-use,
// and presenting a spent one revokes the session.
func (o *Outbox) renew(ctx context.Context, s *session) (*session, error) {
	o.authMu.Lock()
	defer o.authMu.Unlock()
	cur, err := o.storedSession()
	if err != nil {
		return nil, err
	}
	if cur.Access != "" && cur.Access != s.Access {
		return cur, nil
	}
	if s.Refresh != "" {
		ns, err := o.refresh(ctx, s.Refresh)
		if !errors.Is(err, errRefreshRefused) {
			return ns, err
		}
	}
	return o.login(ctx)
}

// refresh trades a refresh token for a new pair. Refresh tokens are single
// use: the new pair is committed before it is used. A refused token (spent,
// or its session revoked) drops the stored session.
func (o *Outbox) refresh(ctx context.Context, token string) (*session, error) {
	body, err := json.Marshal(&syncproto.RefreshRequest{RefreshToken: token})
	if err != nil {
		return nil, err
	}
	resp, err := o.send(ctx, "refresh", request{method: http.MethodPost, path: "/v1/auth/refresh", body: body})
	if err != nil {
		return nil, err
	}
	switch resp.status {
	case http.StatusOK:
		return o.storeSession(resp, "refresh")
	case http.StatusUnauthorized, http.StatusBadRequest, http.StatusForbidden:
		if err := o.saveSession(nil); err != nil {
			return nil, err
		}
		return nil, errRefreshRefused
	default:
		return nil, refused("refresh", resp)
	}
}

// login starts a new session with Options.Username and Password.
func (o *Outbox) login(ctx context.Context) (*session, error) {
	if o.cfg.username == "" || o.cfg.password == "" {
		return nil, ErrNotLoggedIn
	}
	body, err := json.Marshal(&syncproto.LoginRequest{
		Username: o.cfg.username, Password: o.cfg.password, DeviceID: o.cfg.deviceID,
	})
	if err != nil {
		return nil, err
	}
	resp, err := o.send(ctx, "login", request{method: http.MethodPost, path: "/v1/auth/login", body: body})
	if err != nil {
		return nil, err
	}
	switch resp.status {
	case http.StatusOK:
		return o.storeSession(resp, "login")
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("login: %w", ErrAuth)
	default:
		return nil, refused("login", resp)
	}
}

// storeSession decodes a token answer and commits it.
func (o *Outbox) storeSession(resp *response, what string) (*session, error) {
	var tr syncproto.TokenResponse
	if err := resp.decode(what, &tr); err != nil {
		return nil, err
	}
	if tr.AccessToken == "" {
		return nil, fmt.Errorf("%w: %s answer has no access token", ErrProtocol, what)
	}
	s := &session{Access: tr.AccessToken, Refresh: tr.RefreshToken, UserID: tr.UserID, Role: tr.Role}
	if err := o.saveSession(s); err != nil {
		return nil, err
	}
	return s, nil
}

// saveSession commits s with the next epoch, or deletes the stored session
// when s is nil.
func (o *Outbox) saveSession(s *session) error {
	return o.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAuth)
		if s == nil {
			return b.Delete(keySession)
		}
		epoch := getU64(b.Get(keySessionEpoch)) + 1
		if err := b.Put(keySessionEpoch, u64(epoch)); err != nil {
			return err
		}
		s.Epoch = epoch
		enc, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return b.Put(keySession, enc)
	})
}
