package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// TestAFloodOfMegabyteUsernamesLeavesTheHeapFlat is issue 8 item 1 against
// the real app on a socket: 200 logins with 1 MiB usernames used to stay
// in the throttle as typed (200 MiB and more).
func TestAFloodOfMegabyteUsernamesLeavesTheHeapFlat(t *testing.T) {
	h := newHarness(t)
	base := h.listen(t)
	client := &http.Client{Timeout: 30 * time.Second}
	post := func(name string) int {
		b, _ := json.Marshal(syncproto.LoginRequest{Username: name, Password: "guess-guess", DeviceID: "d"})
		resp, err := client.Post(base+"/v1/auth/login", "application/json", bytes.NewReader(b))
		if err != nil {
			return 0 // a refused body may be cut: the server closes
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	post("warm-up")
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	big := strings.Repeat("u", 1<<20)
	statuses := map[int]int{}
	for i := range 200 {
		statuses[post(fmt.Sprintf("%s%d", big, i))]++
	}
	big = ""
	client.CloseIdleConnections()
	after := heap()
	t.Logf("heap %d MiB before, %d MiB after; answers %v", before>>20, after>>20, statuses)
	if after > before+64<<20 {
		t.Errorf("the heap grew from %d MiB to %d MiB after 200 logins with 1 MiB usernames", before>>20, after>>20)
	}
	if statuses[http.StatusRequestEntityTooLarge] == 0 {
		t.Errorf("answers %v, want 413 payload_too_large", statuses)
	}
	t.Run("a username longer than any account's is 400, not looked up", func(t *testing.T) {
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: strings.Repeat("u", 65), Password: "guess-guess", DeviceID: "d"}).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
	t.Run("a password over 72 bytes is 400 at login as at creation, never truncated", func(t *testing.T) {
		h.createUser(t, "wang", syncproto.RoleCourier)
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "wang", Password: password + strings.Repeat("x", 73-len(password)), DeviceID: "d"}).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
}

// loginFrom logs in through a real socket from a given loopback address,
// so the server sees another client address.
func loginFrom(tb testing.TB, base, from string, req syncproto.LoginRequest) (int, http.Header) {
	tb.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	b, _ := json.Marshal(req)
	resp, err := client.Post(base+"/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("login from %s: %v", from, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

// TestGuessingDoesNotLockTheCourierOut is issue 8 item 12: 21 wrong
// guesses used to make 14 of 15 correct logins fail.
func TestGuessingDoesNotLockTheCourierOut(t *testing.T) {
	h := newHarness(t)
	h.createUser(t, "wang", syncproto.RoleCourier)
	base := h.listen(t)
	guess := syncproto.LoginRequest{Username: "wang", Password: "guess-guess", DeviceID: "evil"}
	good := syncproto.LoginRequest{Username: "wang", Password: password, DeviceID: "hz-wang"}

	blocked := 0
	for range 21 {
		if st, hdr := loginFrom(t, base, "127.0.0.66", guess); st == 429 {
			blocked++
			if hdr.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if blocked == 0 {
		t.Error("21 wrong guesses from one address were never throttled")
	}
	for i := range 15 {
		if st, _ := loginFrom(t, base, "127.0.0.5", good); st != 200 {
			t.Fatalf("correct login %d of 15 from the courier's address: %d", i+1, st)
		}
	}

	t.Run("a guesser spread over many addresses does not keep the courier's own handheld out", func(t *testing.T) {
		for i := range 60 {
			loginFrom(t, base, fmt.Sprintf("127.0.1.%d", i+1), guess)
		}
		if st, _ := loginFrom(t, base, "127.0.0.7", good); st != 200 {
			t.Errorf("the courier's bound handheld from a fresh address: %d, want 200", st)
		}
		st, _ := loginFrom(t, base, "127.0.0.8", syncproto.LoginRequest{Username: "wang", Password: password, DeviceID: "new-phone"})
		if st != 429 {
			t.Errorf("a device never seen, while the username is under attack: %d, want 429", st)
		}
	})
}

// TestJunkRefreshesDoNotBlockLogins: login and refresh used to share one
// per-address bucket, so 600 junk refreshes a minute blocked the fleet
// behind one proxy.
func TestJunkRefreshesDoNotBlockLogins(t *testing.T) {
	h := newHarness(t)
	h.createUser(t, "wang", syncproto.RoleCourier)
	for i := range 700 {
		r := h.do(t, "POST", "/v1/auth/refresh", "", syncproto.RefreshRequest{RefreshToken: fmt.Sprintf("junk%d.junk", i)})
		if r.status != 401 {
			t.Fatalf("junk refresh %d: %s", i+1, r)
		}
	}
	h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "wang", Password: password, DeviceID: "hz-1"}).decode(t, 200, nil)
}

// countingSessions counts the writes made through a real session store.
type countingSessions struct {
	server.SessionStore
	mu     sync.Mutex
	writes int
}

func (c *countingSessions) RotateRefresh(ctx context.Context, id string, old, next []byte, now time.Time, grace time.Duration) (*server.Session, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.SessionStore.RotateRefresh(ctx, id, old, next, now, grace)
}

func (c *countingSessions) RevokeSession(ctx context.Context, id string, now time.Time) error {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.SessionStore.RevokeSession(ctx, id, now)
}

func TestRefreshRacesAndRetries(t *testing.T) {
	h := newHarness(t)
	counted := &countingSessions{SessionStore: h.auth.Sessions}
	h.auth.Sessions = counted
	c := h.courier(t, "wang")
	refresh := func(tok string) reply {
		return h.do(t, "POST", "/v1/auth/refresh", "", syncproto.RefreshRequest{RefreshToken: tok})
	}

	t.Run("tokens that were never issued cost no write", func(t *testing.T) {
		sid, _, _ := strings.Cut(c.refresh, ".")
		for _, tok := range []string{"nope.nope", sid + ".forged-secret", sid + "." + strings.Repeat("A", 43)} {
			refresh(tok).wantError(t, 401, syncproto.CodeUnauthorized)
		}
		if counted.writes != 0 {
			t.Fatalf("%d writes for refresh tokens that match nothing", counted.writes)
		}
	})
	var first syncproto.TokenResponse
	t.Run("two refreshes of one token at once both get the same new token", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([]reply, 2)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], _ = h.send("POST", "/v1/auth/refresh", "", syncproto.RefreshRequest{RefreshToken: c.refresh})
			}()
		}
		wg.Wait()
		var second syncproto.TokenResponse
		got[0].decode(t, 200, &first)
		got[1].decode(t, 200, &second)
		if first.RefreshToken != second.RefreshToken {
			t.Fatal("the two answers carry different refresh tokens: one of them is already spent")
		}
	})
	t.Run("a phone that lost the answer retries within the grace window and gets it again", func(t *testing.T) {
		h.clock.Advance(20 * time.Second)
		var again syncproto.TokenResponse
		refresh(c.refresh).decode(t, 200, &again)
		if again.RefreshToken != first.RefreshToken {
			t.Fatal("the retry got another refresh token")
		}
		h.do(t, "GET", "/v1/sync/pull", again.AccessToken, nil).decode(t, 200, nil)
	})
	var next syncproto.TokenResponse
	t.Run("the new token then rotates as usual", func(t *testing.T) {
		refresh(first.RefreshToken).decode(t, 200, &next)
	})
	t.Run("the old token after the grace window is reuse: 401 and the session is revoked", func(t *testing.T) {
		h.clock.Advance(2 * time.Minute)
		refresh(c.refresh).wantError(t, 401, syncproto.CodeUnauthorized)
		refresh(next.RefreshToken).wantError(t, 401, syncproto.CodeUnauthorized)
	})
}

