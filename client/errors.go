package client

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Error is an answer of the server that is not 2xx.
type Error struct {
	// Method and Path name the request (the path without its query).
	Method, Path string
	// Status is the HTTP status.
	Status int
	// Code is the protocol's error code; empty when the body was not the
	// protocol's error object (a proxy's page, say).
	Code syncproto.Code
	// Message is the server's human text (never personal data, by
	// contract).
	Message string
	// RetryAfter is the server's Retry-After, 0 when absent.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("%s %s: HTTP %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// Is reports whether target is a *syncproto.Error with the same code, so
// errors.Is(err, &syncproto.Error{Code: syncproto.CodeConflict}) works.
func (e *Error) Is(target error) bool {
	var pe *syncproto.Error
	return errors.As(target, &pe) && pe.Code == e.Code
}

// Temporary reports whether the same request may succeed later: 429 and
// 5xx.
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0 when
// the request got no answer.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// CodeOf returns the protocol code of an *Error in err's chain, or "".
func CodeOf(err error) syncproto.Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
