package mobileapi

import (
	"errors"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	t.Run("an expired access token is refreshed and the same batch is resent", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		ids := recordMixed(t, o, 4)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{fault401} })
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		f.set(func(f *fakeServer) {
			if f.logins != 1 || f.refreshes != 1 || len(f.pushBodies) != 2 {
				t.Errorf("logins=%d refreshes=%d pushes=%d, want 1, 1, 2", f.logins, f.refreshes, len(f.pushBodies))
			}
		})
		if string(f.bodyOf(1)) != string(f.bodyOf(2)) {
			t.Error("the batch sent after refresh differs from the one refused with 401")
		}
	})

	t.Run("a reused refresh token gets 401 and the device logs in again", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		ids := recordMixed(t, o, 1)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Another copy of the file spent the refresh token; then the access
		// token expires.
		s, err := o.session(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		f.set(func(f *fakeServer) {
			delete(f.refresh, s.Refresh)
			f.usedRefresh[s.Refresh] = f.access[s.Access]
			f.pushFaults = []fault{fault401}
		})
		ids = append(ids, recordMixed(t, o, 3)...)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		f.set(func(f *fakeServer) {
			if f.reuses != 1 || f.logins != 2 {
				t.Errorf("reuses=%d logins=%d, want 1 and 2", f.reuses, f.logins)
			}
		})
	})

	t.Run("a refresh answer lost on the way makes the next refresh a reuse, and login recovers", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.set(func(f *fakeServer) {
			f.pushFaults = []fault{fault401}
			f.refrFaults = []fault{faultDropAfter}
		})
		ids := recordMixed(t, o, 2)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		f.set(func(f *fakeServer) {
			if f.reuses != 1 || f.logins != 2 {
				t.Errorf("reuses=%d logins=%d, want 1 and 2", f.reuses, f.logins)
			}
		})
	})

	t.Run("the session survives a restart without credentials", func(t *testing.T) {
		f := newFakeServer(t)
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		o.Close()
		opts := testOptions(f)
		opts.Username, opts.Password = "", ""
		o2, _ := openTest(t, path, opts)
		ids := recordMixed(t, o2, 2)
		if err := o2.Sync(t.Context()); err != nil {
			t.Fatalf("Sync after restart: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		f.set(func(f *fakeServer) {
			if f.logins != 1 {
				t.Errorf("logins = %d, want 1 (the stored session is reused)", f.logins)
			}
		})
	})

	t.Run("without a session or credentials sync fails with ErrNotLoggedIn", func(t *testing.T) {
		f := newFakeServer(t)
		opts := testOptions(f)
		opts.Password = ""
		o, _ := openTest(t, tempDB(t), opts)
		recordMixed(t, o, 1)
		if err := o.Sync(t.Context()); !errors.Is(err, ErrNotLoggedIn) {
			t.Errorf("Sync = %v, want ErrNotLoggedIn", err)
		}
		if s := mustStatus(t, o); s.Pending != 1 || s.LastError == "" {
			t.Errorf("status = %+v, want the op kept and LastError set", s)
		}
	})

	t.Run("a wrong password fails with ErrAuth and keeps the outbox", func(t *testing.T) {
		f := newFakeServer(t)
		opts := testOptions(f)
		opts.Password = "wrong-password"
		o, _ := openTest(t, tempDB(t), opts)
		recordMixed(t, o, 2)
		if err := o.Sync(t.Context()); !errors.Is(err, ErrAuth) {
			t.Errorf("Sync = %v, want ErrAuth", err)
		}
		s := mustStatus(t, o)
		if s.Pending != 2 || s.LastError == "" {
			t.Errorf("status = %+v, want 2 pending and LastError set", s)
		}
		if strings.Contains(s.LastError, "wrong-password") || strings.Contains(s.LastError, testUser) {
			t.Errorf("LastError %q carries credentials", s.LastError)
		}
	})

	t.Run("a throttled login waits Retry-After and then succeeds", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.loginFaults = []fault{fault429} })
		o, sl := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if d := sl.list(); len(d) != 1 || d[0].Seconds() != 7 {
			t.Errorf("waits = %v, want one of 7s", d)
		}
	})
}