func TestADeviceIDBelongsToTheFirstCourier(t *testing.T) {
	h := newHarness(t)
	h.courier(t, "wang") // on dev-wang
	h.createUser(t, "liu", syncproto.RoleCourier)
	admin := h.user(t, "boss", syncproto.RoleAdmin)
	claim := syncproto.LoginRequest{Username: "liu", Password: password, DeviceID: "dev-wang"}
	t.Run("another courier's login with it is 409 device_taken", func(t *testing.T) {
		h.do(t, "POST", "/v1/auth/login", "", claim).wantError(t, 409, syncproto.CodeDeviceTaken)
	})
	t.Run("the owner logs in on it again", func(t *testing.T) {
		h.login(t, "wang", "dev-wang")
	})
	t.Run("after an admin releases it the other courier may take it", func(t *testing.T) {
		r := h.do(t, "DELETE", "/v1/admin/devices/dev-wang", admin.access, nil)
		if r.status != 204 {
			t.Fatalf("release: %s", r)
		}
		h.do(t, "POST", "/v1/auth/login", "", claim).decode(t, 200, nil)
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "wang", Password: password, DeviceID: "dev-wang"}).wantError(t, 409, syncproto.CodeDeviceTaken)
	})
}

func TestRequestIDsAndMethodsAtTheEdge(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "wang")
	t.Run("a short safe X-Request-Id is echoed", func(t *testing.T) {
		r := h.do(t, "GET", "/healthz", "", nil, "X-Request-Id", "hz-0042-retry-3")
		if got := r.header.Get("X-Request-Id"); got != "hz-0042-retry-3" {
			t.Fatalf("X-Request-Id = %q", got)
		}
	})
	for _, bad := range []string{"Zhang San 13800138000", strings.Repeat("a", 65), "id\"} {\"level\":\"ERROR", "张三"} {
		t.Run("an X-Request-Id carrying text is replaced: "+bad[:min(len(bad), 12)], func(t *testing.T) {
			r := h.do(t, "GET", "/healthz", "", nil, "X-Request-Id", bad)
			got := r.header.Get("X-Request-Id")
			if got == bad || got == "" || len(got) > 64 || strings.ContainsAny(got, " \"{}") {
				t.Fatalf("X-Request-Id = %q", got)
			}
		})
	}
	t.Run("a wrong method on a known route is 405 with Allow, not 404", func(t *testing.T) {
		r := h.do(t, "DELETE", "/v1/sync/pull", c.access, nil)
		r.wantError(t, 405, syncproto.CodeInvalidRequest)
		if !strings.Contains(r.header.Get("Allow"), "GET") {
			t.Errorf("Allow = %q", r.header.Get("Allow"))
		}
	})
}

