package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestCouriersListShowsNamesAndDevices(t *testing.T) {
	h := newHarness(t)
	admin := h.user(t, "root", syncproto.RoleAdmin)
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	h.do(t, "POST", "/v1/admin/users", admin.access, syncproto.CreateUserRequest{Username: "wang", Password: password,
		Role: syncproto.RoleCourier, DisplayName: "王伟"}).decode(t, 201, nil)
	h.createUser(t, "zhao", syncproto.RoleCourier)
	wang := h.login(t, "wang", "phone-1")
	h.clock.Advance(10 * time.Minute)
	var tr syncproto.TokenResponse
	h.do(t, "POST", "/v1/auth/refresh", "", syncproto.RefreshRequest{RefreshToken: wang.refresh}).decode(t, 200, &tr)
	refreshedAt := h.clock.Now()

	var l syncproto.CourierList
	h.do(t, "GET", "/v1/couriers", disp.access, nil).decode(t, 200, &l)
	t.Run("a dispatcher sees every courier and nobody else", func(t *testing.T) {
		if len(l.Couriers) != 2 || l.Couriers[0].Username != "wang" || l.Couriers[1].Username != "zhao" {
			t.Fatalf("couriers = %s", show(l))
		}
	})
	t.Run("each courier has a display name, active state and devices", func(t *testing.T) {
		c := l.Couriers[0]
		if c.DisplayName != "王伟" || !c.Active || len(c.Devices) != 1 || c.Devices[0].DeviceID != "phone-1" {
			t.Fatalf("wang = %s", show(c))
		}
		if !c.Devices[0].LastSeenAt.Equal(refreshedAt) {
			t.Fatalf("last_seen_at = %v, want the refresh at %v", c.Devices[0].LastSeenAt, refreshedAt)
		}
		if len(l.Couriers[1].Devices) != 0 {
			t.Fatalf("zhao never signed in but has devices: %s", show(l.Couriers[1]))
		}
	})
	t.Run("active=false lists only disabled couriers", func(t *testing.T) {
		h.do(t, "PATCH", "/v1/admin/users/"+l.Couriers[1].UserID, admin.access, map[string]any{"active": false}).decode(t, 200, nil)
		var off, on syncproto.CourierList
		h.do(t, "GET", "/v1/couriers?active=false", disp.access, nil).decode(t, 200, &off)
		h.do(t, "GET", "/v1/couriers?active=1", disp.access, nil).decode(t, 200, &on)
		if len(off.Couriers) != 1 || off.Couriers[0].Username != "zhao" || off.Couriers[0].Active {
			t.Fatalf("active=false: %s", show(off))
		}
		if len(on.Couriers) != 1 || on.Couriers[0].Username != "wang" {
			t.Fatalf("active=1: %s", show(on))
		}
	})
	t.Run("active=maybe is 400", func(t *testing.T) {
		h.do(t, "GET", "/v1/couriers?active=maybe", disp.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
	t.Run("the admin user list shows display_name and active", func(t *testing.T) {
		var ul syncproto.UserList
		h.do(t, "GET", "/v1/admin/users", admin.access, nil).decode(t, 200, &ul)
		var wangView *syncproto.User
		for i := range ul.Users {
			if ul.Users[i].Username == "wang" {
				wangView = &ul.Users[i]
			}
		}
		if wangView == nil || wangView.DisplayName != "王伟" || !wangView.Active {
			t.Fatalf("users = %s", show(ul))
		}
	})
}

func TestDisablingAUserEndsEverySessionAtOnce(t *testing.T) {
	h := newHarness(t)
	admin := h.user(t, "root", syncproto.RoleAdmin)
	courier := h.courier(t, "lina")
	second := h.login(t, "lina", "tablet")
	patch := func(body any) reply { return h.do(t, "PATCH", "/v1/admin/users/"+courier.userID, admin.access, body) }

	var u syncproto.User
	patch(map[string]any{"active": false, "display_name": "Li Na"}).decode(t, 200, &u)
	if u.Active || u.DisplayName != "Li Na" || u.Role != syncproto.RoleCourier {
		t.Fatalf("patched = %s", show(u))
	}
	t.Run("a still-valid access token is 401 on its next request", func(t *testing.T) {
		h.do(t, "GET", "/v1/sync/pull", courier.access, nil).wantError(t, 401, syncproto.CodeUnauthorized)
		h.do(t, "GET", "/v1/sync/pull", second.access, nil).wantError(t, 401, syncproto.CodeUnauthorized)
	})
	t.Run("its refresh tokens are 401", func(t *testing.T) {
		h.do(t, "POST", "/v1/auth/refresh", "", syncproto.RefreshRequest{RefreshToken: second.refresh}).wantError(t, 401, syncproto.CodeUnauthorized)
	})
	t.Run("it cannot log in with the right password", func(t *testing.T) {
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "lina", Password: password, DeviceID: "d"}).wantError(t, 401, syncproto.CodeUnauthorized)
	})
	t.Run("enabling it again does not bring the old sessions back", func(t *testing.T) {
		patch(map[string]any{"active": true}).decode(t, 200, &u)
		h.do(t, "GET", "/v1/sync/pull", courier.access, nil).wantError(t, 401, syncproto.CodeUnauthorized)
		again := h.login(t, "lina", "phone")
		h.do(t, "GET", "/v1/sync/pull", again.access, nil).decode(t, 200, nil)
	})
	t.Run("the sessions list shows them ended", func(t *testing.T) {
		var sl syncproto.SessionList
		h.do(t, "GET", "/v1/admin/users/"+courier.userID+"/sessions", admin.access, nil).decode(t, 200, &sl)
		if len(sl.Sessions) != 3 || sl.Sessions[0].DeviceID != "phone" || !sl.Sessions[0].Active || sl.Sessions[1].Active || sl.Sessions[2].Active {
			t.Fatalf("sessions = %s", show(sl))
		}
		var page syncproto.SessionList
		h.do(t, "GET", "/v1/admin/users/"+courier.userID+"/sessions?limit=2", admin.access, nil).decode(t, 200, &page)
		h.do(t, "GET", "/v1/admin/users/"+courier.userID+"/sessions?limit=2&cursor="+page.Cursor, admin.access, nil).decode(t, 200, &sl)
		if !page.HasMore || len(sl.Sessions) != 1 || sl.HasMore || sl.Sessions[0].DeviceID != "dev-lina" {
			t.Fatalf("second page = %s", show(sl))
		}
	})
	t.Run("both changes are audited without the display name", func(t *testing.T) {
		var el struct{ Events []map[string]any }
		h.do(t, "GET", "/v1/audit/events?action=user.update", admin.access, nil).decode(t, 200, &el)
		if len(el.Events) != 2 || el.Events[0]["object"] != courier.userID || el.Events[0]["actor"] != admin.userID {
			t.Fatalf("events = %s", show(el))
		}
		if strings.Contains(show(el), "Li Na") {
			t.Fatalf("the audit trail carries the display name: %s", show(el))
		}
	})
}

func TestAdminChangesRolesAndPasswords(t *testing.T) {
	h := newHarness(t)
	admin := h.user(t, "root", syncproto.RoleAdmin)
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	path := "/v1/admin/users/" + disp.userID

	t.Run("a role change ends the sessions and the new login carries the new role", func(t *testing.T) {
		var u syncproto.User
		h.do(t, "PATCH", path, admin.access, map[string]any{"role": "supervisor"}).decode(t, 200, &u)
		if u.Role != syncproto.RoleSupervisor {
			t.Fatalf("role = %q", u.Role)
		}
		h.do(t, "GET", "/v1/callbacks", disp.access, nil).wantError(t, 401, syncproto.CodeUnauthorized)
		again := h.login(t, "disp", "pc")
		if again.role != syncproto.RoleSupervisor {
			t.Fatalf("login role = %q", again.role)
		}
		h.do(t, "GET", "/v1/reports/quality", again.access, nil).decode(t, 200, nil)
	})
	t.Run("a password reset is 204, ends the sessions and the new password works", func(t *testing.T) {
		s := h.login(t, "disp", "pc2")
		h.do(t, "POST", path+"/password", admin.access, map[string]any{"password": "new-password-1"}).decode(t, 204, nil)
		h.do(t, "GET", "/v1/callbacks", s.access, nil).wantError(t, 401, syncproto.CodeUnauthorized)
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "disp", Password: password, DeviceID: "pc"}).wantError(t, 401, syncproto.CodeUnauthorized)
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "disp", Password: "new-password-1", DeviceID: "pc"}).decode(t, 200, nil)
	})
	t.Run("revoking one session ends only that one", func(t *testing.T) {
		a := h.login(t, "root", "pc-a")
		b := h.login(t, "root", "pc-b")
		var sl syncproto.SessionList
		h.do(t, "GET", "/v1/admin/users/"+admin.userID+"/sessions", admin.access, nil).decode(t, 200, &sl)
		if sl.Sessions[0].DeviceID != "pc-b" {
			t.Fatalf("newest session = %s", show(sl.Sessions[0]))
		}
		h.do(t, "DELETE", "/v1/admin/users/"+admin.userID+"/sessions/"+sl.Sessions[0].SessionID, admin.access, nil).decode(t, 204, nil)
		h.do(t, "GET", "/v1/admin/users", b.access, nil).wantError(t, 401, syncproto.CodeUnauthorized)
		h.do(t, "GET", "/v1/admin/users", a.access, nil).decode(t, 200, nil)
		h.do(t, "DELETE", "/v1/admin/users/"+disp.userID+"/sessions/"+sl.Sessions[0].SessionID, admin.access, nil).wantError(t, 404, syncproto.CodeNotFound)
	})
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		code   syncproto.Code
	}{
		{"the last admin cannot disable itself", "/v1/admin/users/" + admin.userID, map[string]any{"active": false}, 409, syncproto.CodeConflict},
		{"the last admin cannot demote itself", "/v1/admin/users/" + admin.userID, map[string]any{"role": "courier"}, 409, syncproto.CodeConflict},
		{"an empty patch is 400", path, map[string]any{}, 400, syncproto.CodeInvalidRequest},
		{"an unknown role is 400", path, map[string]any{"role": "overlord"}, 400, syncproto.CodeInvalidRequest},
		{"an unknown user is 404", "/v1/admin/users/u999", map[string]any{"display_name": "x"}, 404, syncproto.CodeNotFound},
		{"a malformed user id is 404", "/v1/admin/users/nobody", map[string]any{"display_name": "x"}, 404, syncproto.CodeNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.do(t, "PATCH", tc.path, admin.access, tc.body).wantError(t, tc.status, tc.code)
		})
	}
	t.Run("a short password is 400 and an unknown user's is 404", func(t *testing.T) {
		h.do(t, "POST", path+"/password", admin.access, map[string]any{"password": "short"}).wantError(t, 400, syncproto.CodeInvalidRequest)
		h.do(t, "POST", "/v1/admin/users/u999/password", admin.access, map[string]any{"password": "long-enough"}).wantError(t, 404, syncproto.CodeNotFound)
	})
	t.Run("the admin's own session still works", func(t *testing.T) {
		h.do(t, "GET", "/v1/admin/users", admin.access, nil).decode(t, 200, nil)
	})
}
