package courier

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Cancel is a handle that stops the calls it is passed to (Sync,
// UploadPhotos, RevealContact), from any thread. A cancelled call ends
// with CodeCancelled and loses nothing; a Cancel stays cancelled.
type Cancel struct {
	mu        sync.Mutex
	cancelled bool
	next      int
	fns       map[int]context.CancelFunc
}

// NewCancel returns a handle that is not cancelled.
func NewCancel() *Cancel { return &Cancel{fns: map[int]context.CancelFunc{}} }

// Cancel stops every call running with this handle, and any later one.
func (c *Cancel) Cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelled = true
	for _, f := range c.fns {
		f()
	}
}

// Cancelled reports whether Cancel was called.
func (c *Cancel) Cancelled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cancelled
}

// context makes the context of one call: timeoutMillis > 0 bounds it, c
// (may be nil) cancels it. The returned func releases it.
func (c *Cancel) context(timeoutMillis int64) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	if timeoutMillis > 0 {
		ctx, cancel = context.WithTimeout(ctx, time.Duration(timeoutMillis)*time.Millisecond)
	}
	if c == nil {
		return ctx, cancel
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fns == nil {
		c.fns = map[int]context.CancelFunc{}
	}
	if c.cancelled {
		cancel()
		return ctx, cancel
	}
	id := c.next
	c.next++
	c.fns[id] = cancel
	return ctx, func() {
		c.mu.Lock()
		delete(c.fns, id)
		c.mu.Unlock()
		cancel()
	}
}

// Sync pushes every op recorded so far, pulls the change feed (callback
// tasks, complaints, COD balance, vehicle statuses, capture policy) and
// uploads waiting photos. It blocks: call it off the main thread.
// timeoutMillis (0: none) and cancel (may be nil) stop it; nothing is lost
// and the next Sync resumes. The Listener hears its progress.
func (o *Outbox) Sync(timeoutMillis int64, cancel *Cancel) error {
	ctx, done := cancel.context(timeoutMillis)
	defer done()
	err := wrap(o.ob.Sync(ctx))
	o.finished(err)
	return err
}

// UploadPhotos uploads the waiting photos only (Sync does it too),
// resuming each where the server stands.
func (o *Outbox) UploadPhotos(timeoutMillis int64, cancel *Cancel) error {
	ctx, done := cancel.context(timeoutMillis)
	defer done()
	return wrap(o.ob.UploadPhotos(ctx))
}

// RevealContact asks the server for the full name and number of an open
// task of this courier (online only, audited, rate-limited: see
// RetryAfterOf). Show the answer; never store, log or copy it.
func (o *Outbox) RevealContact(taskID string, timeoutMillis int64, cancel *Cancel) (Contact, error) {
	ctx, done := cancel.context(timeoutMillis)
	defer done()
	c, err := o.ob.RevealContact(ctx, taskID)
	if err != nil {
		return nil, wrap(err)
	}
	return contact{c}, nil
}

// Listener is implemented by the app to follow syncs. Its methods are
// called on a library thread (post to the UI thread yourself) and must
// return quickly.
type Listener interface {
	// OnProgress is called before each request of a sync: phase is "login",
	// "push_token", "push", "pull", "photos" or "reveal"; opsPending and
	// photosPending are what is still to send at that moment.
	OnProgress(phase string, opsPending, photosPending int64)
	// OnSyncDone is called when a Sync (called directly or started by
	// Wake) ends: code is "" on success, else the error's code.
	OnSyncDone(code, message string)
}

// SetListener sets (or, with nil, clears) the app's Listener.
func (o *Outbox) SetListener(l Listener) {
	if l == nil {
		o.listener.Store(nil)
		return
	}
	o.listener.Store(&listenerBox{l})
}

func (o *Outbox) current() Listener {
	if b := o.listener.Load(); b != nil {
		return b.l
	}
	return nil
}

func (o *Outbox) finished(err error) {
	if l := o.current(); l != nil {
		if err == nil {
			l.OnSyncDone("", "")
		} else {
			l.OnSyncDone(CodeOf(err), err.Error())
		}
	}
}

// Wake starts a sync in the background and returns at once: call it when
// an FCM data message arrives (the message only says "something changed
// for you"; its content is ignored) or when the network comes back. A wake
// during a running background sync makes one more sync follow it, so no
// change is missed and wake-ups never pile up. timeoutMillis bounds each
// sync (0: none). The Listener hears the outcome; Close stops it.
func (o *Outbox) Wake(timeoutMillis int64) {
	w := &o.wake
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timeout = timeoutMillis
	if w.running {
		w.again = true
		return
	}
	w.running, w.done = true, make(chan struct{})
	go o.wakeLoop()
}

func (o *Outbox) wakeLoop() {
	w := &o.wake
	for {
		w.mu.Lock()
		timeout := w.timeout
		w.again = false
		w.mu.Unlock()
		_ = o.Sync(timeout, nil)
		w.mu.Lock()
		if !w.again {
			w.running = false
			close(w.done)
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
	}
}

// WaitIdle blocks until no background sync started by Wake is running, or
// timeoutMillis passed (0: no limit); it reports whether it is idle. For
// tests and for an app about to Close.
func (o *Outbox) WaitIdle(timeoutMillis int64) bool {
	o.wake.mu.Lock()
	running, done := o.wake.running, o.wake.done
	o.wake.mu.Unlock()
	if !running {
		return true
	}
	if timeoutMillis <= 0 {
		<-done
		return true
	}
	t := time.NewTimer(time.Duration(timeoutMillis) * time.Millisecond)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// progress reports each request of a sync to the Listener before it goes.
type progress struct {
	o    *Outbox
	next http.RoundTripper
}

func progressTransport(o *Outbox) http.RoundTripper {
	return &progress{o: o, next: http.DefaultTransport}
}

// RoundTrip implements http.RoundTripper.
func (p *progress) RoundTrip(r *http.Request) (*http.Response, error) {
	if l := p.o.current(); l != nil && p.o.ob != nil {
		var ops, photos int64
		if s, err := p.o.ob.Status(); err == nil {
			ops, photos = int64(s.Pending), int64(s.PhotosPending)
		}
		l.OnProgress(phaseOf(r), ops, photos)
	}
	return p.next.RoundTrip(r)
}

func phaseOf(r *http.Request) string {
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/v1/auth/"):
		return "login"
	case strings.HasPrefix(path, "/v1/devices/"):
		return "push_token"
	case path == "/v1/sync/push":
		return "push"
	case path == "/v1/sync/pull":
		return "pull"
	case strings.HasPrefix(path, "/v1/blobs/"), strings.HasPrefix(path, "/v1/uploads"):
		return "photos"
	case strings.HasSuffix(path, "/contact"):
		return "reveal"
	}
	return "other"
}
