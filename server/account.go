package server

import (
	"context"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Audit actions of account administration.
const (
	ActionUserUpdate    = "user.update"
	ActionUserPassword  = "user.password"
	ActionSessionRevoke = "session.revoke"
)

// CourierFilter selects couriers for GET /v1/couriers.
type CourierFilter struct {
	// Active, when set, keeps only couriers whose account is (or is not)
	// active.
	Active *bool
	Cursor string
	Limit  int
}

// Accounts is the administration of accounts beyond creating them, and the
// dispatchers' list of couriers.
type Accounts interface {
	// ListCouriers lists courier accounts in creation order with the
	// devices they signed in on. Errors: invalid_request (cursor).
	ListCouriers(ctx context.Context, f CourierFilter) (*syncproto.CourierList, error)
	// PatchUser applies patch to the account (ApplyUserPatch decides) and
	// audits it. Errors: not_found, invalid_request, conflict (the last
	// active admin would be lost).
	PatchUser(ctx context.Context, p Principal, id string, patch *syncproto.UserPatch) (*User, error)
	// SetPassword replaces the account's password hash, ends its sessions
	// and audits it. Errors: not_found.
	SetPassword(ctx context.Context, p Principal, id, hash string) error
	// UserSessions lists the account's sessions, newest first. Errors:
	// not_found.
	UserSessions(ctx context.Context, id string, cursor string, limit int) (*syncproto.SessionList, error)
	// RevokeUserSession revokes one session of the account and audits it.
	// Errors: not_found (no such session of that account).
	RevokeUserSession(ctx context.Context, p Principal, userID, sessionID string) error
}

// CheckUserPatch validates a patch: at least one field, each well formed.
func CheckUserPatch(patch *syncproto.UserPatch) error {
	switch {
	case patch.Role == nil && patch.DisplayName == nil && patch.Active == nil:
		return Invalid("give at least one of role, display_name or active")
	case patch.Role != nil && !syncproto.ValidRole(*patch.Role):
		return Invalid("role: one of courier, dispatcher, supervisor, admin")
	case patch.DisplayName != nil && (len(*patch.DisplayName) > 128 || !utf8.ValidString(*patch.DisplayName)):
		return Invalid("display_name: valid UTF-8, at most 128 bytes")
	}
	return nil
}

// ApplyUserPatch changes u as patch asks. activeAdmins is how many active
// admin accounts there are, u included: the last one may be neither
// demoted nor disabled (nobody could administer the server any more). It
// reports whether u's sessions must end (disabled, or its role changed:
// tokens carry the role, so the user signs in again under the new one).
func ApplyUserPatch(u *User, patch *syncproto.UserPatch, activeAdmins int) (endSessions bool, err error) {
	if err := CheckUserPatch(patch); err != nil {
		return false, err
	}
	wasAdmin := u.Role == syncproto.RoleAdmin && !u.Disabled
	if patch.DisplayName != nil {
		u.DisplayName = *patch.DisplayName
	}
	if patch.Role != nil && *patch.Role != u.Role {
		u.Role = *patch.Role
		endSessions = true
	}
	if patch.Active != nil && *patch.Active == u.Disabled {
		u.Disabled = !*patch.Active
		endSessions = endSessions || u.Disabled
	}
	stillAdmin := u.Role == syncproto.RoleAdmin && !u.Disabled
	if wasAdmin && !stillAdmin && activeAdmins <= 1 {
		return false, Conflict("the last active admin cannot be demoted or disabled")
	}
	if endSessions {
		u.SessionGen++
	}
	return endSessions, nil
}

// CheckPassword validates a new password as account creation does.
func CheckPassword(pw string) error {
	switch {
	case len(pw) < MinPasswordLen:
		return Invalid("password: at least 8 characters")
	case len(pw) > 72:
		return Invalid("password: at most 72 bytes")
	}
	return nil
}
