package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/auth"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/gofiber/fiber/v2"
)

// password is the password of every account the harness creates.
const password = "correct-horse-battery"

// fakeClock is a server.Clock the tests move by hand. It is shared by the
// store, the token signer and the auth service, so "15 minutes later" is
// 15 minutes later everywhere.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is one courierd made of the real parts, assembled by
// server/stack exactly as cmd/courierd/run.go does: a bbolt file in a
// temporary directory (bolt.Open), the EdDSA signer with a key generated
// into that directory (auth.LoadOrCreateKey), bcrypt (cost 4 for speed),
// server.Auth and httpapi.New. One fake clock drives them all.
type harness struct {
	dir      string
	path     string // the bbolt file stack.Open keeps in dir
	key      ed25519.PrivateKey
	clock    *fakeClock
	throttle *server.LoginThrottle
	readTO   time.Duration // the app's read timeout; 0: the default

	st   *stack.Stack
	db   *bolt.DB
	auth *server.Auth
	app  *fiber.App
	log  *lockedBuffer // what the server logged; shown when a test fails
}

// lockedBuffer collects the server's log for a failing test to show.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type option func(*harness)

// withReadTimeout sets the app's read timeout.
func withReadTimeout(d time.Duration) option { return func(h *harness) { h.readTO = d } }

// withThrottle replaces the default login throttle.
func withThrottle(t *server.LoginThrottle) option { return func(h *harness) { h.throttle = t } }

func newHarness(tb testing.TB, opts ...option) *harness {
	tb.Helper()
	dir := tb.TempDir()
	key, err := auth.LoadOrCreateKey(filepath.Join(dir, "jwt-ed25519.pem"))
	if err != nil {
		tb.Fatalf("LoadOrCreateKey: %v", err)
	}
	h := &harness{
		dir:      dir,
		path:     filepath.Join(dir, "courier.db"),
		key:      key,
		clock:    &fakeClock{t: time.Now().UTC().Truncate(time.Second)},
		throttle: server.NewLoginThrottle(),
		log:      &lockedBuffer{},
	}
	for _, o := range opts {
		o(h)
	}
	h.open(tb)
	tb.Cleanup(func() {
		if tb.Failed() && h.log.String() != "" {
			tb.Logf("server log:\n%s", h.log)
		}
		if err := h.db.Check(); err != nil {
			tb.Errorf("store consistency check: %v", err)
		}
		if err := h.db.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return h
}

// open opens the store in the harness directory and builds the services
// and the app on it.
func (h *harness) open(tb testing.TB) {
	tb.Helper()
	st, err := stack.Open(context.Background(), stack.Config{
		DataDir:     h.dir,
		JWTKeyFile:  filepath.Join(h.dir, "jwt-ed25519.pem"),
		BcryptCost:  4,
		AccessTTL:   15 * time.Minute,
		SessionTTL:  30 * 24 * time.Hour,
		Logger:      slog.New(slog.NewTextHandler(h.log, nil)),
		Clock:       h.clock.Now,
		ReadTimeout: h.readTO,
	})
	if err != nil {
		tb.Fatalf("stack.Open: %v", err)
	}
	st.Auth.Throttle = h.throttle // the test's throttle, kept across restarts
	if _, err := os.Stat(h.path); err != nil {
		tb.Fatalf("the store is not where the harness looks for it: %v", err)
	}
	h.st, h.db, h.auth, h.app = st, st.DB, st.Auth, st.App
}

// restart closes the store as SIGTERM would and opens the same file again.
func (h *harness) restart(tb testing.TB) {
	tb.Helper()
	if err := h.st.Shutdown(5 * time.Second); err != nil {
		tb.Fatalf("shutdown: %v", err)
	}
	h.open(tb)
}

// restore stops the server, puts a backup in place of the store file and
// starts again, as an operator restoring from GET /v1/admin/backup would.
func (h *harness) restore(tb testing.TB, backup []byte) {
	tb.Helper()
	if err := h.st.Shutdown(5 * time.Second); err != nil {
		tb.Fatalf("shutdown: %v", err)
	}
	if err := os.WriteFile(h.path, backup, 0o600); err != nil {
		tb.Fatalf("restore: %v", err)
	}
	h.open(tb)
}

// listen serves the app on a real loopback socket and returns its base URL.
func (h *harness) listen(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	app := h.app
	go func() { served <- app.Listener(ln) }()
	tb.Cleanup(func() {
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
