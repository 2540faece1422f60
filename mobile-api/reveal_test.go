package mobileapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

const (
	revealedName  = "王小明"
	revealedPhone = "13812345678"
)

// revealServer is a fake server whose task "t1" is open and assigned to
// the test courier.
func revealServer(t *testing.T) *fakeServer {
	f := newFakeServer(t)
	f.contacts["t1"] = &fakeContact{name: revealedName, phone: revealedPhone, status: TaskOpen}
	return f
}

func TestRevealContact(t *testing.T) {
	t.Run("reveal returns the number and the outbox file never holds it", func(t *testing.T) {
		f := revealServer(t)
		f.addTaskView(taskView("t1", 1, TaskOpen, "2026-12-01T12:00:00Z", "王**", "138****5678"))
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		c, err := o.RevealContact(t.Context(), "t1")
		if err != nil {
			t.Fatalf("RevealContact: %v", err)
		}
		if *c != (RevealedContact{Name: revealedName, Phone: revealedPhone, ExpiresAt: revealExpiry}) {
			t.Errorf("revealed %q %q %q, want the name, number and expiry the server sent", c.Name, c.Phone, c.ExpiresAt)
		}
		if printed := fmt.Sprintf("%v %+v %s %#v", c, c, c, *c); strings.Contains(printed, revealedPhone) || strings.Contains(printed, revealedName) {
			t.Errorf("printing the contact shows it: %s", printed)
		}
		// Another Sync, as the app would run next, writes the file again.
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		s := mustStatus(t, o)
		o.Close()
		for _, v := range []string{revealedPhone, revealedName} {
			if fileHas(t, path, v) {
				t.Errorf("the outbox file holds %q after a reveal", v)
			}
		}
		if strings.Contains(fmt.Sprintf("%+v", s), revealedPhone) {
			t.Errorf("status holds the number: %+v", s)
		}
		if got := f.traced(); got != "login,pull,reveal,pull" {
			t.Errorf("requests = %s, want login,pull,reveal,pull", got)
		}
	})

	t.Run("an expired access token is refreshed and the reveal resent", func(t *testing.T) {
		f := revealServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		f.set(func(f *fakeServer) { f.revealFaults = []fault{fault401} })
		if err := o.Sync(t.Context()); err != nil { // log in first
			t.Fatal(err)
		}
		c, err := o.RevealContact(t.Context(), "t1")
		if err != nil || c.Phone != revealedPhone {
			t.Fatalf("RevealContact = %v, %v; want the number after a refresh", c, err)
		}
		if got := f.traced(); got != "login,pull,reveal,refresh,reveal" {
			t.Errorf("requests = %s, want the reveal resent after a refresh", got)
		}
	})

	cases := []struct {
		name    string
		task    string
		fault   fault
		want    error
		code    syncproto.Code // the server's code, wrapped; "" for none
		retryIn int64
	}{
		{name: "a task that does not exist is not assigned (404)", task: "nope", want: ErrNotAssigned, code: syncproto.CodeNotFound},
		{name: "another courier's task is not assigned (404)", task: "other", want: ErrNotAssigned, code: syncproto.CodeNotFound},
		{name: "a forbidden reveal is not assigned (403)", task: "t1", fault: faultForbidden, want: ErrNotAssigned, code: syncproto.CodeForbidden},
		{name: "a closed task's contact is gone (409)", task: "closed", want: ErrTaskClosed, code: syncproto.CodeConflict},
		{name: "too many reveals are rate limited with the wait (429)", task: "t1", fault: fault429, want: ErrRateLimited, retryIn: 7},
		{name: "a server error is unavailable, not retried (500)", task: "t1", fault: fault500, want: ErrUnavailable},
		{name: "a dropped connection is unavailable, not retried", task: "t1", fault: faultDropAfter, want: ErrUnavailable},
		{name: "an empty task id is not assigned, without asking", task: "", want: ErrNotAssigned},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := revealServer(t)
			f.contacts["other"] = &fakeContact{name: revealedName, phone: revealedPhone, status: TaskOpen, otherCourier: true}
			f.contacts["closed"] = &fakeContact{name: revealedName, phone: revealedPhone, status: TaskDone}
			o, sl := openTest(t, tempDB(t), testOptions(f))
			if err := o.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			f.set(func(f *fakeServer) { f.revealFaults = []fault{tc.fault} })
			c, err := o.RevealContact(t.Context(), tc.task)
			if c != nil || !errors.Is(err, tc.want) {
				t.Fatalf("RevealContact = %v, %v; want %v", c, err, tc.want)
			}
			var se *syncproto.Error
			if tc.code != "" && (!errors.As(err, &se) || se.Code != tc.code) {
				t.Errorf("error %v does not carry the server's code %s", err, tc.code)
			}
			if got := RetryAfterSeconds(err); got != tc.retryIn {
				t.Errorf("RetryAfterSeconds = %d, want %d", got, tc.retryIn)
			}
			var rl *RateLimitedError
			if errors.As(err, &rl) != (tc.want == ErrRateLimited) {
				t.Errorf("error %v: *RateLimitedError = %v, want it only for 429", err, rl)
			}
			if strings.Contains(err.Error(), revealedPhone) || strings.Contains(err.Error(), revealedName) {
				t.Errorf("error text holds the contact: %v", err)
			}
			wantReveals := 1
			if tc.task == "" {
				wantReveals = 0
			}
			f.set(func(f *fakeServer) {
				if f.reveals != wantReveals {
					t.Errorf("server got %d reveal requests, want %d: a reveal is never retried", f.reveals, wantReveals)
				}
			})
			if d := sl.list(); len(d) != 0 {
				t.Errorf("backoff waits %v, want none", d)
			}
		})
	}

	t.Run("a device with no session and no credentials is not logged in", func(t *testing.T) {
		f := revealServer(t)
		opts := testOptions(f)
		opts.Username, opts.Password = "", ""
		o, _ := openTest(t, tempDB(t), opts)
		if _, err := o.RevealContact(t.Context(), "t1"); !errors.Is(err, ErrNotLoggedIn) {
			t.Errorf("RevealContact = %v, want ErrNotLoggedIn", err)
		}
	})

	t.Run("a closed outbox reveals nothing", func(t *testing.T) {
		f := revealServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		o.Close()
		if _, err := o.RevealContact(t.Context(), "t1"); !errors.Is(err, ErrClosed) {
			t.Errorf("RevealContact = %v, want ErrClosed", err)
		}
	})
}
