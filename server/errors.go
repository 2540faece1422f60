package server

import "github.com/courier-sync/courier-sync/syncproto"

// Common domain errors. Each is a *syncproto.Error so the HTTP layer maps it
// with one table.
var (
	// ErrUnauthorized: missing, expired or revoked credentials.
	ErrUnauthorized = syncproto.Errorf(syncproto.CodeUnauthorized, "authentication required")
	// ErrBadCredentials: unknown username or wrong password (never says which).
	ErrBadCredentials = syncproto.Errorf(syncproto.CodeUnauthorized, "wrong username or password")
	// ErrForbidden: the caller's role may not use this route.
	ErrForbidden = syncproto.Errorf(syncproto.CodeForbidden, "not allowed for this role")
	// ErrNotFound: no such record in the caller's scope.
	ErrNotFound = syncproto.Errorf(syncproto.CodeNotFound, "not found")
	// ErrRefreshReused: an already-used refresh token; the session is revoked.
	ErrRefreshReused = syncproto.Errorf(syncproto.CodeUnauthorized, "refresh token already used; session revoked")
	// ErrCursorExpired: a pull cursor the server can no longer serve.
	ErrCursorExpired = syncproto.Errorf(syncproto.CodeCursorExpired, "cursor can no longer be served; push your outbox, then pull from the beginning")
)

// Invalid returns an invalid_request error with msg.
func Invalid(msg string) error { return syncproto.Errorf(syncproto.CodeInvalidRequest, "%s", msg) }

// Conflict returns a conflict error with msg.
func Conflict(msg string) error { return syncproto.Errorf(syncproto.CodeConflict, "%s", msg) }
