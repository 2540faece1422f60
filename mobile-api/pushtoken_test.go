package mobileapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// tokenNames returns the accepted push tokens, comma separated.
func tokenNames(f *fakeServer) string {
	var out []string
	for _, p := range f.tokens() {
		out = append(out, p.token)
	}
	return strings.Join(out, ",")
}

func mustSync(t *testing.T, o *Outbox) {
	t.Helper()
	if err := o.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

func TestPushToken(t *testing.T) {
	t.Run("the token is registered once after login, before push and pull, and again after it changes", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.SetPushToken("fcm-A"); err != nil {
			t.Fatal(err)
		}
		if !mustStatus(t, o).PushTokenPending {
			t.Error("PushTokenPending = false right after SetPushToken")
		}
		ids := recordMixed(t, o, 2)
		mustSync(t, o)
		if got := f.traced(); got != "login,push-token,push,pull" {
			t.Errorf("requests = %s, want login,push-token,push,pull", got)
		}
		f.checkExactlyOnce(t, ids)
		if s := mustStatus(t, o); s.PushTokenPending || s.LastPushTokenError != "" {
			t.Errorf("status = %+v, want the token registered", s)
		}

		mustSync(t, o)
		if err := o.SetPushToken("fcm-A"); err != nil { // the same token again
			t.Fatal(err)
		}
		mustSync(t, o)
		if got := tokenNames(f); got != "fcm-A" {
			t.Errorf("registered %s, want fcm-A once", got)
		}

		if err := o.SetPushToken("fcm-B"); err != nil {
			t.Fatal(err)
		}
		mustSync(t, o)
		if got := tokenNames(f); got != "fcm-A,fcm-B" {
			t.Errorf("registered %s, want fcm-A then fcm-B", got)
		}
	})

	t.Run("a session renewed during a sync registers the token again with the new session", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.SetPushToken("fcm-A"); err != nil {
			t.Fatal(err)
		}
		mustSync(t, o)
		recordMixed(t, o, 1)
		f.set(func(f *fakeServer) {
			f.trace = nil
			f.pushFaults = []fault{fault401} // the access token expired
		})
		mustSync(t, o)
		if got := f.traced(); got != "push,refresh,push,pull,push-token" {
			t.Errorf("requests = %s, want the token registered again after the refresh", got)
		}
		puts := f.tokens()
		s, err := o.storedSession()
		if err != nil {
			t.Fatal(err)
		}
		if len(puts) != 2 || puts[1].token != "fcm-A" || puts[1].access != s.Access || puts[0].access == s.Access {
			t.Errorf("registrations = %+v, want a second one with the refreshed access token", puts)
		}
		mustSync(t, o)
		if n := len(f.tokens()); n != 2 {
			t.Errorf("%d registrations after another sync, want still 2", n)
		}
	})

	t.Run("the token and its registration survive a restart", func(t *testing.T) {
		f := newFakeServer(t)
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		if err := o.SetPushToken("fcm-A"); err != nil {
			t.Fatal(err)
		}
		o.Close()
		o2, _ := openTest(t, path, testOptions(f))
		mustSync(t, o2)
		o2.Close()
		o3, _ := openTest(t, path, testOptions(f))
		mustSync(t, o3)
		if got := tokenNames(f); got != "fcm-A" {
			t.Errorf("registered %s, want fcm-A once across restarts", got)
		}
	})

	failures := []struct {
		name  string
		fault fault
	}{
		{"a server error", fault500},
		{"a refusal", faultForbidden},
		{"a dropped connection", faultDropAfter},
	}
	for _, tc := range failures {
		t.Run("sync still pushes ops when registering the token meets "+tc.name, func(t *testing.T) {
			f := newFakeServer(t)
			f.addTask("t1", 1, TaskOpen)
			f.set(func(f *fakeServer) { f.tokenFaults = []fault{tc.fault} })
			o, sl := openTest(t, tempDB(t), testOptions(f))
			if err := o.SetPushToken("fcm-A"); err != nil {
				t.Fatal(err)
			}
			ids := recordMixed(t, o, 6)
			mustSync(t, o)
			f.checkExactlyOnce(t, ids)
			if tasks := mustTasks(t, o); len(tasks) != 1 {
				t.Errorf("tasks = %d, want the pull done too", len(tasks))
			}
			s := mustStatus(t, o)
			if !s.PushTokenPending || !strings.Contains(s.LastPushTokenError, "push token") || s.LastError != "" || s.Pending != 0 {
				t.Errorf("status = %+v, want the ops pushed and the token still pending with its error", s)
			}
			if d := sl.list(); len(d) != 0 {
				t.Errorf("backoff waits %v: a failed registration must not hold up the ops", d)
			}
			if got := f.traced(); got != "login,push-token,push,pull" {
				t.Errorf("requests = %s, want one registration attempt, then push and pull", got)
			}

			mustSync(t, o)
			if s := mustStatus(t, o); s.PushTokenPending || s.LastPushTokenError != "" || tokenNames(f) != "fcm-A" {
				t.Errorf("after the next sync: status = %+v, registered %q; want the token registered", s, tokenNames(f))
			}
		})
	}

	t.Run("a token that is not 1-4096 printable ASCII characters is refused and not stored", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		for _, tok := range []string{"", "has space", "naïve", strings.Repeat("x", maxPushTokenLen+1)} {
			var se *syncproto.Error
			if err := o.SetPushToken(tok); !errors.As(err, &se) || se.Code != syncproto.CodeValidationFailed {
				t.Errorf("SetPushToken(%.20q) = %v, want validation_failed", tok, err)
			}
		}
		if err := o.SetPushToken(strings.Repeat("x", maxPushTokenLen)); err != nil {
			t.Errorf("SetPushToken of %d characters = %v, want it taken", maxPushTokenLen, err)
		}
	})
}
