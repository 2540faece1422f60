package httpapi

import (
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Chunks of tus uploads are held in memory while they are written (at most
// 20 MiB each), so how many are held at once is bounded, per user and in
// all: more wait their turn (429 with Retry-After).
const (
	tusChunksPerUser = 2
	tusChunks        = 16
)

// chunkGate counts the chunks being received, per user and in all.
type chunkGate struct {
	perUser, all int

	mu     sync.Mutex
	byUser map[string]int
	total  int
}

func newChunkGate(perUser, all int) *chunkGate {
	return &chunkGate{perUser: perUser, all: all, byUser: map[string]int{}}
}

// admit takes a place for user's chunk, or refuses with a retryable 429;
// the returned func gives the place back.
func (g *chunkGate) admit(user string) (func(), error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byUser[user] >= g.perUser || g.total >= g.all {
		return nil, &server.RetryAfterError{After: time.Second,
			Err: syncproto.Errorf(syncproto.CodeRateLimited, "too many uploads in progress: retry shortly")}
	}
	g.byUser[user]++
	g.total++
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.total--
		if g.byUser[user]--; g.byUser[user] == 0 {
			delete(g.byUser, user)
		}
	}, nil
}
