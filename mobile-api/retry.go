package mobileapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// send performs r, retrying transient failures (network errors, timeouts,
// 408, 429, 5xx) up to MaxAttempts times with full-jitter exponential
// backoff, or the server's Retry-After when it gives one. It returns the
// first answer that is not transient, whatever its status.
func (o *Outbox) send(ctx context.Context, what string, r request) (*response, error) {
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		resp, err := o.api.do(actx, r)
		cancel()
		if ctx.Err() != nil {
			return nil, o.ctxErr(ctx)
		}
		var wait time.Duration
		var last string
		switch {
		case err == errNoServerURL:
			return nil, err
		case err != nil:
			last = err.Error()
		case transient(resp.status):
			last = fmt.Sprintf("HTTP %d %s", resp.status, resp.apiError().Code)
			wait = retryAfter(resp.header, time.Now())
		default:
			return resp, nil
		}
		if attempt >= o.cfg.maxAttempts {
			return nil, fmt.Errorf("%s: %w after %d attempts: %s", what, ErrUnavailable, attempt, last)
		}
		if wait == 0 {
			wait = jitter(attempt)
		}
		if err := o.sleep(ctx, wait); err != nil {
			return nil, o.ctxErr(ctx)
		}
	}
}

// sendOnce performs r once and returns the server's answer whatever its
// status. A request that got no answer is ErrUnavailable. It is for calls
// that must not wait through backoff: a number reveal, which the courier
// waits for and the server counts and audits each time, and the push-token
// registration, which must not hold up the ops behind it.
func (o *Outbox) sendOnce(ctx context.Context, what string, r request) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	resp, err := o.api.do(actx, r)
	cancel()
	switch {
	case ctx.Err() != nil:
		return nil, o.ctxErr(ctx)
	case errors.Is(err, errNoServerURL) || errors.Is(err, ErrProtocol):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%s: %w: %s", what, ErrUnavailable, err.Error())
	}
	return resp, nil
}

// ctxErr reports why ctx ended: ErrClosed when Close interrupted the Sync,
// else the caller's cancellation or deadline.
func (o *Outbox) ctxErr(ctx context.Context) error {
	if o.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

func transient(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// jitter is full-jitter exponential backoff: uniform in [0, min(cap,
// base·2^(attempt-1))].
func jitter(attempt int) time.Duration {
	d := backoffCap
	if attempt < 32 {
		if e := backoffBase << (attempt - 1); e < d {
			d = e
		}
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date, cut
// to maxRetryAfter; 0 when absent or unusable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	return min(parseRetryAfter(h, now), maxRetryAfter)
}

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP date;
// 0 when absent or unusable.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(d, 0)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
