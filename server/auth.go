package server

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// AuthConfig holds the auth settings.
type AuthConfig struct {
	AccessTTL  time.Duration // at most 15 minutes
	SessionTTL time.Duration // how long a refresh-token family lives
	// RefreshGrace is how long a just-rotated refresh token may be
	// presented again and get the same new token (a phone that lost the
	// answer retries); 0 means DefaultRefreshGrace, negative none.
	RefreshGrace time.Duration
}

// DefaultRefreshGrace is the default AuthConfig.RefreshGrace.
const DefaultRefreshGrace = time.Minute

// Login input bounds, checked before anything is stored, hashed or looked
// up: no account can have a longer username (ValidateNewUser) or password
// (bcrypt reads 72 bytes; creation refuses more).
const (
	MaxUsernameBytes = 64
	MaxPasswordBytes = 72
	MaxDeviceIDBytes = 128
)

// Auth is the login, refresh and account service.
type Auth struct {
	Users     UserStore
	Sessions  SessionStore
	Tokens    TokenSigner
	Passwords PasswordHasher
	Clock     Clock
	Config    AuthConfig
	Throttle  *LoginThrottle
	// Gate bounds concurrent password checks; nil means unbounded.
	Gate *PasswordGate
}

// ValidateLogin checks a login request's shape: every field present and
// within its bound.
func ValidateLogin(req *syncproto.LoginRequest) error {
	switch {
	case req.Username == "" || req.Password == "" || req.DeviceID == "":
		return Invalid("username, password and device_id are required")
	case len(req.Username) > MaxUsernameBytes:
		return Invalid("username: at most 64 bytes")
	case len(req.Password) > MaxPasswordBytes:
		return Invalid("password: at most 72 bytes")
	case len(req.DeviceID) > MaxDeviceIDBytes:
		return Invalid("device_id: at most 128 bytes")
	}
	return nil
}

