package syncproto

// Roles.
const (
	RoleCourier    = "courier"
	RoleDispatcher = "dispatcher"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// LoginRequest is the body of POST /v1/auth/login.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	DeviceID string `json:"device_id"`
}

// RefreshRequest is the body of POST /v1/auth/refresh.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// TokenResponse is the 200 body of login and refresh.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	UserID       string `json:"user_id"`
	Role         string `json:"role"`
}

// CreateUserRequest is the body of POST /v1/admin/users.
type CreateUserRequest struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name,omitempty"`
}

// User is the public view of an account.
type User struct {
	UserID      string `json:"user_id"`
	Username    string `json:"username"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name,omitempty"`
	// Active is false once an admin disables the account.
	Active bool `json:"active"`
}

// UserList is the body of GET /v1/admin/users.
type UserList struct {
	Users   []User `json:"users"`
	Cursor  string `json:"cursor"`
	HasMore bool   `json:"has_more"`
}

// PushTokenRequest is the body of PUT /v1/devices/self/push-token.
type PushTokenRequest struct {
	FCMToken string `json:"fcm_token"`
}

// ValidRole reports whether r is one of the four roles.
func ValidRole(r string) bool {
	switch r {
	case RoleCourier, RoleDispatcher, RoleSupervisor, RoleAdmin:
		return true
	}
	return false
}
