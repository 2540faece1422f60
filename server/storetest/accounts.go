package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// userBehaviours cover server.UserStore.
var userBehaviours = []behaviour{
	{"users get ids, are found by name and id, and a taken username is a conflict", usersCreated},
	{"users list in creation order, page by page", usersListed},
	{"a new courier's feed starts with the config change", courierFeedSeeded},
}

// sessionBehaviours cover server.SessionStore.
var sessionBehaviours = []behaviour{
	{"a courier's first session binds the device; another user's is refused", sessionBindsDevice},
	{"refresh tokens rotate once; a retry within grace gets the same; reuse revokes", refreshRotation},
	{"revoked or expired sessions refuse to rotate", sessionRevoked},
}

// accountBehaviours cover server.Accounts.
var accountBehaviours = []behaviour{
	{"couriers list with their devices, filtered by active", couriersListed},
	{"patching a user is audited; the last active admin cannot be lost", userPatched},
	{"a new password ends every session of the account", passwordEndsSessions},
	{"one session is revoked by id, only of its own account", sessionRevokedByAdmin},
}

func usersCreated(t *testing.T, w *world) {
	u := &server.User{Username: "li.na", Role: syncproto.RoleCourier, DisplayName: "Li", PasswordHash: "$2a$hash", CreatedAt: w.now()}
	if err := w.s.Users.CreateUser(w.ctx, u); err != nil || u.ID == "" {
		t.Fatalf("CreateUser: %v, id %q", err, u.ID)
	}
	byName, err := w.s.Users.UserByName(w.ctx, "li.na")
	if err != nil || byName.ID != u.ID || byName.PasswordHash != "$2a$hash" || byName.Role != syncproto.RoleCourier {
		t.Fatalf("UserByName %+v, %v", byName, err)
	}
	byID, err := w.s.Users.UserByID(w.ctx, u.ID)
	if err != nil || byID.Username != "li.na" || byID.DisplayName != "Li" {
		t.Fatalf("UserByID %+v, %v", byID, err)
	}
	dup := &server.User{Username: "li.na", Role: syncproto.RoleAdmin, PasswordHash: "y"}
	wantCode(t, w.s.Users.CreateUser(w.ctx, dup), syncproto.CodeConflict)
	if _, err := w.s.Users.UserByName(w.ctx, "nobody"); !errors.Is(err, server.ErrNotFound) {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := w.s.Users.UserByID(w.ctx, "u999999"); !errors.Is(err, server.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if n, err := w.s.Users.CountUsers(w.ctx); err != nil || n != 4 { // the world's admin, dispatcher, supervisor
		t.Fatalf("CountUsers = %d, %v; want 4", n, err)
	}
}

func usersListed(t *testing.T, w *world) {
	for i := 0; i < 4; i++ {
		w.courier(fmt.Sprintf("c%d", i))
	}
	var names []string
	cursor := ""
	for {
		users, next, more, err := w.s.Users.ListUsers(w.ctx, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) > 3 {
			t.Fatalf("page of %d, limit 3", len(users))
		}
		for _, u := range users {
			names = append(names, u.Username)
		}
		if !more {
			break
		}
		cursor = next
	}
	if fmt.Sprint(names) != "[admin disp sup c0 c1 c2 c3]" {
		t.Fatalf("users %v, want creation order", names)
	}
}

func courierFeedSeeded(t *testing.T, w *world) {
	c := w.courier("fresh")
	feed := w.pull(c.p)
	if len(feed) != 1 || feed[0].Type != syncproto.ChangeConfig {
		t.Fatalf("a new courier's feed %+v, want the config change only", feed)
	}
}

// session opens a session of p with refresh hash h.
func (w *world) session(p server.Principal, id string, h []byte) *server.Session {
	w.t.Helper()
	s := &server.Session{ID: id, UserID: p.UserID, Role: p.Role, DeviceID: p.DeviceID, CreatedAt: w.now(), RefreshHash: h, ExpiresAt: w.now().Add(30 * 24 * time.Hour)}
	if err := w.s.Sessions.CreateSession(w.ctx, s); err != nil {
		w.t.Fatalf("CreateSession: %v", err)
	}
	return s
}

func sessionBindsDevice(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	w.session(a.p, "s-1", []byte("h1"))
	if owner, err := w.s.Sessions.DeviceOwner(w.ctx, a.p.DeviceID); err != nil || owner != a.p.UserID {
		t.Fatalf("owner %q, %v", owner, err)
	}
	taken := &server.Session{ID: "s-2", UserID: b.p.UserID, Role: syncproto.RoleCourier, DeviceID: a.p.DeviceID, CreatedAt: w.now(), RefreshHash: []byte("h2"), ExpiresAt: w.now().Add(time.Hour)}
	if err := w.s.Sessions.CreateSession(w.ctx, taken); !errors.Is(err, server.ErrDeviceTaken) {
		wantCode(t, err, syncproto.CodeDeviceTaken)
	}
	if _, err := w.s.Sessions.Session(w.ctx, "s-2"); !errors.Is(err, server.ErrNotFound) {
		t.Fatalf("a refused session was stored: %v", err)
	}
	if err := w.s.Sessions.ReleaseDevice(w.ctx, a.p.DeviceID); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Sessions.ReleaseDevice(w.ctx, a.p.DeviceID); err != nil {
		t.Fatalf("a second release: %v", err)
	}
	if err := w.s.Sessions.CreateSession(w.ctx, taken); err != nil {
		t.Fatalf("after release: %v", err)
	}
	if owner, _ := w.s.Sessions.DeviceOwner(w.ctx, a.p.DeviceID); owner != b.p.UserID {
		t.Fatalf("owner %q, want bob", owner)
	}
	if owner, err := w.s.Sessions.DeviceOwner(w.ctx, "never-seen"); err != nil || owner != "" {
		t.Fatalf("unbound device owner %q, %v", owner, err)
	}
	// Staff consoles do not bind devices.
	w.session(w.disp, "s-3", []byte("h3"))
	if owner, _ := w.s.Sessions.DeviceOwner(w.ctx, w.disp.DeviceID); owner != "" {
		t.Fatalf("a dispatcher's console was bound to %q", owner)
	}
}

func refreshRotation(t *testing.T, w *world) {
	a := w.courier("alice")
	w.session(a.p, "s-1", []byte("h1"))
	grace := server.DefaultRefreshGrace
	s, err := w.s.Sessions.RotateRefresh(w.ctx, "s-1", []byte("h1"), []byte("h2"), w.now(), grace)
	if err != nil || string(s.RefreshHash) != "h2" {
		t.Fatalf("rotate %+v, %v", s, err)
	}
	w.clock.Advance(grace / 2)
	if s, err := w.s.Sessions.RotateRefresh(w.ctx, "s-1", []byte("h1"), []byte("h2"), w.now(), grace); err != nil || string(s.RefreshHash) != "h2" {
		t.Fatalf("a retry within grace: %+v, %v", s, err)
	}
	if _, err := w.s.Sessions.RotateRefresh(w.ctx, "s-1", []byte("h2"), []byte("h3"), w.now(), grace); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Sessions.RotateRefresh(w.ctx, "s-1", []byte("nope"), []byte("h9"), w.now(), grace); !errors.Is(err, server.ErrUnauthorized) {
		t.Fatalf("an unknown hash: %v", err)
	}
	if _, err := w.s.Sessions.RotateRefresh(w.ctx, "s-1", []byte("h1"), []byte("h4"), w.now(), grace); !errors.Is(err, server.ErrRefreshReused) {
		t.Fatalf("a spent hash: %v, want refresh reused", err)
	}
	got, err := w.s.Sessions.Session(w.ctx, "s-1")
	if err != nil || got.RevokedAt == nil {
		t.Fatalf("after reuse the session is revoked: %+v, %v", got, err)
	}
	if _, err := w.s.Sessions.RotateRefresh(w.ctx, "s-1", []byte("h3"), []byte("h5"), w.now(), grace); !errors.Is(err, server.ErrUnauthorized) {
		t.Fatalf("the current hash of a revoked session: %v", err)
	}
}

func sessionRevoked(t *testing.T, w *world) {
	a := w.courier("alice")
	w.session(a.p, "s-1", []byte("h1"))
	if err := w.s.Sessions.RevokeSession(w.ctx, "s-1", w.now()); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Sessions.RevokeSession(w.ctx, "s-1", w.now().Add(time.Hour)); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if s, err := w.s.Sessions.Session(w.ctx, "s-1"); err != nil || s.RevokedAt == nil || !s.RevokedAt.Equal(w.now()) {
		t.Fatalf("revoked session %+v, %v; want revoked at the first time", s, err)
	}
	if _, err := w.s.Sessions.RotateRefresh(w.ctx, "s-1", []byte("h1"), []byte("h2"), w.now(), time.Minute); !errors.Is(err, server.ErrUnauthorized) {
		t.Fatalf("rotating a revoked session: %v", err)
	}
	w.session(a.p, "s-2", []byte("k1"))
	w.clock.Advance(31 * 24 * time.Hour)
	if _, err := w.s.Sessions.RotateRefresh(w.ctx, "s-2", []byte("k1"), []byte("k2"), w.now(), time.Minute); !errors.Is(err, server.ErrUnauthorized) {
		t.Fatalf("rotating an expired session: %v", err)
	}
	if _, err := w.s.Sessions.Session(w.ctx, "s-404"); !errors.Is(err, server.ErrNotFound) {
		t.Fatalf("an unknown session: %v", err)
	}
}

func couriersListed(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	w.session(a.p, "s-1", []byte("h1"))
	if _, err := w.s.Accounts.PatchUser(w.ctx, w.admin, b.p.UserID, &syncproto.UserPatch{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	l, err := w.s.Accounts.ListCouriers(w.ctx, server.CourierFilter{Limit: 10})
	if err != nil || len(l.Couriers) != 2 || l.Couriers[0].UserID != a.p.UserID || l.Couriers[1].Active {
		t.Fatalf("couriers %+v, %v", l, err)
	}
	if d := l.Couriers[0].Devices; len(d) != 1 || d[0].DeviceID != a.p.DeviceID {
		t.Fatalf("alice's devices %+v", d)
	}
	active, err := w.s.Accounts.ListCouriers(w.ctx, server.CourierFilter{Active: ptr(true), Limit: 10})
	if err != nil || len(active.Couriers) != 1 || active.Couriers[0].UserID != a.p.UserID {
		t.Fatalf("active couriers %+v, %v", active, err)
	}
	p1, err := w.s.Accounts.ListCouriers(w.ctx, server.CourierFilter{Limit: 1})
	if err != nil || len(p1.Couriers) != 1 || !p1.HasMore {
		t.Fatalf("page 1 %+v, %v", p1, err)
	}
	p2, err := w.s.Accounts.ListCouriers(w.ctx, server.CourierFilter{Cursor: p1.Cursor, Limit: 1})
	if err != nil || len(p2.Couriers) != 1 || p2.Couriers[0].UserID != b.p.UserID {
		t.Fatalf("page 2 %+v, %v", p2, err)
	}
}

func userPatched(t *testing.T, w *world) {
	a := w.courier("alice")
	u, err := w.s.Accounts.PatchUser(w.ctx, w.admin, a.p.UserID, &syncproto.UserPatch{DisplayName: ptr("Alice W.")})
	if err != nil || u.DisplayName != "Alice W." {
		t.Fatalf("patch %+v, %v", u, err)
	}
	if got, _ := w.s.Users.UserByID(w.ctx, a.p.UserID); got.DisplayName != "Alice W." {
		t.Fatalf("stored %+v", got)
	}
	_, err = w.s.Accounts.PatchUser(w.ctx, w.admin, w.admin.UserID, &syncproto.UserPatch{Active: ptr(false)})
	wantCode(t, err, syncproto.CodeConflict)
	_, err = w.s.Accounts.PatchUser(w.ctx, w.admin, w.admin.UserID, &syncproto.UserPatch{Role: ptr(syncproto.RoleCourier)})
	wantCode(t, err, syncproto.CodeConflict)
	_, err = w.s.Accounts.PatchUser(w.ctx, w.admin, "u999999", &syncproto.UserPatch{DisplayName: ptr("x")})
	wantCode(t, err, syncproto.CodeNotFound)
	_, err = w.s.Accounts.PatchUser(w.ctx, w.admin, a.p.UserID, &syncproto.UserPatch{Role: ptr("pilot")})
	wantCode(t, err, syncproto.CodeInvalidRequest)
	if ev := w.events(server.ActionUserUpdate); len(ev) != 1 || ev[0].Object != a.p.UserID || ev[0].Actor != w.admin.UserID {
		t.Fatalf("user.update events %+v", ev)
	}
	w.account("admin2", syncproto.RoleAdmin, "console-2")
	if _, err := w.s.Accounts.PatchUser(w.ctx, w.admin, w.admin.UserID, &syncproto.UserPatch{Active: ptr(false)}); err != nil {
		t.Fatalf("with another admin left: %v", err)
	}
}

// activeSessions lists whether each of the user's sessions is active.
func (w *world) activeSessions(userID string) map[string]bool {
	w.t.Helper()
	l, err := w.s.Accounts.UserSessions(w.ctx, userID, "", 100)
	if err != nil {
		w.t.Fatalf("UserSessions: %v", err)
	}
	out := map[string]bool{}
	for _, s := range l.Sessions {
		out[s.SessionID] = s.Active
	}
	return out
}

func passwordEndsSessions(t *testing.T, w *world) {
	a := w.courier("alice")
	w.session(a.p, "s-1", []byte("h1"))
	w.clock.Advance(time.Minute)
	w.session(a.p, "s-2", []byte("h2"))
	l, err := w.s.Accounts.UserSessions(w.ctx, a.p.UserID, "", 1)
	if err != nil || len(l.Sessions) != 1 || l.Sessions[0].SessionID != "s-2" || !l.HasMore {
		t.Fatalf("newest first, page 1: %+v, %v", l, err)
	}
	if got := w.activeSessions(a.p.UserID); fmt.Sprint(got) != "map[s-1:true s-2:true]" {
		t.Fatalf("sessions %v", got)
	}
	if err := w.s.Accounts.SetPassword(w.ctx, w.admin, a.p.UserID, "$2a$new"); err != nil {
		t.Fatal(err)
	}
	if u, _ := w.s.Users.UserByID(w.ctx, a.p.UserID); u.PasswordHash != "$2a$new" {
		t.Fatalf("hash %q", u.PasswordHash)
	}
	if got := w.activeSessions(a.p.UserID); fmt.Sprint(got) != "map[s-1:false s-2:false]" {
		t.Fatalf("sessions after a password reset %v, want none active", got)
	}
	wantCode(t, w.s.Accounts.SetPassword(w.ctx, w.admin, "u999999", "x"), syncproto.CodeNotFound)
	_, err = w.s.Accounts.UserSessions(w.ctx, "u999999", "", 10)
	wantCode(t, err, syncproto.CodeNotFound)
	if ev := w.events(server.ActionUserPassword); len(ev) != 1 || ev[0].Object != a.p.UserID {
		t.Fatalf("password events %+v", ev)
	}
}

func sessionRevokedByAdmin(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	w.session(a.p, "s-a", []byte("h1"))
	w.session(b.p, "s-b", []byte("h2"))
	wantCode(t, w.s.Accounts.RevokeUserSession(w.ctx, w.admin, a.p.UserID, "s-b"), syncproto.CodeNotFound)
	wantCode(t, w.s.Accounts.RevokeUserSession(w.ctx, w.admin, a.p.UserID, "s-404"), syncproto.CodeNotFound)
	if err := w.s.Accounts.RevokeUserSession(w.ctx, w.admin, a.p.UserID, "s-a"); err != nil {
		t.Fatal(err)
	}
	if got := w.activeSessions(a.p.UserID); got["s-a"] {
		t.Fatal("a revoked session is still active")
	}
	if got := w.activeSessions(b.p.UserID); !got["s-b"] {
		t.Fatal("another account's session was revoked")
	}
	if ev := w.events(server.ActionSessionRevoke); len(ev) != 1 || ev[0].Object != a.p.UserID {
		t.Fatalf("revoke events %+v", ev)
	}
}
