package push

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/server"
)

// Sender defaults. DefaultPoll is a safety net only: the store rings the
// sender's Bell after every commit that queued a wake-up.
const (
	DefaultPoll        = 30 * time.Second
	DefaultSendTimeout = 30 * time.Second
	DefaultMaxAge      = 6 * time.Hour
)

// Sender drains the push outbox into a Messenger. Every field but Outbox
// and Messenger has a default; tests inject Now, After and Backoff.
type Sender struct {
	Outbox    server.PushOutbox
	Messenger Messenger
	Log       *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// After waits (default time.After).
	After func(time.Duration) <-chan time.Time
	// Backoff is the wait before retry number attempt (1, 2, …) when the
	// server names none; default 1 s doubling to 5 min, ±20 % jitter. A
	// Retry-After longer than it wins.
	Backoff func(attempt int) time.Duration
	// Bell wakes the sender at once; the store rings it after a commit
	// that queued wake-ups (bolt.Options.OnWake). Nil: a bell of its own,
	// rung only by Notify.
	Bell Bell
	// Poll is how often the outbox is checked for new wake-ups when the
	// bell stays silent (a safety net; default DefaultPoll).
	Poll time.Duration
	// MaxAge drops a wake-up whose newest change is older than this
	// (FCM would drop it too once its TTL passed; the device pulls on
	// its own when it comes online).
	MaxAge time.Duration
	// Batch is how many wake-ups go in one SendEach (≤ MaxBatch).
	Batch int
	// SendTimeout bounds one batch.
	SendTimeout time.Duration
	// Observe, when set, is told the outcome of every wake-up the sender
	// settles: OutcomeSent, OutcomeUnregistered, OutcomeRetry or
	// OutcomeExpired (metrics).
	Observe func(outcome string)

	once sync.Once
}

// Bell wakes a Sender. Rings coalesce: Ring never blocks, and any number of
// rings while the sender is busy wake it once more.
type Bell chan struct{}

// NewBell returns a bell for Sender.Bell.
func NewBell() Bell { return make(Bell, 1) }

// Ring wakes the sender listening on b; it never blocks.
func (b Bell) Ring() {
	select {
	case b <- struct{}{}:
	default:
	}
}

func (s *Sender) defaults() { s.once.Do(s.setDefaults) }

func (s *Sender) setDefaults() {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.After == nil {
		s.After = time.After
	}
	if s.Backoff == nil {
		s.Backoff = DefaultBackoff
	}
	if s.Poll <= 0 {
		s.Poll = DefaultPoll
	}
	if s.MaxAge <= 0 {
		s.MaxAge = DefaultMaxAge
	}
	if s.Batch <= 0 || s.Batch > MaxBatch {
		s.Batch = MaxBatch
	}
	if s.SendTimeout <= 0 {
		s.SendTimeout = DefaultSendTimeout
	}
	if s.Bell == nil {
		s.Bell = NewBell()
	}
}

// Outcomes of a wake-up, as Sender.Observe names them.
const (
	OutcomeSent         = "sent"
	OutcomeUnregistered = "unregistered"
	OutcomeRetry        = "retry"
	OutcomeExpired      = "expired"
)

// observe reports the outcome of each delivery to Observe.
func (s *Sender) observe(ds []server.Delivery) {
	if s.Observe == nil {
		return
	}
	for _, d := range ds {
		switch d.Result {
		case server.Delivered:
			s.Observe(OutcomeSent)
		case server.TokenInvalid:
			s.Observe(OutcomeUnregistered)
		case server.RetryLater:
			s.Observe(OutcomeRetry)
		default:
			s.Observe(OutcomeExpired)
		}
	}
}

// DefaultBackoff waits 1 s before the first retry, doubling up to 5
// minutes, with ±20 % jitter so devices do not retry in step.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Second << min(max(attempt-1, 0), 9)
	d = min(d, 5*time.Minute)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Notify tells a running sender that wake-ups were queued, so it need not
// wait for its next poll. It never blocks.
func (s *Sender) Notify() {
	s.defaults()
	s.Bell.Ring()
}

