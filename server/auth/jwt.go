package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/golang-jwt/jwt/v5"
)

// leeway is how far past its expiry a token is still taken, for clock
// differences between the server's nodes.
const leeway = 30 * time.Second

// Token issuer and audience.
const (
	Issuer   = "courier-sync"
	Audience = "courier-sync-api"
)

// Signer issues and verifies EdDSA access tokens. It implements
// server.TokenSigner.
type Signer struct {
	key    ed25519.PrivateKey
	kid    string
	parser *jwt.Parser
	clock  server.Clock
	memo   verified
}

// claims is the JWT body: registered claims plus role, device and session.
type claims struct {
	Role      string `json:"role"`
	DeviceID  string `json:"dev"`
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// NewSigner returns a Signer for key. clock may be nil.
func NewSigner(key ed25519.PrivateKey, clock server.Clock) *Signer {
	sum := sha256.Sum256(key.Public().(ed25519.PublicKey))
	return &Signer{
		key:   key,
		kid:   hex.EncodeToString(sum[:8]),
		clock: clock,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(Issuer),
			jwt.WithAudience(Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(clock.Now),
		),
	}
}

// Issue implements server.TokenSigner.
func (s *Signer) Issue(c server.Claims) (string, error) {
	now := s.clock.Now()
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims{
		Role: c.Role, DeviceID: c.DeviceID, SessionID: c.SessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   c.UserID,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
		},
	})
	t.Header["kid"] = s.kid
	return t.SignedString(s.key)
}

// errClaims is returned for a well-signed token that lacks a needed claim.
var errClaims = errors.New("auth: token lacks subject, device or session")

// Verify implements server.TokenSigner.
func (s *Signer) Verify(token string) (server.Claims, error) {
	if c, ok := s.memo.get(token, s.clock.Now()); ok {
		return c, nil
	}
	var c claims
	_, err := s.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		return s.key.Public(), nil
	})
	if err != nil {
		return server.Claims{}, err
	}
	if c.Subject == "" || c.DeviceID == "" || c.SessionID == "" {
		return server.Claims{}, errClaims
	}
	v := server.Claims{UserID: c.Subject, Role: c.Role, DeviceID: c.DeviceID, SessionID: c.SessionID, ExpiresAt: c.ExpiresAt.Time}
	s.memo.put(token, v, v.ExpiresAt.Add(leeway))
	return v, nil
}
