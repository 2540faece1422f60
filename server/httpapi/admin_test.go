package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestAdminCreatesUsers(t *testing.T) {
	h := newHarness(t)
	admin := h.user(t, "root", syncproto.RoleAdmin)
	create := func(body any) reply { return h.do(t, "POST", "/v1/admin/users", admin.access, body) }

	for _, role := range []string{syncproto.RoleCourier, syncproto.RoleDispatcher, syncproto.RoleSupervisor, syncproto.RoleAdmin} {
		t.Run("creating a "+role+" is 201 with user_id, username and role", func(t *testing.T) {
			r := create(syncproto.CreateUserRequest{Username: "new-" + role, Password: "eight-ch", Role: role, DisplayName: "New " + role})
			var u map[string]any
			r.decode(t, 201, &u)
			if id, _ := u["user_id"].(string); id == "" || u["username"] != "new-"+role || u["role"] != role {
				t.Fatalf("created user = %s", r.body)
			}
			if _, leaked := u["password_hash"]; leaked || strings.Contains(string(r.body), "eight-ch") {
				t.Fatalf("the reply leaks the password or its hash: %s", r.body)
			}
		})
		t.Run("the new "+role+" can log in with that role", func(t *testing.T) {
			var tr syncproto.TokenResponse
			h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "new-" + role, Password: "eight-ch", DeviceID: "d-" + role}).decode(t, 200, &tr)
			if tr.Role != role {
				t.Fatalf("role = %q, want %q", tr.Role, role)
			}
		})
	}
	t.Run("a new courier's feed starts with the capture policy", func(t *testing.T) {
		var tr syncproto.TokenResponse
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "new-courier", Password: "eight-ch", DeviceID: "dev-new"}).decode(t, 200, &tr)
		p := h.pull(t, tr.AccessToken, "")
		if len(p.Changes) != 1 || p.Changes[0].Type != syncproto.ChangeConfig {
			t.Fatalf("pull = %s", show(p))
		}
	})

	cases := []struct {
		name   string
		body   any
		status int
		code   syncproto.Code
	}{
		{"a taken username is 409 conflict", syncproto.CreateUserRequest{Username: "new-courier", Password: "another-pw", Role: syncproto.RoleCourier}, 409, syncproto.CodeConflict},
		{"a password of 7 characters is 400", syncproto.CreateUserRequest{Username: "shorty", Password: "seven-c", Role: syncproto.RoleCourier}, 400, syncproto.CodeInvalidRequest},
		{"an unknown role is 400", syncproto.CreateUserRequest{Username: "boss2", Password: "eight-ch", Role: "overlord"}, 400, syncproto.CodeInvalidRequest},
		{"a missing role is 400", syncproto.CreateUserRequest{Username: "boss3", Password: "eight-ch"}, 400, syncproto.CodeInvalidRequest},
		{"a username with spaces is 400", syncproto.CreateUserRequest{Username: "two words", Password: "eight-ch", Role: syncproto.RoleCourier}, 400, syncproto.CodeInvalidRequest},
		{"an empty username is 400", syncproto.CreateUserRequest{Password: "eight-ch", Role: syncproto.RoleCourier}, 400, syncproto.CodeInvalidRequest},
		{"a body that is not JSON is 400", `{"username":`, 400, syncproto.CodeInvalidRequest},
		{"a role of the wrong JSON type is 400", json.RawMessage(`{"username":"x1234","password":"eight-ch","role":7}`), 400, syncproto.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			create(tc.body).wantError(t, tc.status, tc.code)
		})
	}
	t.Run("the taken username still logs in with its first password", func(t *testing.T) {
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "new-courier", Password: "eight-ch", DeviceID: "dev-x"}).decode(t, 200, nil)
	})
	t.Run("the refused users do not exist", func(t *testing.T) {
		var l syncproto.UserList
		h.do(t, "GET", "/v1/admin/users?limit=500", admin.access, nil).decode(t, 200, &l)
		if len(l.Users) != 5 {
			t.Fatalf("users = %s, want root and the four new ones", show(l))
		}
	})
}
