package push_test

import (
	"context"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/push"
	"github.com/courier-sync/courier-sync/server/push/pushtest"
)

// queue adds a wake-up as the store does: the outbox version moves.
func (o *memOutbox) queue(w server.WakeUp) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending[w.Key] = w
	o.tokens[w.Key] = w.Token
	o.version++
}

// timers is an After whose waits never end on their own: the test sees
// each wait asked for and ends it by hand.
type timers struct {
	asked chan time.Duration
	fire  chan time.Time
}

func newTimers() *timers {
	return &timers{asked: make(chan time.Duration, 16), fire: make(chan time.Time)}
}

func (tm *timers) After(d time.Duration) <-chan time.Time {
	tm.asked <- d
	return tm.fire
}

// run starts s until the test ends.
func run(t *testing.T, s *push.Sender) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// Issue 10 item 5: Notify had no caller, so the sender found new wake-ups
// by polling the outbox every 20 ms. Now the store rings the sender's bell
// on commit and the poll is a slow safety net.
func TestTheBellWakesTheSenderWithoutPolling(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	out := newOutbox()
	tm := newTimers()
	bell := push.NewBell()
	run(t, &push.Sender{Outbox: out, Messenger: newFCM(t, fake), After: tm.After, Bell: bell})
	if d := <-tm.asked; d < time.Second {
		t.Fatalf("the idle sender polls every %v", d)
	}
	out.queue(wake("pda", "cb-1"))
	bell.Ring()
	bell.Ring() // rings coalesce and never block
	if err := fake.WaitRequests(10*time.Second, 1); err != nil {
		t.Fatalf("the bell did not wake the sender: %v", err)
	}
	if d := <-tm.asked; d < time.Second {
		t.Fatalf("the sender polls every %v after a delivery", d)
	}
}

// A held-back wake-up is sent when it falls due, not at the next poll.
func TestTheSenderWaitsOnlyUntilARetryFallsDue(t *testing.T) {
	fake := pushtest.New()
	defer fake.Close()
	fake.SetReply(func(_ string, n int) pushtest.Reply {
		if n == 0 {
			return pushtest.Reply{Status: 500, ErrorCode: "INTERNAL"}
		}
		return pushtest.Reply{}
	})
	clock := &manualClock{t: time.Now()}
	w := wake("pda", "cb-1")
	w.UpdatedAt = clock.Now()
	out := newOutbox(w)
	tm := newTimers()
	run(t, &push.Sender{Outbox: out, Messenger: newFCM(t, fake), Now: clock.Now, After: tm.After,
		Backoff: func(int) time.Duration { return 2 * time.Second }})
	if d := <-tm.asked; d != 2*time.Second {
		t.Fatalf("after a failed send the sender waits %v, want the 2 s backoff", d)
	}
	clock.Add(2 * time.Second)
	tm.fire <- clock.Now()
	if err := fake.WaitRequests(10*time.Second, 2); err != nil {
		t.Fatal(err)
	}
	if d := <-tm.asked; d != push.DefaultPoll {
		t.Fatalf("with nothing held back the sender waits %v, want the safety poll %v", d, push.DefaultPoll)
	}
	if p, _ := out.snapshot(); len(p) != 0 {
		t.Fatalf("pending %v after the retry", p)
	}
}
