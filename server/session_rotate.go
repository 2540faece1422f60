package server

import (
	"bytes"
	"slices"
	"time"
)

// Rotation is what presenting a refresh token does to its session.
type Rotation int

// The outcomes of RotateRefresh.
const (
	// RotationRefused: an unknown token, or a revoked or expired session
	// (401); nothing changes.
	RotationRefused Rotation = iota
	// RotationRotated: the session now holds the next token; store it.
	RotationRotated
	// RotationRepeated: the token just rotated, presented again within the
	// grace window (a phone that lost the answer): answer the session as
	// it is, with the same next token.
	RotationRepeated
	// RotationReused: a spent token (stolen, or a replay): the session is
	// revoked; store it, then refuse with ErrRefreshReused.
	RotationReused
)

// RotateRefresh decides what presenting the refresh token hashed old does
// to s at now, where next is the hash of the token that would follow it,
// and changes s accordingly.
func RotateRefresh(s *Session, old, next []byte, now time.Time, grace time.Duration) Rotation {
	switch {
	case !s.Active(now):
		return RotationRefused
	case bytes.Equal(s.RefreshHash, old):
		s.UsedHashes = append(s.UsedHashes, s.RefreshHash)
		if len(s.UsedHashes) > MaxUsedHashes {
			s.UsedHashes = s.UsedHashes[len(s.UsedHashes)-MaxUsedHashes:]
		}
		s.RefreshHash, s.PrevHash = next, old
		s.LastSeenAt, s.RotatedAt = now, now
		return RotationRotated
	case bytes.Equal(s.PrevHash, old) && bytes.Equal(s.RefreshHash, next) && now.Sub(s.RotatedAt) <= grace:
		return RotationRepeated
	case slices.ContainsFunc(s.UsedHashes, func(h []byte) bool { return bytes.Equal(h, old) }):
		s.RevokedAt = &now
		return RotationReused
	default:
		return RotationRefused
	}
}

// Active reports whether s is neither revoked nor expired at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// ActiveFor reports whether s is active at now and opened under the
// current session generation of its account u.
func (s *Session) ActiveFor(u *User, now time.Time) bool {
	return s.Active(now) && u.Live(s.UserGen)
}
