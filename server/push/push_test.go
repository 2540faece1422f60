package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/push"
	"github.com/courier-sync/courier-sync/server/push/pushtest"
)

func newFCM(t *testing.T, fake *pushtest.Fake) *push.FCM {
	t.Helper()
	f, err := push.NewFCM(context.Background(), push.FCMConfig{Endpoint: fake.URL, ProjectID: "p"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func wake(device, task string) server.WakeUp {
	return server.WakeUp{Key: "u1\x00" + device, CourierID: "u1", DeviceID: device, Token: "tok-" + device,
		Hint: server.HintCallbackTask, TaskID: task, Gen: 1, UpdatedAt: time.Now()}
}

func TestWakeUpIsADataOnlyMessageWithOpaqueIds(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	ws := []server.WakeUp{wake("pda", "cb-17"), wake("phone", "cb-17"), wake("tablet", "cb-17")}
	rs := newFCM(t, fake).Send(context.Background(), ws)
	for i, r := range rs {
		if r.Outcome != server.Delivered {
			t.Fatalf("wake-up %d: %+v", i, r)
		}
	}
	msgs := fake.Messages()
	if len(msgs) != 3 {
		t.Fatalf("fake got %d messages, want one per device", len(msgs))
	}
	var tokens []string
	for _, m := range msgs {
		tokens = append(tokens, m.Token)
		want := map[string]string{"type": "sync", "hint": "callback_task", "task_id": "cb-17"}
		if fmt.Sprint(m.Data) != fmt.Sprint(want) || m.HasNotification || m.Project != "p" {
			t.Fatalf("message %+v: want data %v only, no notification, project p", m, want)
		}
		if m.Android.CollapseKey != push.CollapseKey || m.Android.Priority != "high" || m.Android.TTL != "3600s" {
			t.Fatalf("android block %+v", m.Android)
		}
	}
	sort.Strings(tokens)
	if fmt.Sprint(tokens) != "[tok-pda tok-phone tok-tablet]" {
		t.Fatalf("tokens %v", tokens)
	}
}

func TestFCMErrorsAreClassified(t *testing.T) {
	cases := []struct {
		name       string
		reply      pushtest.Reply
		outcome    server.DeliveryResult
		retryAfter time.Duration
	}{
		{"UNREGISTERED removes the token", pushtest.Reply{Status: 404, ErrorCode: "UNREGISTERED"}, server.TokenInvalid, 0},
		{"INVALID_ARGUMENT removes the token", pushtest.Reply{Status: 400, ErrorCode: "INVALID_ARGUMENT"}, server.TokenInvalid, 0},
		{"SENDER_ID_MISMATCH removes the token", pushtest.Reply{Status: 403, ErrorCode: "SENDER_ID_MISMATCH"}, server.TokenInvalid, 0},
		{"429 is retried after Retry-After", pushtest.Reply{Status: 429, ErrorCode: "QUOTA_EXCEEDED", RetryAfter: "7"}, server.RetryLater, 7 * time.Second},
		{"500 is retried", pushtest.Reply{Status: 500, ErrorCode: "INTERNAL"}, server.RetryLater, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := pushtest.New()
			defer fake.Close()
			fake.SetReply(func(string, int) pushtest.Reply { return c.reply })
			r := newFCM(t, fake).Send(context.Background(), []server.WakeUp{wake("pda", "cb-1")})[0]
			if r.Outcome != c.outcome || r.RetryAfter != c.retryAfter {
				t.Fatalf("got %+v, want outcome %d retry after %v", r, c.outcome, c.retryAfter)
			}
			if n := fake.Requests(); n != 1 {
				t.Fatalf("%d requests: the SDK must not retry %d itself", n, c.reply.Status)
			}
		})
	}
	t.Run("503 then 200 is delivered once (the SDK retries 503)", func(t *testing.T) {
		fake := pushtest.New()
		defer fake.Close()
		fake.SetReply(func(_ string, n int) pushtest.Reply {
			if n == 0 {
				return pushtest.Reply{Status: 503, ErrorCode: "UNAVAILABLE"}
			}
			return pushtest.Reply{}
		})
		r := newFCM(t, fake).Send(context.Background(), []server.WakeUp{wake("pda", "cb-1")})[0]
		if r.Outcome != server.Delivered || fake.Requests() != 2 || len(fake.Messages()) != 1 {
			t.Fatalf("got %+v after %d requests, %d delivered", r, fake.Requests(), len(fake.Messages()))
		}
	})
}

// memOutbox is an in-memory server.PushOutbox with the store's semantics.
type memOutbox struct {
	mu        sync.Mutex
	pending   map[string]server.WakeUp
	notBefore map[string]time.Time
	tokens    map[string]string
	version   uint64
}

func newOutbox(ws ...server.WakeUp) *memOutbox {
	o := &memOutbox{pending: map[string]server.WakeUp{}, notBefore: map[string]time.Time{}, tokens: map[string]string{}}
	for _, w := range ws {
		o.pending[w.Key] = w
		o.tokens[w.Key] = w.Token
		o.version++
	}
	return o
}

func (o *memOutbox) PendingWakeUps(ctx context.Context, now time.Time, limit int) ([]server.WakeUp, time.Time, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []server.WakeUp
	var next time.Time
	for k, w := range o.pending {
		if nb := o.notBefore[k]; nb.After(now) {
			if next.IsZero() || nb.Before(next) {
				next = nb
			}
			continue
		}
		if len(out) < limit {
			out = append(out, w)
		}
	}
	return out, next, nil
}

func (o *memOutbox) CompleteWakeUps(ctx context.Context, ds []server.Delivery, now time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, d := range ds {
		w, ok := o.pending[d.WakeUp.Key]
		if !ok {
			continue
		}
		switch d.Result {
		case server.Delivered, server.Expired:
			if w.Gen == d.WakeUp.Gen {
				delete(o.pending, w.Key)
			}
		case server.TokenInvalid:
			delete(o.pending, w.Key)
			delete(o.tokens, w.Key)
		case server.RetryLater:
			w.Attempts++
			o.pending[w.Key] = w
			o.notBefore[w.Key] = d.RetryAt
		}
	}
	return nil
}

func (o *memOutbox) OutboxVersion(ctx context.Context) (uint64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.version, nil
}

func (o *memOutbox) snapshot() (map[string]server.WakeUp, map[string]string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	p, tk := map[string]server.WakeUp{}, map[string]string{}
	for k, v := range o.pending {
		p[k] = v
	}
	for k, v := range o.tokens {
		tk[k] = v
	}
	return p, tk
}

// manualClock is the sender's clock in tests.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestSenderRetriesWithBackoffHonouringRetryAfter(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	// First request per token: 429 with Retry-After 30 s; second: 500;
	// third: accepted.
	fake.SetReply(func(_ string, n int) pushtest.Reply {
		switch n {
		case 0:
			return pushtest.Reply{Status: 429, ErrorCode: "QUOTA_EXCEEDED", RetryAfter: "30"}
		case 1:
			return pushtest.Reply{Status: 500, ErrorCode: "INTERNAL"}
		}
		return pushtest.Reply{}
	})
	clock := &manualClock{t: time.Now()}
	w := wake("pda", "cb-1")
	w.UpdatedAt = clock.Now()
	out := newOutbox(w)
	var backoffs []int
	s := &push.Sender{Outbox: out, Messenger: newFCM(t, fake), Now: clock.Now,
		Backoff: func(attempt int) time.Duration {
			backoffs = append(backoffs, attempt)
			return time.Duration(attempt) * 2 * time.Second
		}}
	ctx := context.Background()

	next, err := s.Drain(ctx)
	if err != nil || !next.Equal(clock.Now().Add(30*time.Second)) {
		t.Fatalf("after a 429: next %v (%v), want Retry-After's 30 s (longer than the 2 s backoff)", next.Sub(clock.Now()), err)
	}
	clock.Add(29 * time.Second)
	if _, err := s.Drain(ctx); err != nil || fake.Requests() != 1 {
		t.Fatalf("sent again before Retry-After passed: %d requests", fake.Requests())
	}
	clock.Add(time.Second)
	next, _ = s.Drain(ctx)
	if !next.Equal(clock.Now().Add(4 * time.Second)) {
		t.Fatalf("after a 500: next in %v, want the second backoff, 4 s", next.Sub(clock.Now()))
	}
	clock.Add(4 * time.Second)
	if next, _ := s.Drain(ctx); !next.IsZero() {
		t.Fatalf("nothing should wait after delivery, next %v", next)
	}
	if p, _ := out.snapshot(); len(p) != 0 || len(fake.Messages()) != 1 || fmt.Sprint(backoffs) != "[1 2]" {
		t.Fatalf("pending %v, delivered %d, backoffs asked %v", p, len(fake.Messages()), backoffs)
	}
}

func TestSenderRemovesUnregisteredTokens(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	fake.SetReply(func(tok string, _ int) pushtest.Reply {
		if tok == "tok-old-phone" {
			return pushtest.Reply{Status: 404, ErrorCode: "UNREGISTERED"}
		}
		return pushtest.Reply{}
	})
	out := newOutbox(wake("old-phone", "cb-1"), wake("pda", "cb-1"))
	s := &push.Sender{Outbox: out, Messenger: newFCM(t, fake)}
	if _, err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	pending, tokens := out.snapshot()
	if len(pending) != 0 || len(tokens) != 1 || tokens["u1\x00pda"] != "tok-pda" {
		t.Fatalf("pending %v tokens %v: want the unregistered token gone, the other kept", pending, tokens)
	}
}

func TestSenderDropsWakeUpsPastTheirAgeAndThoseWithoutToken(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	stale := wake("pda", "cb-1")
	stale.UpdatedAt = time.Now().Add(-7 * time.Hour)
	tokenless := wake("phone", "cb-1")
	tokenless.Token = ""
	out := newOutbox(stale, tokenless)
	s := &push.Sender{Outbox: out, Messenger: newFCM(t, fake), MaxAge: 6 * time.Hour}
	if _, err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p, _ := out.snapshot(); len(p) != 0 || fake.Requests() != 0 {
		t.Fatalf("pending %v, %d requests: want both dropped unsent", p, fake.Requests())
	}
}

func TestSendCutShortByShutdownIsNotAnAttempt(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	fake.SetReply(func(string, int) pushtest.Reply { return pushtest.Reply{Block: true} })
	out := newOutbox(wake("pda", "cb-1"))
	s := &push.Sender{Outbox: out, Messenger: newFCM(t, fake)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	if err := fake.WaitRequests(10*time.Second, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	p, tokens := out.snapshot()
	if w, ok := p["u1\x00pda"]; !ok || w.Attempts != 0 || tokens["u1\x00pda"] == "" {
		t.Fatalf("pending %+v: the wake-up must stay queued as it was", p)
	}
}

func TestLogOnlyLogsIdsAndCountsDelivered(t *testing.T) {
	var buf syncBuffer
	m := push.LogOnly{Log: newJSONLogger(&buf)}
	rs := m.Send(context.Background(), []server.WakeUp{wake("pda", "cb-9")})
	if rs[0].Outcome != server.Delivered {
		t.Fatalf("got %+v", rs[0])
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["task_id"] != "cb-9" || line["device_id"] != "pda" {
		t.Fatalf("log line %s (%v)", buf.Bytes(), err)
	}
	if _, ok := line["token"]; ok {
		t.Fatal("the log-only sender logged the token")
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func newJSONLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
