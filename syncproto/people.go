package syncproto

import "time"

// UserPatch is the body of PATCH /v1/admin/users/{user_id}: each field
// given is changed, the others are kept.
type UserPatch struct {
	Role        *string `json:"role,omitempty"`
	DisplayName *string `json:"display_name,omitempty"`
	Active      *bool   `json:"active,omitempty"`
}

// PasswordRequest is the body of POST /v1/admin/users/{user_id}/password.
type PasswordRequest struct {
	Password string `json:"password"`
}

// Device is a device a user has signed in on, with when the server last
// heard from it (at login and at each token refresh).
type Device struct {
	DeviceID   string    `json:"device_id"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// Courier is an entry of GET /v1/couriers.
type Courier struct {
	UserID      string   `json:"user_id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Active      bool     `json:"active"`
	Devices     []Device `json:"devices"`
}

// CourierList is the body of GET /v1/couriers.
type CourierList struct {
	Couriers []Courier `json:"couriers"`
	Cursor   string    `json:"cursor"`
	HasMore  bool      `json:"has_more"`
}

// SessionView is one login session of a user, as an admin sees it: never
// a token or its hash.
type SessionView struct {
	SessionID  string     `json:"session_id"`
	DeviceID   string     `json:"device_id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	Active     bool       `json:"active"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// SessionList is the body of GET /v1/admin/users/{user_id}/sessions.
type SessionList struct {
	Sessions []SessionView `json:"sessions"`
	Cursor   string        `json:"cursor"`
	HasMore  bool          `json:"has_more"`
}
