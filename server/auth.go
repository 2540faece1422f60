package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// AuthConfig holds the auth settings.
type AuthConfig struct {
	AccessTTL  time.Duration // at most 15 minutes
	SessionTTL time.Duration // how long a refresh-token family lives
}

// Auth is the login, refresh and account service.
type Auth struct {
	Users     UserStore
	Sessions  SessionStore
	Tokens    TokenSigner
	Passwords PasswordHasher
	Clock     Clock
	Config    AuthConfig
	Throttle  *LoginThrottle
}

// Login checks credentials and opens a session bound to deviceID.
func (a *Auth) Login(ctx context.Context, req *syncproto.LoginRequest) (*syncproto.TokenResponse, error) {
	if req.Username == "" || req.Password == "" || req.DeviceID == "" || len(req.DeviceID) > 128 {
		return nil, Invalid("username, password and device_id are required")
	}
	now := a.Clock.Now()
	if wait := a.Throttle.Wait(req.Username, now); wait > 0 {
		return nil, &RetryAfterError{Err: syncproto.Errorf(syncproto.CodeRateLimited, "too many failed logins; retry later"), After: wait}
	}
	u, err := a.Users.UserByName(ctx, req.Username)
	if err != nil && err != ErrNotFound {
		return nil, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if !a.Passwords.Compare(hash, req.Password) || u.Disabled {
		a.Throttle.Fail(req.Username, now)
		return nil, ErrBadCredentials
	}
	a.Throttle.Succeed(req.Username)
	s := &Session{
		ID:        randomID(16),
		UserID:    u.ID,
		Role:      u.Role,
		DeviceID:  req.DeviceID,
		CreatedAt: now,
		ExpiresAt: now.Add(a.Config.SessionTTL),
		UserGen:   u.SessionGen,
	}
	refresh := s.ID + "." + randomID(32)
	s.RefreshHash = HashToken(refresh)
	if err := a.Sessions.CreateSession(ctx, s); err != nil {
		return nil, err
	}
	return a.pair(s, refresh)
}

// Refresh rotates a refresh token. A spent token revokes its session.
func (a *Auth) Refresh(ctx context.Context, token string) (*syncproto.TokenResponse, error) {
	sid, _, ok := strings.Cut(token, ".")
	if !ok || sid == "" {
		return nil, ErrUnauthorized
	}
	next := sid + "." + randomID(32)
	s, err := a.Sessions.RotateRefresh(ctx, sid, HashToken(token), HashToken(next), a.Clock.Now())
	if err != nil {
		if err == ErrNotFound {
			return nil, ErrUnauthorized
		}
		return nil, err
	}
	if !a.live(ctx, s) {
		return nil, ErrUnauthorized
	}
	return a.pair(s, next)
}

// Logout revokes the session a refresh token belongs to. Unknown tokens are
// ignored, so logout is idempotent.
func (a *Auth) Logout(ctx context.Context, p Principal) error {
	return a.Sessions.RevokeSession(ctx, p.SessionID, a.Clock.Now())
}

// Authenticate verifies an access token and checks its session is live.
func (a *Auth) Authenticate(ctx context.Context, token string) (Principal, error) {
	c, err := a.Tokens.Verify(token)
	if err != nil {
		return Principal{}, ErrUnauthorized
	}
	s, err := a.Sessions.Session(ctx, c.SessionID)
	if err != nil || s.RevokedAt != nil || s.UserID != c.UserID || s.DeviceID != c.DeviceID || !a.live(ctx, s) {
		return Principal{}, ErrUnauthorized
	}
	return Principal{UserID: c.UserID, Role: c.Role, DeviceID: c.DeviceID, SessionID: c.SessionID}, nil
}

// live reports whether the account of s is active and s was opened under
// its current session generation: disabling an account, changing its role
// or resetting its password ends its sessions at once, access tokens
// included.
func (a *Auth) live(ctx context.Context, s *Session) bool {
	u, err := a.Users.UserByID(ctx, s.UserID)
	return err == nil && u.Live(s.UserGen)
}

// CreateUser validates and stores a new account.
func (a *Auth) CreateUser(ctx context.Context, req *syncproto.CreateUserRequest) (*User, error) {
	if err := ValidateNewUser(req); err != nil {
		return nil, err
	}
	hash, err := a.Passwords.Hash(req.Password)
	if err != nil {
		return nil, err
	}
	u := &User{Username: req.Username, Role: req.Role, DisplayName: req.DisplayName, PasswordHash: hash, CreatedAt: a.Clock.Now()}
	if err := a.Users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Bootstrap creates the admin spec ("username:password") when the store has
// no users. It reports whether it created one.
func (a *Auth) Bootstrap(ctx context.Context, spec string) (bool, error) {
	if spec == "" {
		return false, nil
	}
	name, pw, ok := strings.Cut(spec, ":")
	if !ok {
		return false, Invalid("bootstrap admin: want username:password")
	}
	n, err := a.Users.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	_, err = a.CreateUser(ctx, &syncproto.CreateUserRequest{Username: name, Password: pw, Role: syncproto.RoleAdmin})
	return err == nil, err
}

func (a *Auth) pair(s *Session, refresh string) (*syncproto.TokenResponse, error) {
	exp := a.Clock.Now().Add(a.Config.AccessTTL)
	access, err := a.Tokens.Issue(Claims{UserID: s.UserID, Role: s.Role, DeviceID: s.DeviceID, SessionID: s.ID, ExpiresAt: exp})
	if err != nil {
		return nil, err
	}
	return &syncproto.TokenResponse{
		AccessToken:  access,
		RefreshToken: refresh,
		TokenType:    "Bearer",
		ExpiresIn:    int64(a.Config.AccessTTL / time.Second),
		UserID:       s.UserID,
		Role:         s.Role,
	}, nil
}

// HashToken returns the SHA-256 of a refresh token, the only form stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	if n <= 16 {
		return hex.EncodeToString(b)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewID returns a random identifier with the given prefix, for records that
// need an opaque id.
func NewID(prefix string) string { return prefix + randomID(8) }

// RetryAfterError is an error that tells the client when to retry.
type RetryAfterError struct {
	Err   *syncproto.Error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }

// Unwrap returns the protocol error.
func (e *RetryAfterError) Unwrap() error { return e.Err }