// Login checks credentials and opens a session bound to deviceID. from is
// the client's address, for the throttle.
func (a *Auth) Login(ctx context.Context, req *syncproto.LoginRequest, from string) (*syncproto.TokenResponse, error) {
	if err := ValidateLogin(req); err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	if err := a.throttled(ctx, req, from, now); err != nil {
		return nil, err
	}
	u, err := a.Users.UserByName(ctx, req.Username)
	if err != nil && err != ErrNotFound {
		return nil, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	ok := false
	if err := a.Gate.Do(ctx, func() { ok = a.Passwords.Compare(hash, req.Password) }); err != nil {
		return nil, err
	}
	if !ok || u.Disabled {
		a.Throttle.Fail(req.Username, from, now)
		return nil, ErrBadCredentials
	}
	a.Throttle.Succeed(req.Username, from)
	s := &Session{
		ID:        randomID(16),
		UserID:    u.ID,
		Role:      u.Role,
		DeviceID:  req.DeviceID,
		CreatedAt: now,
		ExpiresAt: now.Add(a.Config.SessionTTL),
		UserGen:   u.SessionGen,
		Secret:    randomBytes(32),
	}
	refresh := s.ID + "." + randomID(32)
	s.RefreshHash = HashToken(refresh)
	if err := a.Sessions.CreateSession(ctx, s); err != nil {
		return nil, err
	}
	return a.pair(s, refresh)
}

// throttled refuses a login while its username is blocked from this
// address, or, for a device not bound to the account, from everywhere.
func (a *Auth) throttled(ctx context.Context, req *syncproto.LoginRequest, from string, now time.Time) error {
	v := a.Throttle.Check(req.Username, from, now)
	wait := v.Wait
	if v.UserWait > 0 && wait == 0 {
		owner, err := a.Sessions.DeviceOwner(ctx, req.DeviceID)
		if err != nil {
			return err
		}
		if u, err := a.Users.UserByName(ctx, req.Username); err != nil || owner == "" || owner != u.ID {
			wait = v.UserWait
		}
	}
	if wait > 0 {
		return &RetryAfterError{Err: syncproto.Errorf(syncproto.CodeRateLimited, "too many failed logins; retry later"), After: wait}
	}
	return nil
}

// Refresh rotates a refresh token. A spent token revokes its session; the
// token just rotated, presented again within the grace window, gets the
// same new token. Tokens that match nothing cost a read, never a write.
func (a *Auth) Refresh(ctx context.Context, token string) (*syncproto.TokenResponse, error) {
	sid, _, ok := strings.Cut(token, ".")
	if !ok || sid == "" || len(token) > 256 {
		return nil, ErrUnauthorized
	}
	now := a.Clock.Now()
	s, err := a.Sessions.Session(ctx, sid)
	if err != nil {
		if err == ErrNotFound {
			return nil, ErrUnauthorized
		}
		return nil, err
	}
	old := HashToken(token)
	grace := a.grace()
	next := sid + "." + randomID(32)
	if len(s.Secret) > 0 {
		next = nextRefresh(s.Secret, token)
	}
	switch {
	case s.RevokedAt != nil || !now.Before(s.ExpiresAt):
		return nil, ErrUnauthorized
	case len(s.Secret) > 0 && bytes.Equal(s.PrevHash, old) && bytes.Equal(s.RefreshHash, HashToken(next)) && now.Sub(s.RotatedAt) <= grace:
		return a.pair(s, next) // a retry: the same new token, nothing written
	case !bytes.Equal(s.RefreshHash, old) && !containsHash(s.UsedHashes, old):
		return nil, ErrUnauthorized // never issued: no write
	}
	s, err = a.Sessions.RotateRefresh(ctx, sid, old, HashToken(next), now, grace)
	if err != nil {
		if err == ErrNotFound {
			return nil, ErrUnauthorized
		}
		return nil, err
	}
	if live, err := a.live(ctx, s); err != nil || !live {
		return nil, cmp.Or[error](err, ErrUnauthorized)
	}
	return a.pair(s, next)
}

func (a *Auth) grace() time.Duration {
	switch g := a.Config.RefreshGrace; {
	case g == 0:
		return DefaultRefreshGrace
	case g < 0:
		return -1
	default:
		return g
	}
}

// nextRefresh derives the token that follows token in its session: the
// same input always gives the same output, so a retried refresh gets the
// token the first attempt was given; without the session's secret it
// cannot be computed.
func nextRefresh(secret []byte, token string) string {
	sid, _, _ := strings.Cut(token, ".")
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(token))
	return sid + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func containsHash(list [][]byte, h []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, h) {
			return true
		}
	}
	return false
}

// Logout revokes the session a refresh token belongs to. Unknown tokens are
// ignored, so logout is idempotent.
func (a *Auth) Logout(ctx context.Context, p Principal) error {
	return a.Sessions.RevokeSession(ctx, p.SessionID, a.Clock.Now())
}

// Authenticate verifies an access token and checks its session is live.
// A store that fails is an error of its own (500), never taken for a dead
// session: a disk fault must not send every device to sign in again.
func (a *Auth) Authenticate(ctx context.Context, token string) (Principal, error) {
	c, err := a.Tokens.Verify(token)
	if err != nil {
		return Principal{}, ErrUnauthorized
	}
	s, err := a.Sessions.Session(ctx, c.SessionID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Principal{}, ErrUnauthorized
	case err != nil:
		return Principal{}, err
	case s.RevokedAt != nil || s.UserID != c.UserID || s.DeviceID != c.DeviceID:
		return Principal{}, ErrUnauthorized
	}
	if live, err := a.live(ctx, s); err != nil || !live {
		return Principal{}, cmp.Or[error](err, ErrUnauthorized)
	}
	return Principal{UserID: c.UserID, Role: c.Role, DeviceID: c.DeviceID, SessionID: c.SessionID}, nil
}

// live reports whether the account of s is active and s was opened under
// its current session generation: disabling an account, changing its role
// or resetting its password ends its sessions at once, access tokens
// included. An account that no longer exists is not live; a store that
// fails is an error.
func (a *Auth) live(ctx context.Context, s *Session) (bool, error) {
	u, err := a.Users.UserByID(ctx, s.UserID)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return u.Live(s.UserGen), nil
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

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return b
}

func randomID(n int) string {
	b := randomBytes(n)
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
