package auth_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/auth"
	"github.com/golang-jwt/jwt/v5"
)

func TestKeyFileIsMadeOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "jwt.pem")
	k1, err := auth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := auth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Fatal("a second load made a new key: tokens would not survive a restart")
	}
}

func TestSignerAcceptsOnlyItsOwnLiveTokens(t *testing.T) {
	dir := t.TempDir()
	key, _ := auth.LoadOrCreateKey(filepath.Join(dir, "a.pem"))
	other, _ := auth.LoadOrCreateKey(filepath.Join(dir, "b.pem"))
	now := time.Now()
	s := auth.NewSigner(key, func() time.Time { return now })
	claims := server.Claims{UserID: "u7", Role: "courier", DeviceID: "d-1", SessionID: "s1", ExpiresAt: now.Add(15 * time.Minute)}
	good, err := s.Issue(claims)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Verify(good); err != nil || got.UserID != "u7" || got.DeviceID != "d-1" {
		t.Fatalf("own token: %+v, %v", got, err)
	}
	foreign, _ := auth.NewSigner(other, nil).Issue(claims)
	expired, _ := s.Issue(server.Claims{UserID: "u7", Role: "courier", DeviceID: "d-1", SessionID: "s1", ExpiresAt: now.Add(-time.Hour)})
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "u7", "dev": "d-1", "sid": "s1", "iss": auth.Issuer,
		"aud": auth.Audience, "exp": now.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "=") + "x." + parts[2]
	for name, tok := range map[string]string{"signed by another key": foreign, "expired": expired, "alg none": none, "tampered": tampered, "empty": ""} {
		t.Run("a token "+name+" is refused", func(t *testing.T) {
			if _, err := s.Verify(tok); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestBcryptComparesAndSpendsTimeOnUnknownUsers(t *testing.T) {
	b := auth.Bcrypt{Cost: 4}
	h, err := b.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Compare(h, "correct horse") || b.Compare(h, "wrong horse") || b.Compare("", "correct horse") {
		t.Fatal("compare gave a wrong answer")
	}
}

// A token verified once is remembered (a flood of requests costs no
// signature checks), but the memo never outlives the token's expiry and
// leeway, and never takes a token that differs by a byte.
func TestVerifiedTokensAreRememberedOnlyWhileLive(t *testing.T) {
	key, _ := auth.LoadOrCreateKey(filepath.Join(t.TempDir(), "a.pem"))
	now := time.Now()
	s := auth.NewSigner(key, func() time.Time { return now })
	good, _ := s.Issue(server.Claims{UserID: "u7", Role: "courier", DeviceID: "d-1", SessionID: "s1", ExpiresAt: now.Add(time.Minute)})
	for range 2 {
		if _, err := s.Verify(good); err != nil {
			t.Fatal(err)
		}
	}
	parts := strings.Split(good, ".")
	sig := []byte(parts[2])
	sig[3] ^= 1
	if _, err := s.Verify(parts[0] + "." + parts[1] + "." + string(sig)); err == nil {
		t.Fatal("a token with another signature was taken from the memo")
	}
	now = now.Add(time.Minute + 29*time.Second)
	if _, err := s.Verify(good); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	now = now.Add(2 * time.Second)
	if _, err := s.Verify(good); err == nil {
		t.Fatal("an expired token was taken from the memo")
	}
}
