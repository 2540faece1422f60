package server

import (
	"context"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// MinPasswordLen is the shortest password an account may have.
const MinPasswordLen = 8

// User is an account. PasswordHash is a slow hash, never the password.
type User struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"`
	Role         string    `json:"role"`
	DisplayName  string    `json:"display_name,omitempty"`
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	// Disabled accounts cannot log in and have no live session.
	Disabled bool `json:"disabled,omitempty"`
	// SessionGen is the account's session generation: a session opened
	// under another generation is dead. Disabling the account, changing
	// its role or resetting its password moves it on, which ends every
	// session of the account at once (its next request is 401).
	SessionGen uint64 `json:"session_gen,omitempty"`
}

// View returns the public view of u.
func (u *User) View() syncproto.User {
	return syncproto.User{UserID: u.ID, Username: u.Username, Role: u.Role, DisplayName: u.DisplayName, Active: !u.Disabled}
}

// Live reports whether a session of u opened under generation gen may
// still be used.
func (u *User) Live(gen uint64) bool { return !u.Disabled && u.SessionGen == gen }

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser stores u, giving it an ID. A taken username → conflict.
	// Creating a courier also seeds the courier's pull feed.
	CreateUser(ctx context.Context, u *User) error
	// UserByName returns the user or ErrNotFound.
	UserByName(ctx context.Context, username string) (*User, error)
	// UserByID returns the user or ErrNotFound.
	UserByID(ctx context.Context, id string) (*User, error)
	// ListUsers lists users in creation order after cursor.
	ListUsers(ctx context.Context, cursor string, limit int) ([]*User, string, bool, error)
	// CountUsers counts accounts.
	CountUsers(ctx context.Context) (int, error)
}

// PasswordHasher hashes and checks passwords with a slow hash.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Compare(hash, password string) bool
}

// ValidateNewUser checks a create-user request.
func ValidateNewUser(req *syncproto.CreateUserRequest) error {
	switch {
	case len(req.Username) < 3 || len(req.Username) > 64 || !usernameChars(req.Username):
		return Invalid("username: 3–64 of [a-z0-9._-]")
	case len(req.Password) < MinPasswordLen:
		return Invalid("password: at least 8 characters")
	case len(req.Password) > 72:
		return Invalid("password: at most 72 bytes")
	case !syncproto.ValidRole(req.Role):
		return Invalid("role: one of courier, dispatcher, supervisor, admin")
	case len(req.DisplayName) > 128:
		return Invalid("display_name: at most 128 bytes")
	}
	return nil
}

func usernameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
