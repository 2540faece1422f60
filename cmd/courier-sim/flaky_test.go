package main

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer answers 200 "ok" and counts the requests that reach it.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hits.Add(1)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// near fails unless got is within 5 standard deviations of n·p.
func near(t *testing.T, what string, got int64, n int, p float64) {
	t.Helper()
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	if math.Abs(float64(got)-mean) > 5*sd+1 {
		t.Errorf("%s = %d, want about %.0f (±%.0f)", what, got, mean, 5*sd)
	}
}

func TestFlakyLinkFailsTheShareOfRequestsAskedForInBothWays(t *testing.T) {
	srv, hits := countingServer(t)
	const n, failRate = 2000, 0.3
	link := newFlakyLink(newBaseTransport(1), failRate, 0, 42, 1)
	client := &http.Client{Transport: link}

	var ok, dropped, reset int64
	for range n {
		resp, err := client.Post(srv.URL, "application/json", nil)
		switch {
		case err == nil:
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "ok" {
				t.Fatalf("a request that got through answered %q, want the server's answer", body)
			}
			ok++
		case errors.Is(err, errLinkDropped):
			dropped++
		case errors.Is(err, errLinkReset):
			reset++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	near(t, "dropped before the server", dropped, n, failRate/2)
	near(t, "reset after the server answered", reset, n, failRate/2)
	if got, want := hits.Load(), n-dropped; got != want {
		t.Errorf("server saw %d requests, want %d: every request but the dropped ones must reach it (resets included)", got, want)
	}
	if ok+dropped+reset != n {
		t.Errorf("ok %d + dropped %d + reset %d != %d", ok, dropped, reset, n)
	}
	st := &link.stats
	if st.Requests.Load() != n || st.DroppedBefore.Load() != dropped || st.ResetAfter.Load() != reset || st.Slow.Load() != 0 {
		t.Errorf("stats = %d requests, %d dropped, %d reset, %d slow; want %d, %d, %d, 0",
			st.Requests.Load(), st.DroppedBefore.Load(), st.ResetAfter.Load(), st.Slow.Load(), n, dropped, reset)
	}
}

func TestFlakyLinkDelaysSlowAnswersBy100To400ms(t *testing.T) {
	srv, _ := countingServer(t)
	const n, slowRate = 1000, 0.25
	link := newFlakyLink(newBaseTransport(1), 0, slowRate, 7, 3)
	var delays []time.Duration
	link.sleep = func(_ context.Context, d time.Duration) error {
		delays = append(delays, d)
		return nil
	}
	client := &http.Client{Transport: link}
	for range n {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatalf("with fail-rate 0 a request failed: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	near(t, "slow answers", int64(len(delays)), n, slowRate)
	if int64(len(delays)) != link.stats.Slow.Load() {
		t.Errorf("stats count %d slow answers, the link slept %d times", link.stats.Slow.Load(), len(delays))
	}
	for _, d := range delays {
		if d < slowMin || d > slowMax {
			t.Fatalf("delay %s outside [%s, %s]", d, slowMin, slowMax)
		}
	}
}

func TestFlakyLinkWithZeroRatesPassesEverythingThrough(t *testing.T) {
	srv, hits := countingServer(t)
	link := newFlakyLink(newBaseTransport(1), 0, 0, 1, 1)
	link.sleep = func(context.Context, time.Duration) error { t.Fatal("slept with slow-rate 0"); return nil }
	client := &http.Client{Transport: link}
	for range 200 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if hits.Load() != 200 {
		t.Errorf("server saw %d of 200 requests", hits.Load())
	}
}

func TestFlakyLinkFatesRepeatForTheSameSeed(t *testing.T) {
	fates := func(seed, stream uint64) []linkFate {
		l := newFlakyLink(nil, 0.2, 0.2, seed, stream)
		out := make([]linkFate, 500)
		for i := range out {
			out[i] = l.decide()
		}
		return out
	}
	a, b, other := fates(9, 4), fates(9, 4), fates(9, 5)
	same, differ := true, false
	for i := range a {
		same = same && a[i] == b[i]
		differ = differ || a[i] != other[i]
	}
	if !same {
		t.Error("two links with the same seed and courier decided differently")
	}
	if !differ {
		t.Error("two couriers' links decided exactly alike")
	}
}

func TestFlakyLinkDroppedRequestNeverReachesTheServer(t *testing.T) {
	srv, hits := countingServer(t)
	link := newFlakyLink(newBaseTransport(1), 0.999999, 0, 1, 1)
	client := &http.Client{Transport: link}
	var dropped int
	for range 50 {
		_, err := client.Post(srv.URL, "text/plain", nil)
		if errors.Is(err, errLinkDropped) {
			dropped++
		}
	}
	if got, want := hits.Load(), int64(50-dropped); got != want {
		t.Errorf("server saw %d requests, want %d (all but the %d dropped)", got, want, dropped)
	}
	if dropped == 0 || dropped == 50 {
		t.Errorf("dropped %d of 50 at fail-rate ~1, want about half (the rest reset after)", dropped)
	}
}
