package mobileapi

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// flakyTransport fails every other round trip before it reaches the
// server, like a link that drops out.
type flakyTransport struct {
	n     atomic.Int64
	fails atomic.Int64
}

func (ft *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if ft.n.Add(1)%2 == 1 {
		ft.fails.Add(1)
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errors.New("injected: network is unreachable")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestRetry(t *testing.T) {
	t.Run("server errors (500) are retried with backoff and each op is applied once", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{fault500, fault500} })
		o, sl := openTest(t, tempDB(t), testOptions(f))
		ids := recordMixed(t, o, 5)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		waits := sl.list()
		if len(waits) != 2 {
			t.Fatalf("waits = %v, want 2", waits)
		}
		if waits[0] > backoffBase || waits[1] > 2*backoffBase {
			t.Errorf("waits = %v, want full jitter under 100ms then 200ms", waits)
		}
	})

	t.Run("a connection dropped after the server applied the batch is retried without double effect", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{faultDropAfter, faultDropAfter} })
		opts := testOptions(f)
		opts.BatchSize = 2
		o, _ := openTest(t, tempDB(t), opts)
		ids := recordMixed(t, o, 6)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		if s := mustStatus(t, o); s.Pending != 0 || s.Rejected != 0 {
			t.Errorf("status = %+v, want everything applied", s)
		}
	})

	t.Run("429 waits exactly Retry-After", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{fault429} })
		o, sl := openTest(t, tempDB(t), testOptions(f))
		ids := recordMixed(t, o, 2)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.checkExactlyOnce(t, ids)
		if w := sl.list(); len(w) != 1 || w[0] != 7*time.Second {
			t.Errorf("waits = %v, want [7s]", w)
		}
	})

	t.Run("a flaky injected transport is retried through", func(t *testing.T) {
		f := newFakeServer(t)
		ft := &flakyTransport{}
		opts := testOptions(f)
		opts.Transport = ft
		opts.BatchSize = 3
		o, _ := openTest(t, tempDB(t), opts)
		f.addTask("t1", 1, "open")
		ids := recordMixed(t, o, 9)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		if ft.fails.Load() == 0 {
			t.Error("the injected transport was not used")
		}
	})

	t.Run("after MaxAttempts transient failures sync gives up with ErrUnavailable and keeps the ops", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{fault500, fault500, fault500, fault500} })
		opts := testOptions(f)
		opts.MaxAttempts = 3
		o, sl := openTest(t, tempDB(t), opts)
		ids := recordMixed(t, o, 2)
		err := o.Sync(t.Context())
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Sync = %v, want ErrUnavailable", err)
		}
		if n := len(sl.list()); n != 2 {
			t.Errorf("waited %d times, want 2 (3 attempts)", n)
		}
		if s := mustStatus(t, o); s.Pending != 2 || s.LastError == "" {
			t.Errorf("status = %+v, want 2 pending and LastError set", s)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("next Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
	})

	t.Run("a cancelled context stops the backoff at once", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{fault500} })
		o, _ := openTest(t, tempDB(t), testOptions(f))
		recordMixed(t, o, 1)
		ctx, cancel := context.WithCancel(t.Context())
		o.sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return sleepCtx(ctx, time.Hour)
		}
		if err := o.Sync(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Sync = %v, want context.Canceled", err)
		}
	})

	t.Run("Close interrupts a sync waiting in backoff", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.pushFaults = []fault{fault500} })
		o, _ := openTest(t, tempDB(t), testOptions(f))
		recordMixed(t, o, 1)
		waiting := make(chan struct{})
		o.sleep = func(ctx context.Context, d time.Duration) error {
			close(waiting)
			return sleepCtx(ctx, time.Hour)
		}
		done := make(chan error)
		go func() { done <- o.Sync(context.Background()) }()
		<-waiting
		o.Close()
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Errorf("Sync = %v, want ErrClosed", err)
		}
	})
}

func TestBackoff(t *testing.T) {
	t.Run("full jitter stays within base times two to the attempt, capped", func(t *testing.T) {
		for attempt := 1; attempt <= 40; attempt++ {
			limit := min(backoffCap, backoffBase<<min(attempt-1, 30))
			for i := 0; i < 50; i++ {
				if d := jitter(attempt); d < 0 || d > limit {
					t.Fatalf("jitter(%d) = %v, want within [0, %v]", attempt, d, limit)
				}
			}
		}
	})

	t.Run("Retry-After is read in seconds or as a date and capped", func(t *testing.T) {
		now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
		cases := map[string]time.Duration{
			"":                              0,
			"3":                             3 * time.Second,
			"junk":                          0,
			"-1":                            0,
			"86400":                         maxRetryAfter,
			"Fri, 27 Nov 2026 00:00:30 GMT": 30 * time.Second,
		}
		for v, want := range cases {
			h := http.Header{}
			if v != "" {
				h.Set("Retry-After", v)
			}
			if got := retryAfter(h, now); got != want {
				t.Errorf("Retry-After %q = %v, want %v", v, got, want)
			}
		}
	})
}
