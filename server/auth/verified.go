package auth

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/server"
)

// maxVerified bounds the verified-token memo: a fleet's live access
// tokens, about 100 bytes each.
const maxVerified = 1 << 15

// verified remembers the claims of access tokens whose signature and
// claims were checked, keyed by the token's digest, so a handheld's
// requests (and a flooder's refused ones) cost a map lookup instead of an
// Ed25519 verification each: the same bytes always verify the same way.
// What changes with time, expiry, is checked at every use; sessions and
// accounts are checked by server.Auth at every use, as before. Only
// successes are kept, so forged tokens cannot fill it.
type verified struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]memoEntry
}

type memoEntry struct {
	claims server.Claims
	until  time.Time // expiry plus leeway
}

func (v *verified) get(token string, now time.Time) (server.Claims, bool) {
	k := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.m[k]
	if ok && !now.Before(e.until) {
		delete(v.m, k)
		return server.Claims{}, false
	}
	return e.claims, ok
}

func (v *verified) put(token string, c server.Claims, until time.Time) {
	k := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[[sha256.Size]byte]memoEntry)
	}
	if len(v.m) >= maxVerified {
		for old := range v.m { // evict one, effectively at random
			delete(v.m, old)
			break
		}
	}
	v.m[k] = memoEntry{claims: c, until: until}
}
