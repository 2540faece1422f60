package main

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of the flaky link. Both look like network failures to the client;
// only the second one happens after the server has done the work.
var (
	errLinkDropped = errors.New("flaky link: connection dropped before the request reached the server")
	errLinkReset   = errors.New("flaky link: connection reset after the server answered")
)

// Slow responses are held back by a delay in this range.
const (
	slowMin = 100 * time.Millisecond
	slowMax = 400 * time.Millisecond
)

// linkStats counts what a flaky link did. Safe for concurrent use.
type linkStats struct {
	Requests      atomic.Int64
	DroppedBefore atomic.Int64
	ResetAfter    atomic.Int64
	Slow          atomic.Int64
	// By route: how the handhelds spent their requests.
	Push, Pull, Blob, Login, Refresh, Other atomic.Int64
	// BlobBytes is the photo bytes (PUT and PATCH bodies) that reached the
	// server; BlobBytesLost those of requests dropped before it.
	BlobBytes, BlobBytesLost atomic.Int64
}

// add folds o into s.
func (s *linkStats) add(o *linkStats) {
	for _, p := range [][2]*atomic.Int64{
		{&s.Requests, &o.Requests}, {&s.DroppedBefore, &o.DroppedBefore}, {&s.ResetAfter, &o.ResetAfter}, {&s.Slow, &o.Slow},
		{&s.Push, &o.Push}, {&s.Pull, &o.Pull}, {&s.Blob, &o.Blob}, {&s.Login, &o.Login}, {&s.Refresh, &o.Refresh}, {&s.Other, &o.Other},
		{&s.BlobBytes, &o.BlobBytes}, {&s.BlobBytesLost, &o.BlobBytesLost},
	} {
		p[0].Add(p[1].Load())
	}
}

// countRoute counts a request by its route.
func (s *linkStats) countRoute(path string) {
	if strings.HasPrefix(path, "/v1/blobs/") {
		s.Blob.Add(1)
		return
	}
	switch path {
	case "/v1/sync/push":
		s.Push.Add(1)
	case "/v1/sync/pull":
		s.Pull.Add(1)
	case "/v1/auth/login":
		s.Login.Add(1)
	case "/v1/auth/refresh":
		s.Refresh.Add(1)
	default:
		s.Other.Add(1)
	}
}

// flakyLink is an http.RoundTripper that loses requests and answers on
// purpose. With probability FailRate a request fails: half of those never
// reach the server, the other half reach it, the server answers, and the
// answer is thrown away (a connection reset after the server applied the
// ops: the client must resend and the server must recognise the resend).
// With probability SlowRate the answer is held back 100–400 ms.
//
// Its decisions come from its own seeded source, so one courier's link
// behaves the same for the same seed, request after request.
type flakyLink struct {
	base     http.RoundTripper
	failRate float64
	slowRate float64
	stats    linkStats
	// sleep waits for a slow answer; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	mu  sync.Mutex
	rng *rand.Rand
}

// newFlakyLink returns a link over base whose decisions follow (seed, stream).
func newFlakyLink(base http.RoundTripper, failRate, slowRate float64, seed, stream uint64) *flakyLink {
	return &flakyLink{
		base:     base,
		failRate: failRate,
		slowRate: slowRate,
		sleep:    sleepCtx,
		rng:      rand.New(rand.NewPCG(seed, stream)),
	}
}

// linkFate is what happens to one request.
type linkFate struct {
	drop, reset bool
	delay       time.Duration
}

// decide draws the fate of the next request. It always draws the same
// number of values so that the sequence of fates depends on the seed alone.
func (f *flakyLink) decide() linkFate {
	f.mu.Lock()
	fail, half, slow := f.rng.Float64(), f.rng.Float64(), f.rng.Float64()
	delay := slowMin + time.Duration(f.rng.Int64N(int64(slowMax-slowMin)+1))
	f.mu.Unlock()
	var fate linkFate
	if fail < f.failRate {
		fate.drop = half < 0.5
		fate.reset = !fate.drop
	}
	if slow < f.slowRate && !fate.drop {
		fate.delay = delay
	}
	return fate
}

// RoundTrip implements http.RoundTripper.
func (f *flakyLink) RoundTrip(req *http.Request) (*http.Response, error) {
	f.stats.Requests.Add(1)
	f.stats.countRoute(req.URL.Path)
	fate := f.decide()
	upload := int64(0)
	if strings.HasPrefix(req.URL.Path, "/v1/blobs/") && (req.Method == http.MethodPatch || req.Method == http.MethodPut) {
		upload = max(0, req.ContentLength)
	}
	if fate.drop {
		f.stats.DroppedBefore.Add(1)
		f.stats.BlobBytesLost.Add(upload)
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errLinkDropped}
	}
	f.stats.BlobBytes.Add(upload)
	resp, err := f.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if fate.delay > 0 {
		f.stats.Slow.Add(1)
		if err := f.sleep(req.Context(), fate.delay); err != nil {
			resp.Body.Close()
			return nil, err
		}
	}
	if fate.reset {
		f.stats.ResetAfter.Add(1)
		// Read the whole answer first: the server has finished its work
		// by the time the connection "breaks".
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: errLinkReset}
	}
	return resp, nil
}

// newBaseTransport is an http.DefaultTransport-like transport sized for
// many concurrent devices against one host.
func newBaseTransport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(100, 2*conns)
	t.MaxIdleConnsPerHost = max(16, 2*conns)
	t.IdleConnTimeout = 90 * time.Second
	return t
}
