package server

import (
	"context"
	"time"
)

// Session is one device's login: the refresh-token family of a user on a
// device. Only hashes of refresh tokens are stored.
type Session struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	Role        string     `json:"role"`
	DeviceID    string     `json:"device_id"`
	CreatedAt   time.Time  `json:"created_at"`
	RefreshHash []byte     `json:"refresh_hash"`
	UsedHashes  [][]byte   `json:"used_hashes,omitempty"`
	ExpiresAt   time.Time  `json:"expires_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	// UserGen is the account's SessionGen when the session opened.
	UserGen uint64 `json:"user_gen,omitempty"`
	// LastSeenAt is the last login or refresh of the session.
	LastSeenAt time.Time `json:"last_seen_at,omitzero"`
}

// MaxUsedHashes bounds how many spent refresh-token hashes a session keeps
// for reuse detection.
const MaxUsedHashes = 64

// SessionStore keeps device sessions.
type SessionStore interface {
	// CreateSession stores s.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session or ErrNotFound.
	Session(ctx context.Context, id string) (*Session, error)
	// RotateRefresh atomically replaces the session's current refresh hash
	// old with next. When old is a spent hash of the session it revokes the
	// session and returns ErrRefreshReused; when the session is revoked,
	// expired or old is unknown it returns ErrUnauthorized.
	RotateRefresh(ctx context.Context, id string, old, next []byte, now time.Time) (*Session, error)
	// RevokeSession revokes the session (idempotent).
	RevokeSession(ctx context.Context, id string, now time.Time) error
}

// Claims are what an access token says about its bearer.
type Claims struct {
	UserID    string
	Role      string
	DeviceID  string
	SessionID string
	ExpiresAt time.Time
}

// TokenSigner issues and verifies access tokens.
type TokenSigner interface {
	// Issue signs an access token for c.
	Issue(c Claims) (string, error)
	// Verify checks signature, algorithm, issuer, audience and expiry.
	Verify(token string) (Claims, error)
}
