package server

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memUsers is an in-memory UserStore.
type memUsers struct {
	mu    sync.Mutex
	users map[string]*User // by id
	err   error            // when set, every call fails like a sick store
}

func (s *memUsers) CreateUser(_ context.Context, u *User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	for _, x := range s.users {
		if x.Username == u.Username {
			return Conflict("username taken")
		}
	}
	if s.users == nil {
		s.users = map[string]*User{}
	}
	u.ID = "u" + strconv.Itoa(len(s.users)+1)
	c := *u
	s.users[u.ID] = &c
	return nil
}

func (s *memUsers) UserByName(_ context.Context, name string) (*User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	for _, u := range s.users {
		if u.Username == name {
			c := *u
			return &c, nil
		}
	}
	return nil, ErrNotFound
}

func (s *memUsers) UserByID(_ context.Context, id string) (*User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if u, ok := s.users[id]; ok {
		c := *u
		return &c, nil
	}
	return nil, ErrNotFound
}

func (s *memUsers) ListUsers(context.Context, string, int) ([]*User, string, bool, error) {
	return nil, "", false, errors.New("not used")
}

func (s *memUsers) CountUsers(context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users), s.err
}

// update changes a stored user.
func (s *memUsers) update(id string, f func(*User)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.users[id])
}

// memSessions is an in-memory SessionStore with the store's rotation rules.
type memSessions struct {
	mu       sync.Mutex
	sessions map[string]*Session
	owners   map[string]string // device → user
	err      error             // when set, Session fails like a sick store
}

func (s *memSessions) CreateSession(_ context.Context, x *Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions, s.owners = map[string]*Session{}, map[string]string{}
	}
	if o := s.owners[x.DeviceID]; o != "" && o != x.UserID {
		return ErrDeviceTaken
	}
	s.owners[x.DeviceID] = x.UserID
	c := *x
	s.sessions[x.ID] = &c
	return nil
}

func (s *memSessions) Session(_ context.Context, id string) (*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	x, ok := s.sessions[id]
	if !ok {
		return nil, ErrNotFound
	}
	c := *x
	return &c, nil
}

func (s *memSessions) RotateRefresh(_ context.Context, id string, old, next []byte, now time.Time, grace time.Duration) (*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.sessions[id]
	switch {
	case !ok:
		return nil, ErrNotFound
	case x.RevokedAt != nil || !now.Before(x.ExpiresAt):
		return nil, ErrUnauthorized
	case bytes.Equal(x.RefreshHash, old):
		x.UsedHashes = append(x.UsedHashes, x.RefreshHash)
		x.PrevHash, x.RotatedAt, x.RefreshHash = old, now, next
	case bytes.Equal(x.PrevHash, old) && bytes.Equal(x.RefreshHash, next) && now.Sub(x.RotatedAt) <= grace:
	case containsHash(x.UsedHashes, old):
		x.RevokedAt = &now
		return nil, ErrRefreshReused
	default:
		return nil, ErrUnauthorized
	}
	c := *x
	return &c, nil
}

func (s *memSessions) RevokeSession(_ context.Context, id string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x, ok := s.sessions[id]; ok && x.RevokedAt == nil {
		x.RevokedAt = &now
	}
	return nil
}

func (s *memSessions) DeviceOwner(_ context.Context, device string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.owners[device], nil
}

func (s *memSessions) ReleaseDevice(_ context.Context, device string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.owners, device)
	return nil
}

// plainTokens signs claims as readable text; a token it did not issue
// fails to verify.
type plainTokens struct{}

func (plainTokens) Issue(c Claims) (string, error) {
	return strings.Join([]string{"tok", c.UserID, c.Role, c.DeviceID, c.SessionID}, "|"), nil
}

func (plainTokens) Verify(tok string) (Claims, error) {
	f := strings.Split(tok, "|")
	if len(f) != 5 || f[0] != "tok" {
		return Claims{}, errors.New("bad token")
	}
	return Claims{UserID: f[1], Role: f[2], DeviceID: f[3], SessionID: f[4]}, nil
}

// plainHasher "hashes" by prefixing; the empty hash matches nothing.
type plainHasher struct{}

func (plainHasher) Hash(pw string) (string, error) { return "h:" + pw, nil }
func (plainHasher) Compare(hash, pw string) bool   { return hash != "" && hash == "h:"+pw }