// Run drains the outbox until ctx ends: at once (wake-ups left from before
// a restart), then whenever the bell rings and the outbox changed, or a
// held-back wake-up falls due, or the safety poll finds the outbox
// changed. Wake-ups being sent when ctx ends stay queued unless FCM already
// took them.
func (s *Sender) Run(ctx context.Context) {
	s.defaults()
	for {
		seen, err := s.Outbox.OutboxVersion(ctx)
		if err != nil {
			s.Log.Warn("push: read outbox", "err", err)
		}
		next, err := s.Drain(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.Log.Warn("push: drain outbox", "err", err)
			next = s.Now().Add(time.Second)
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.Bell:
			case <-s.After(s.wait(next)):
			}
			if !next.IsZero() && !s.Now().Before(next) {
				break
			}
			if v, err := s.Outbox.OutboxVersion(ctx); err == nil && v != seen {
				break
			}
		}
	}
}

// wait is how long Run may sleep: until the next held-back wake-up falls
// due, at most Poll.
func (s *Sender) wait(next time.Time) time.Duration {
	if next.IsZero() {
		return s.Poll
	}
	return min(s.Poll, max(next.Sub(s.Now()), 0))
}

// Drain sends every wake-up due now, batch by batch, and returns when the
// next held-back one falls due (zero: none).
func (s *Sender) Drain(ctx context.Context) (time.Time, error) {
	s.defaults()
	for {
		now := s.Now()
		ws, next, err := s.Outbox.PendingWakeUps(ctx, now, s.Batch)
		if err != nil || len(ws) == 0 {
			return next, err
		}
		ds := s.deliver(ctx, ws, now)
		s.observe(ds)
		if len(ds) > 0 {
			// Record what FCM took even when shutting down, so it is
			// not sent again after the restart.
			if err := s.Outbox.CompleteWakeUps(context.WithoutCancel(ctx), ds, now); err != nil {
				return next, err
			}
		}
		for _, d := range ds {
			if d.Result == server.RetryLater && (next.IsZero() || d.RetryAt.Before(next)) {
				next = d.RetryAt
			}
		}
		if ctx.Err() != nil || len(ws) < s.Batch {
			return next, ctx.Err()
		}
	}
}

// deliver sends ws and says what became of each. A send cut short by ctx
// (shutdown) is not an attempt: it is left out, to go again after the
// restart.
func (s *Sender) deliver(ctx context.Context, ws []server.WakeUp, now time.Time) []server.Delivery {
	ds := make([]server.Delivery, 0, len(ws))
	send := make([]server.WakeUp, 0, len(ws))
	for _, w := range ws {
		switch {
		case w.Token == "":
			ds = append(ds, server.Delivery{WakeUp: w, Result: server.Expired})
		case now.Sub(w.UpdatedAt) > s.MaxAge:
			s.Log.Info("push: wake-up expired unsent", "courier_id", w.CourierID, "device_id", w.DeviceID, "attempts", w.Attempts)
			ds = append(ds, server.Delivery{WakeUp: w, Result: server.Expired})
		default:
			send = append(send, w)
		}
	}
	if len(send) == 0 {
		return ds
	}
	sctx, cancel := context.WithTimeout(ctx, s.SendTimeout)
	rs := s.Messenger.Send(sctx, send)
	cancel()
	for i, r := range rs {
		w := send[i]
		switch r.Outcome {
		case server.Delivered:
			ds = append(ds, server.Delivery{WakeUp: w, Result: server.Delivered})
		case server.TokenInvalid:
			s.Log.Info("push: token rejected by FCM; removed", "courier_id", w.CourierID, "device_id", w.DeviceID, "err", r.Err)
			ds = append(ds, server.Delivery{WakeUp: w, Result: server.TokenInvalid})
		default:
			if ctx.Err() != nil {
				continue
			}
			wait := max(s.Backoff(w.Attempts+1), r.RetryAfter)
			s.Log.Warn("push: send failed; will retry", "courier_id", w.CourierID, "device_id", w.DeviceID,
				"attempt", w.Attempts+1, "retry_in", wait.String(), "err", r.Err)
			ds = append(ds, server.Delivery{WakeUp: w, Result: server.RetryLater, RetryAt: now.Add(wait)})
		}
	}
	return ds
}
