package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// authWorld is an Auth over in-memory stores and a clock the test moves.
type authWorld struct {
	a     *Auth
	users *memUsers
	sess  *memSessions
	now   time.Time
}

func newAuthWorld(t *testing.T) *authWorld {
	t.Helper()
	w := &authWorld{users: &memUsers{}, sess: &memSessions{}, now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	w.a = &Auth{Users: w.users, Sessions: w.sess, Tokens: plainTokens{}, Passwords: plainHasher{},
		Clock: func() time.Time { return w.now }, Throttle: NewLoginThrottle(), Gate: NewPasswordGate(2, 4),
		Config: AuthConfig{AccessTTL: 15 * time.Minute, SessionTTL: 30 * 24 * time.Hour}}
	for _, name := range []string{"wang", "lin"} {
		if _, err := w.a.CreateUser(context.Background(), &syncproto.CreateUserRequest{Username: name, Password: "secret-" + name, Role: syncproto.RoleCourier}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *authWorld) login(name, pw, device string) (*syncproto.TokenResponse, error) {
	return w.a.Login(context.Background(), &syncproto.LoginRequest{Username: name, Password: pw, DeviceID: device}, "192.0.2.1")
}

// authCode is the protocol code of err, "" for none.
func authCode(err error) syncproto.Code {
	var pe *syncproto.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestLoginChecks(t *testing.T) {
	w := newAuthWorld(t)
	long := strings.Repeat("x", 200)
	tests := []struct {
		name, user, pw, device string
		want                   syncproto.Code
	}{
		{"the right password opens a session", "wang", "secret-wang", "pda-1", ""},
		{"a wrong password is unauthorized", "wang", "nope-nope", "pda-1", syncproto.CodeUnauthorized},
		{"an unknown user is unauthorized, the same words", "nobody", "secret-wang", "pda-1", syncproto.CodeUnauthorized},
		{"a missing device id is invalid", "wang", "secret-wang", "", syncproto.CodeInvalidRequest},
		{"a username past 64 bytes is invalid", long[:65], "secret-wang", "pda-1", syncproto.CodeInvalidRequest},
		{"a password past 72 bytes is invalid", "wang", long[:73], "pda-1", syncproto.CodeInvalidRequest},
		{"a device id past 128 bytes is invalid", "wang", "secret-wang", long[:129], syncproto.CodeInvalidRequest},
		{"another account's device is taken", "lin", "secret-lin", "pda-1", syncproto.CodeDeviceTaken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := w.login(tt.user, tt.pw, tt.device)
			if got := authCode(err); got != tt.want || (tt.want == "" && err != nil) {
				t.Fatalf("Login = %v, want %q", err, tt.want)
			}
			if tt.want == "" && (tr.TokenType != "Bearer" || tr.ExpiresIn != 900 || tr.Role != syncproto.RoleCourier || tr.RefreshToken == "") {
				t.Fatalf("tokens %+v", tr)
			}
		})
	}
	t.Run("a disabled account cannot log in", func(t *testing.T) {
		u, _ := w.users.UserByName(context.Background(), "lin")
		w.users.update(u.ID, func(u *User) { u.Disabled = true })
		if _, err := w.login("lin", "secret-lin", "pda-2"); err != ErrBadCredentials {
			t.Fatalf("Login = %v", err)
		}
	})
	t.Run("a store failure is not taken for bad credentials", func(t *testing.T) {
		w.users.err = errors.New("disk")
		defer func() { w.users.err = nil }()
		if _, err := w.login("wang", "secret-wang", "pda-1"); err == nil || authCode(err) != "" {
			t.Fatalf("Login = %v, want the store's error", err)
		}
	})
}

func TestLoginThrottleBlocksOnlyOtherDevices(t *testing.T) {
	w := newAuthWorld(t)
	w.a.Throttle = &LoginThrottle{Free: 1, UserFree: 2, AddrFree: 100, Window: time.Hour, Base: time.Minute, Max: time.Hour}
	if _, err := w.login("wang", "secret-wang", "pda-own"); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		_, _ = w.a.Login(context.Background(), &syncproto.LoginRequest{Username: "wang", Password: "guess", DeviceID: "x"}, from)
	}
	var ra *RetryAfterError
	if _, err := w.login("wang", "secret-wang", "pda-stranger"); !errors.As(err, &ra) || ra.After <= 0 || authCode(err) != syncproto.CodeRateLimited {
		t.Fatalf("a stranger's device: %v, want rate_limited with a wait", err)
	}
	if ra.Error() == "" {
		t.Fatal("no message")
	}
	if _, err := w.login("wang", "secret-wang", "pda-own"); err != nil {
		t.Fatalf("the courier's own device must still log in: %v", err)
	}
}

func TestRefreshRotation(t *testing.T) {
	ctx := context.Background()
	w := newAuthWorld(t)
	first, err := w.login("wang", "secret-wang", "pda-1")
	if err != nil {
		t.Fatal(err)
	}
	second, err := w.a.Refresh(ctx, first.RefreshToken)
	if err != nil || second.RefreshToken == first.RefreshToken {
		t.Fatalf("Refresh = %+v, %v", second, err)
	}
	t.Run("a retry within the grace window gets the same token", func(t *testing.T) {
		w.now = w.now.Add(30 * time.Second)
		again, err := w.a.Refresh(ctx, first.RefreshToken)
		if err != nil || again.RefreshToken != second.RefreshToken {
			t.Fatalf("retry = %+v, %v", again, err)
		}
	})
	t.Run("tokens never issued are refused without a write", func(t *testing.T) {
		for _, tok := range []string{"", "no-dot", ".x", "nosuchsession.x", strings.SplitN(first.RefreshToken, ".", 2)[0] + ".forged", strings.Repeat("a", 300) + ".x"} {
			if _, err := w.a.Refresh(ctx, tok); err != ErrUnauthorized {
				t.Errorf("Refresh(%.20q) = %v", tok, err)
			}
		}
	})
	t.Run("reuse past the grace window revokes the session", func(t *testing.T) {
		w.now = w.now.Add(2 * time.Minute)
		if _, err := w.a.Refresh(ctx, first.RefreshToken); err != ErrRefreshReused {
			t.Fatalf("reuse = %v, want ErrRefreshReused", err)
		}
		if _, err := w.a.Refresh(ctx, second.RefreshToken); err != ErrUnauthorized {
			t.Fatalf("the family's live token after reuse = %v, want unauthorized", err)
		}
		if _, err := w.a.Authenticate(ctx, second.AccessToken); err != ErrUnauthorized {
			t.Fatalf("the revoked session's access token = %v", err)
		}
	})
	t.Run("an expired session does not refresh", func(t *testing.T) {
		tr, err := w.login("wang", "secret-wang", "pda-1")
		if err != nil {
			t.Fatal(err)
		}
		w.now = w.now.Add(31 * 24 * time.Hour)
		if _, err := w.a.Refresh(ctx, tr.RefreshToken); err != ErrUnauthorized {
			t.Fatalf("Refresh = %v", err)
		}
	})
	t.Run("no grace: a repeat is reuse", func(t *testing.T) {
		w.a.Config.RefreshGrace = -1
		defer func() { w.a.Config.RefreshGrace = 0 }()
		tr, _ := w.login("wang", "secret-wang", "pda-1")
		if _, err := w.a.Refresh(ctx, tr.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.Refresh(ctx, tr.RefreshToken); err != ErrRefreshReused {
			t.Fatalf("repeat = %v", err)
		}
	})
	t.Run("a session of a disabled account does not refresh", func(t *testing.T) {
		w.a.Config.RefreshGrace = 5 * time.Minute
		tr, _ := w.login("wang", "secret-wang", "pda-1")
		u, _ := w.users.UserByName(ctx, "wang")
		w.users.update(u.ID, func(u *User) { u.SessionGen++ })
		if _, err := w.a.Refresh(ctx, tr.RefreshToken); err != ErrUnauthorized {
			t.Fatalf("Refresh = %v", err)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	w := newAuthWorld(t)
	tr, err := w.login("wang", "secret-wang", "pda-1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.a.Authenticate(ctx, tr.AccessToken)
	if err != nil || p.Role != syncproto.RoleCourier || p.DeviceID != "pda-1" || p.SessionID == "" {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	forged := strings.Replace(tr.AccessToken, "pda-1", "pda-9", 1)
	for name, tok := range map[string]string{"garbage": "x", "another device": forged} {
		if _, err := w.a.Authenticate(ctx, tok); err != ErrUnauthorized {
			t.Errorf("%s: %v", name, err)
		}
	}
	t.Run("a failing store is an error, never a dead session", func(t *testing.T) {
		disk := errors.New("disk")
		w.sess.err = disk
		if _, err := w.a.Authenticate(ctx, tr.AccessToken); err != disk {
			t.Errorf("session store failing: %v, want its error (500), not 401", err)
		}
		w.sess.err, w.users.err = nil, disk
		if _, err := w.a.Authenticate(ctx, tr.AccessToken); err != disk {
			t.Errorf("user store failing: %v, want its error", err)
		}
		if _, err := w.a.Refresh(ctx, tr.RefreshToken); err != disk {
			t.Errorf("Refresh with the user store failing: %v, want its error", err)
		}
		w.users.err = nil
	})
	t.Run("a session whose account is gone is dead", func(t *testing.T) {
		w.users.mu.Lock()
		saved := w.users.users
		w.users.users = map[string]*User{}
		w.users.mu.Unlock()
		if _, err := w.a.Authenticate(ctx, tr.AccessToken); err != ErrUnauthorized {
			t.Errorf("Authenticate = %v", err)
		}
		w.users.mu.Lock()
		w.users.users = saved
		w.users.mu.Unlock()
	})
	if err := w.a.Logout(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.Authenticate(ctx, tr.AccessToken); err != ErrUnauthorized {
		t.Fatalf("after logout: %v", err)
	}
}

func TestBootstrapAndCreateUser(t *testing.T) {
	ctx := context.Background()
	a := &Auth{Users: &memUsers{}, Passwords: plainHasher{}, Clock: func() time.Time { return time.Unix(0, 0) }}
	for spec, want := range map[string]syncproto.Code{"": "", "no-colon": syncproto.CodeInvalidRequest, "ad:short": syncproto.CodeInvalidRequest} {
		if made, err := a.Bootstrap(ctx, spec); made || authCode(err) != want {
			t.Errorf("Bootstrap(%q) = %v, %v", spec, made, err)
		}
	}
	if made, err := a.Bootstrap(ctx, "root:long-enough"); !made || err != nil {
		t.Fatalf("Bootstrap = %v, %v", made, err)
	}
	if made, err := a.Bootstrap(ctx, "root2:long-enough"); made || err != nil {
		t.Fatalf("a second Bootstrap = %v, %v: want nothing once a user exists", made, err)
	}
	if _, err := a.CreateUser(ctx, &syncproto.CreateUserRequest{Username: "root", Password: "long-enough", Role: syncproto.RoleAdmin}); authCode(err) != syncproto.CodeConflict {
		t.Fatalf("a taken username: %v", err)
	}
	if id := NewID("cb_"); !strings.HasPrefix(id, "cb_") || len(id) != 19 {
		t.Fatalf("NewID = %q", id)
	}
}
