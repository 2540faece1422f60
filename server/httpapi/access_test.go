package httpapi_test

import (
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestRoutesNeedAToken(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ method, path string }{
		{"POST", "/v1/sync/push"},
		{"GET", "/v1/sync/pull"},
		{"GET", "/v1/audit/ops"},
		{"POST", "/v1/admin/users"},
		{"GET", "/v1/admin/users"},
		{"GET", "/v1/admin/backup"},
		{"POST", "/v1/auth/logout"},
	} {
		t.Run(tc.method+" "+tc.path+" without a token is 401", func(t *testing.T) {
			h.do(t, tc.method, tc.path, "", nil).wantError(t, 401, syncproto.CodeUnauthorized)
		})
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path+" needs no token", func(t *testing.T) {
			h.do(t, "GET", path, "", nil).decode(t, 200, nil)
		})
	}
}

func TestUnknownRoutesAre404(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "wang")
	for _, path := range []string{"/v1/no-such-thing", "/nowhere"} {
		t.Run("GET "+path+" with a token is 404 not_found", func(t *testing.T) {
			h.do(t, "GET", path, c.access, nil).wantError(t, 404, syncproto.CodeNotFound)
		})
	}
}

func TestRolesSeeOnlyWhatTheyMay(t *testing.T) {
	h := newHarness(t)
	courier := h.courier(t, "wang")
	dispatcher := h.user(t, "disp", syncproto.RoleDispatcher)
	supervisor := h.user(t, "sup", syncproto.RoleSupervisor)
	admin := h.user(t, "root", syncproto.RoleAdmin)
	applied(t, courier.pushOK(t, courier.op("pickup", pickup(waybill())))[0])
	newUser := syncproto.CreateUserRequest{Username: "newbie", Password: password, Role: syncproto.RoleCourier}

	forbidden := []struct {
		name   string
		s      *session
		method string
		path   string
		body   any
	}{
		{"a courier cannot read the op audit", courier, "GET", "/v1/audit/ops", nil},
		{"a courier cannot create users", courier, "POST", "/v1/admin/users", newUser},
		{"a courier cannot list users", courier, "GET", "/v1/admin/users", nil},
		{"a courier cannot download a backup", courier, "GET", "/v1/admin/backup", nil},
		{"a dispatcher cannot create users", dispatcher, "POST", "/v1/admin/users", newUser},
		{"a dispatcher cannot read the op audit", dispatcher, "GET", "/v1/audit/ops", nil},
		{"a dispatcher cannot push ops", dispatcher, "POST", "/v1/sync/push", pushBody{DeviceID: dispatcher.device, Ops: []syncproto.Op{dispatcher.op("pickup", pickup(waybill()))}}},
		{"a supervisor cannot create users", supervisor, "POST", "/v1/admin/users", newUser},
		{"an admin cannot push ops as if a courier", admin, "POST", "/v1/sync/push", pushBody{DeviceID: admin.device, Ops: []syncproto.Op{admin.op("pickup", pickup(waybill()))}}},
	}
	for _, tc := range forbidden {
		t.Run(tc.name+" (403)", func(t *testing.T) {
			h.do(t, tc.method, tc.path, tc.s.access, tc.body).wantError(t, 403, syncproto.CodeForbidden)
		})
	}
	t.Run("none of the forbidden calls created the user", func(t *testing.T) {
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "newbie", Password: password, DeviceID: "d"}).
			wantError(t, 401, syncproto.CodeUnauthorized)
	})
	for _, s := range []*session{supervisor, admin} {
		t.Run("a "+s.role+" reads the op audit", func(t *testing.T) {
			var l syncproto.AuditOpList
			h.do(t, "GET", "/v1/audit/ops", s.access, nil).decode(t, 200, &l)
			if len(l.Ops) != 1 || l.Ops[0].CourierID != courier.userID {
				t.Fatalf("audit = %s, want the courier's one op", show(l))
			}
		})
	}
}
