package server

import (
	"context"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Session is one device's login: the refresh-token family of a user on a
// device. Only hashes of refresh tokens are stored.
type Session struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id"`
	Role        string    `json:"role"`
	DeviceID    string    `json:"device_id"`
	CreatedAt   time.Time `json:"created_at"`
	RefreshHash []byte    `json:"refresh_hash"`
	UsedHashes  [][]byte  `json:"used_hashes,omitempty"`
	// PrevHash is the hash of the token RefreshHash replaced, at
	// RotatedAt: presented again within the grace window (a phone that
	// lost the answer), it gets the same new token instead of revoking.
	PrevHash  []byte    `json:"prev_hash,omitempty"`
	RotatedAt time.Time `json:"rotated_at,omitzero"`
	// Secret keys the derivation of each next refresh token from the
	// current one, so a retry gets the same token (empty in sessions made
	// before the grace window existed: they rotate to random tokens).
	Secret    []byte     `json:"secret,omitempty"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
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
	// CreateSession stores s. A device id bound to another user →
	// ErrDeviceTaken; a courier's first session binds an unbound device id
	// to the courier, in the same transaction.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session or ErrNotFound.
	Session(ctx context.Context, id string) (*Session, error)
	// RotateRefresh atomically replaces the session's current refresh hash
	// old with next (keeping old as PrevHash, at now). When old is PrevHash
	// rotated at most grace ago and next is already current (a concurrent
	// or retried refresh of one token), it returns the session unchanged.
	// When old is a spent hash of the session it revokes the session and
	// returns ErrRefreshReused; when the session is revoked, expired or old
	// is unknown it returns ErrUnauthorized.
	RotateRefresh(ctx context.Context, id string, old, next []byte, now time.Time, grace time.Duration) (*Session, error)
	// RevokeSession revokes the session (idempotent).
	RevokeSession(ctx context.Context, id string, now time.Time) error
	// DeviceOwner returns the id of the user a device id is bound to, or
	// "" when it is bound to nobody.
	DeviceOwner(ctx context.Context, deviceID string) (string, error)
	// ReleaseDevice unbinds a device id (idempotent), so another user may
	// log in with it.
	ReleaseDevice(ctx context.Context, deviceID string) error
}

// ErrDeviceTaken is the answer to a login with a device id bound to
// another account. CreateSession returns it; a courier's first session on
// a device binds the device to the courier.
var ErrDeviceTaken = syncproto.Errorf(syncproto.CodeDeviceTaken, "device_id is bound to another account; an admin can release it")

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
