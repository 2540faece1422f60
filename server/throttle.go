package server

import (
	"sync"
	"time"
)

// LoginThrottle slows down password guessing against one username: after
// Free failures within Window each further attempt must wait, doubling from
// Base up to Max. A success clears the count.
type LoginThrottle struct {
	Free   int
	Window time.Duration
	Base   time.Duration
	Max    time.Duration

	mu    sync.Mutex
	state map[string]*loginFailures
}

type loginFailures struct {
	count     int
	first     time.Time
	blockedTo time.Time
}

// NewLoginThrottle returns a throttle with the defaults: 5 free failures in
// 15 minutes, then waits from 1 s doubling to 5 minutes.
func NewLoginThrottle() *LoginThrottle {
	return &LoginThrottle{Free: 5, Window: 15 * time.Minute, Base: time.Second, Max: 5 * time.Minute, state: map[string]*loginFailures{}}
}

// Wait returns how long a login for username must still wait (0: go ahead).
func (t *LoginThrottle) Wait(username string, now time.Time) time.Duration {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.state[username]
	if f == nil || !now.Before(f.blockedTo) {
		return 0
	}
	return f.blockedTo.Sub(now).Round(time.Second) + time.Second
}

// Fail records a failed login.
func (t *LoginThrottle) Fail(username string, now time.Time) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == nil {
		t.state = map[string]*loginFailures{}
	}
	if len(t.state) > 100_000 {
		t.prune(now)
	}
	f := t.state[username]
	if f == nil || now.Sub(f.first) > t.Window {
		f = &loginFailures{first: now}
		t.state[username] = f
	}
	f.count++
	if f.count > t.Free {
		wait := t.Base << min(f.count-t.Free-1, 20)
		if wait > t.Max {
			wait = t.Max
		}
		f.blockedTo = now.Add(wait)
	}
}

// Succeed clears the failures of username.
func (t *LoginThrottle) Succeed(username string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	delete(t.state, username)
	t.mu.Unlock()
}

func (t *LoginThrottle) prune(now time.Time) {
	for k, f := range t.state {
		if now.Sub(f.first) > t.Window && !now.Before(f.blockedTo) {
			delete(t.state, k)
		}
	}
}
