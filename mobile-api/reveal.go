package mobileapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// RevealedContact is the unmasked contact of an open callback task, as the
// server revealed it to its assigned courier.
//
// It exists only in memory: RevealContact never writes it to the outbox
// file, to Status or to an error, and the app must treat it the same way.
// Show it (or hand Phone to the dialer) and forget it at ExpiresAt at the
// latest, and as soon as the task leaves OpenTasks; never log, persist,
// cache or copy it to the clipboard or a share sheet. String redacts Name
// and Phone, so printing the value by mistake leaks nothing.
type RevealedContact struct {
	// Name is the customer's full name.
	Name string
	// Phone is the customer's full phone number.
	Phone string
	// ExpiresAt is the RFC 3339 time after which the app must have
	// forgotten Name and Phone; reveal again if the courier still needs
	// them.
	ExpiresAt string
}

// String describes c without its name and number.
func (c RevealedContact) String() string {
	return "RevealedContact{Name:[redacted] Phone:[redacted] ExpiresAt:" + c.ExpiresAt + "}"
}

// GoString is String, for %#v.
func (c RevealedContact) GoString() string { return c.String() }

// RateLimitedError is the error RevealContact returns when the server
// refused another reveal for now (429). errors.Is(err, ErrRateLimited)
// holds for it.
type RateLimitedError struct {
	// RetryAfterSeconds is the wait the server asked for (Retry-After),
	// rounded up to whole seconds; 0 when it named none.
	RetryAfterSeconds int64
}

// Error says that the reveal was rate limited and for how long.
func (e *RateLimitedError) Error() string {
	if e.RetryAfterSeconds > 0 {
		return ErrRateLimited.Error() + "; retry in " + strconv.FormatInt(e.RetryAfterSeconds, 10) + "s"
	}
	return ErrRateLimited.Error() + "; retry later"
}

// Is makes errors.Is(err, ErrRateLimited) hold.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// RetryAfterSeconds returns the wait a rate-limited RevealContact error
// asks for, in seconds, and 0 for any other error (or when the server named
// no wait). It is for callers, such as gomobile apps, that cannot use
// errors.As.
func RetryAfterSeconds(err error) int64 {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfterSeconds
	}
	return 0
}

// revealAnswer is the 200 body of POST /v1/callbacks/{id}/contact.
type revealAnswer struct {
	Phone     string `json:"phone"`
	Name      string `json:"name"`
	ExpiresAt string `json:"expires_at"`
}

// RevealContact asks the server for the full name and number of an open
// task assigned to this courier (POST /v1/callbacks/{id}/contact). The
// server audits every reveal and limits how many a courier may make.
//
// It works online only and sends the reveal once: a reveal is counted and
// audited each time, and the courier is waiting, so a network error, 5xx or
// 429 is returned at once rather than retried with backoff (the app offers
// to try again). A refused access token is renewed (refresh, else log in)
// as Sync does, and the reveal resent; a device with no session logs in
// first. The answer is never
// written to the outbox file; see RevealedContact for what the app must do
// with it.
//
// Errors: ErrNotAssigned (404, 403), ErrTaskClosed (409), a
// *RateLimitedError matching ErrRateLimited (429; see RetryAfterSeconds),
// ErrUnavailable (no answer, 5xx, 408), ErrNotLoggedIn, ErrAuth,
// ErrUnsupportedProtocol, ErrRefused for other refusals, ErrProtocol for an
// answer outside the contract, and ErrClosed.
func (o *Outbox) RevealContact(ctx context.Context, taskID string) (*RevealedContact, error) {
	const what = "reveal contact"
	if o.closed.Load() {
		return nil, ErrClosed
	}
	if taskID == "" {
		return nil, fmt.Errorf("%s: %w", what, ErrNotAssigned)
	}
	ctx, done := o.bind(ctx)
	defer done()
	path := "/v1/callbacks/" + url.PathEscape(taskID) + "/contact"
	resp, _, err := o.authedBy(ctx, what, request{method: http.MethodPost, path: path}, o.sendOnce)
	if err != nil {
		return nil, err
	}
	defer clear(resp.body) // the number leaves no copy in this buffer
	switch resp.status {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusForbidden:
		return nil, fmt.Errorf("%s: HTTP %d: %w: %w", what, resp.status, ErrNotAssigned, resp.apiError())
	case http.StatusConflict:
		return nil, fmt.Errorf("%s: %w: %w", what, ErrTaskClosed, resp.apiError())
	case http.StatusTooManyRequests:
		wait := parseRetryAfter(resp.header, time.Now())
		return nil, &RateLimitedError{RetryAfterSeconds: int64((wait + time.Second - 1) / time.Second)}
	default:
		if transient(resp.status) {
			return nil, fmt.Errorf("%s: %w: HTTP %d %s", what, ErrUnavailable, resp.status, resp.apiError().Code)
		}
		return nil, refused(what, resp)
	}
	var a revealAnswer
	if err := resp.decode(what, &a); err != nil {
		return nil, err
	}
	if a.Phone == "" {
		return nil, fmt.Errorf("%w: %s answer has no phone", ErrProtocol, what)
	}
	if _, err := time.Parse(time.RFC3339, a.ExpiresAt); err != nil {
		return nil, fmt.Errorf("%w: %s answer has no valid expires_at", ErrProtocol, what)
	}
	return &RevealedContact{Name: a.Name, Phone: a.Phone, ExpiresAt: a.ExpiresAt}, nil
}