// TestASlowBodyIsAnswered408 trickles a push body through a real socket
// with a 1 s read timeout: the read deadline runs from the request's first
// byte and the client cannot extend it.
func TestASlowBodyIsAnswered408(t *testing.T) {
	h := newHarness(t, withReadTimeout(time.Second))
	c := h.courier(t, "wang")
	base := h.listen(t)
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/sync/push HTTP/1.1\r\nHost: courierd\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", c.access)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte{' '}); err != nil {
					return
				}
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // far beyond the 1 s: the trickle alone would take 100 s
	raw, err := io.ReadAll(conn)
	if len(raw) == 0 {
		t.Fatalf("no answer, the connection just ended: %v", err)
	}
	if !bytes.HasPrefix(raw, []byte("HTTP/1.1 408")) || !bytes.Contains(raw, []byte(`"code":"invalid_request"`)) {
		t.Fatalf("answer = %q, want 408", raw)
	}
}

// countingPasswords counts slow-hash comparisons made by the real hasher.
type countingPasswords struct {
	server.PasswordHasher
	mu sync.Mutex
	n  int
}

func (c *countingPasswords) Compare(hash, pw string) bool {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.PasswordHasher.Compare(hash, pw)
}

// TestBadLoginsFromOneAddressCostBoundedHashing: 600 bad logins used to
// cost 600 bcrypt comparisons (35 CPU-seconds at the default cost).
func TestBadLoginsFromOneAddressCostBoundedHashing(t *testing.T) {
	h := newHarness(t)
	counted := &countingPasswords{PasswordHasher: h.auth.Passwords}
	h.auth.Passwords = counted
	h.courier(t, "wang") // binds dev-wang
	statuses := map[int]int{}
	for i := range 600 {
		r := h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: fmt.Sprintf("guess%d", i), Password: "guess-guess", DeviceID: "evil"})
		statuses[r.status]++
	}
	t.Logf("answers %v, %d password comparisons", statuses, counted.n)
	if counted.n > 120 {
		t.Errorf("600 bad logins from one address made %d password comparisons, want at most ~100", counted.n)
	}
	t.Run("the courier's bound handheld behind that address still gets in", func(t *testing.T) {
		h.do(t, "POST", "/v1/auth/login", "", syncproto.LoginRequest{Username: "wang", Password: password, DeviceID: "hz-new"}).wantError(t, 429, syncproto.CodeRateLimited)
		h.login(t, "wang", "dev-wang")
	})
}
