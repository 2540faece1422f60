package server

import (
	"crypto/sha256"
	"sync"
	"time"
)

// LoginThrottle slows down password guessing without locking the real user
// out. Failures are counted twice:
//
//   - per username and address: after Free failures within Window, further
//     attempts for that username from that address wait, doubling from Base
//     up to Max. A guesser blocks only itself; the courier on another
//     address (or after a success from this one) is not affected.
//   - per username over all addresses: after UserFree failures within
//     Window (a guesser spreading over many addresses), logins for that
//     username wait too, except from a device already bound to that
//     account (Login decides that), so the courier's own handheld still
//     gets in.
//   - per address over all usernames: after AddrFree failures within
//     Window (one address trying many usernames, each costing a slow
//     hash), logins from that address wait, with the same exception.
//
// Keys are SHA-256 digests of what the client typed, never the text: an
// entry is a few dozen bytes whatever the username's length. At most
// Capacity entries are kept; when full, entries past their window go first,
// then arbitrary others (an attacker who floods the table only forgets
// some of its own counts, and each entry costs it a password check).
type LoginThrottle struct {
	Free     int
	UserFree int
	AddrFree int
	Window   time.Duration
	Base     time.Duration
	Max      time.Duration
	Capacity int

	mu    sync.Mutex
	state map[throttleKey]*loginFailures
}

// throttleKey is the digest of a username, or of a username and address.
type throttleKey [sha256.Size]byte

type loginFailures struct {
	count     int
	first     time.Time
	blockedTo time.Time
}

// Throttle defaults.
const (
	defaultThrottleCapacity = 100_000
	defaultUserFreeFactor   = 10
	defaultAddrFreeFactor   = 20
)

// NewLoginThrottle returns a throttle with the defaults: 5 free failures per
// username and address in 15 minutes, 50 per username from all addresses,
// 100 per address for all usernames, then waits from 1 s doubling to 5 minutes; at most 100,000 entries
// (about 15 MB).
func NewLoginThrottle() *LoginThrottle {
	return &LoginThrottle{Free: 5, UserFree: 50, AddrFree: 100, Window: 15 * time.Minute, Base: time.Second, Max: 5 * time.Minute, Capacity: defaultThrottleCapacity}
}

// ThrottleVerdict is what the throttle says about a login attempt.
type ThrottleVerdict struct {
	// Wait is how long attempts for this username from this address must
	// still wait (0: go ahead).
	Wait time.Duration
	// UserWait is how long attempts for this username from devices not
	// bound to it must wait (too many failures for the username, or from
	// the address).
	UserWait time.Duration
}

// Check returns the waits for a login of username from addr.
func (t *LoginThrottle) Check(username, addr string, now time.Time) ThrottleVerdict {
	if t == nil {
		return ThrottleVerdict{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return ThrottleVerdict{
		Wait:     t.waitLocked(pairKey(username, addr), now),
		UserWait: max(t.waitLocked(userKey(username), now), t.waitLocked(addrKey(addr), now)),
	}
}

func (t *LoginThrottle) waitLocked(k throttleKey, now time.Time) time.Duration {
	f := t.state[k]
	if f == nil || !now.Before(f.blockedTo) {
		return 0
	}
	return f.blockedTo.Sub(now).Round(time.Second) + time.Second
}

// Fail records a failed login of username from addr.
func (t *LoginThrottle) Fail(username, addr string, now time.Time) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failLocked(pairKey(username, addr), t.Free, now)
	userFree := t.UserFree
	if userFree <= 0 {
		userFree = max(t.Free, 1) * defaultUserFreeFactor
	}
	t.failLocked(userKey(username), userFree, now)
	addrFree := t.AddrFree
	if addrFree <= 0 {
		addrFree = max(t.Free, 1) * defaultAddrFreeFactor
	}
	t.failLocked(addrKey(addr), addrFree, now)
}

func (t *LoginThrottle) failLocked(k throttleKey, free int, now time.Time) {
	if t.state == nil {
		t.state = map[throttleKey]*loginFailures{}
	}
	f := t.state[k]
	if f == nil || now.Sub(f.first) > t.Window {
		if f == nil {
			t.makeRoom(now)
		}
		f = &loginFailures{first: now}
		t.state[k] = f
	}
	f.count++
	if f.count > free {
		wait := t.Base << min(f.count-free-1, 20)
		if wait > t.Max || wait <= 0 {
			wait = t.Max
		}
		f.blockedTo = now.Add(wait)
	}
}

// Succeed clears the failures of username from addr. The count over all
// addresses stays: a success does not excuse another address's guesses.
func (t *LoginThrottle) Succeed(username, addr string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	delete(t.state, pairKey(username, addr))
	t.mu.Unlock()
}

// Len returns how many entries the throttle holds.
func (t *LoginThrottle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.state)
}

// makeRoom keeps the table under its capacity: first it drops entries whose
// window and block are over, then, if still full, an eighth of the table.
func (t *LoginThrottle) makeRoom(now time.Time) {
	capacity := t.Capacity
	if capacity <= 0 {
		capacity = defaultThrottleCapacity
	}
	if len(t.state) < capacity {
		return
	}
	for k, f := range t.state {
		if now.Sub(f.first) > t.Window && !now.Before(f.blockedTo) {
			delete(t.state, k)
		}
	}
	for k := range t.state { // map order: arbitrary entries
		if len(t.state) < capacity-capacity/8 {
			break
		}
		delete(t.state, k)
	}
}

func userKey(username string) throttleKey {
	return sha256.Sum256([]byte("user\x00" + username))
}

func addrKey(addr string) throttleKey {
	return sha256.Sum256([]byte("addr\x00" + addr))
}

func pairKey(username, addr string) throttleKey {
	return sha256.Sum256([]byte("pair\x00" + addr + "\x00" + username))
}
