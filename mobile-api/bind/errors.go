package courier

import (
	"context"
	"errors"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Error codes of the library itself, beside the contract's codes (which
// come as the server sent them, e.g. "validation_failed", "forbidden").
const (
	// CodeClosed: the outbox was closed (also ends a running Sync).
	CodeClosed = "closed"
	// CodeLocked: another process holds the outbox file.
	CodeLocked = "locked"
	// CodeDeviceMismatch: the file belongs to another device id.
	CodeDeviceMismatch = "device_mismatch"
	// CodeNoDeviceID: a device id (1–128 bytes) is required.
	CodeNoDeviceID = "no_device_id"
	// CodeNotLoggedIn: no session and no credentials to log in with.
	CodeNotLoggedIn = "not_logged_in"
	// CodeUnauthorized: the server refused the credentials.
	CodeUnauthorized = "unauthorized"
	// CodeUnsupportedProtocol: the server cannot serve this library: update
	// the app.
	CodeUnsupportedProtocol = "unsupported_protocol"
	// CodeUnavailable: the server or network stayed unavailable; try later.
	CodeUnavailable = "unavailable"
	// CodeProtocol: the server's answer broke the contract.
	CodeProtocol = "protocol_error"
	// CodeRefused: the server refused the request and named no code.
	CodeRefused = "refused"
	// CodeUnsupportedMediaType: the photo is not a readable JPEG or PNG.
	CodeUnsupportedMediaType = "unsupported_media_type"
	// CodePayloadTooLarge: the photo is larger than the server takes.
	CodePayloadTooLarge = "payload_too_large"
	// CodeUnknownPhoto: no such photo in this outbox.
	CodeUnknownPhoto = "unknown_photo"
	// CodeUnknownTask: no such callback task on this device.
	CodeUnknownTask = "unknown_task"
	// CodeUnknownVehicle: the feed never described this vehicle.
	CodeUnknownVehicle = "unknown_vehicle"
	// CodeNotAssigned: the task is not (any more) this courier's.
	CodeNotAssigned = "not_assigned"
	// CodeTaskClosed: the task is done or cancelled.
	CodeTaskClosed = "task_closed"
	// CodeRateLimited: too many reveals for now; see RetryAfterSeconds.
	CodeRateLimited = "rate_limited"
	// CodeTimeout: the call's timeout passed; nothing is lost.
	CodeTimeout = "timeout"
	// CodeCancelled: the call was cancelled; nothing is lost.
	CodeCancelled = "cancelled"
	// CodeInternal: anything else.
	CodeInternal = "internal"
)

// sentinels maps mobileapi's errors to codes, most specific first.
var sentinels = []struct {
	err  error
	code string
}{
	{mobileapi.ErrClosed, CodeClosed},
	{mobileapi.ErrLocked, CodeLocked},
	{mobileapi.ErrDeviceMismatch, CodeDeviceMismatch},
	{mobileapi.ErrNoDeviceID, CodeNoDeviceID},
	{mobileapi.ErrNotLoggedIn, CodeNotLoggedIn},
	{mobileapi.ErrAuth, CodeUnauthorized},
	{mobileapi.ErrUnsupportedProtocol, CodeUnsupportedProtocol},
	{mobileapi.ErrUnavailable, CodeUnavailable},
	{mobileapi.ErrProtocol, CodeProtocol},
	{mobileapi.ErrPhotoFormat, CodeUnsupportedMediaType},
	{mobileapi.ErrPhotoTooLarge, CodePayloadTooLarge},
	{mobileapi.ErrUnknownPhoto, CodeUnknownPhoto},
	{mobileapi.ErrUnknownTask, CodeUnknownTask},
	{mobileapi.ErrUnknownVehicle, CodeUnknownVehicle},
	{mobileapi.ErrNotAssigned, CodeNotAssigned},
	{mobileapi.ErrTaskClosed, CodeTaskClosed},
	{mobileapi.ErrRateLimited, CodeRateLimited},
	{context.DeadlineExceeded, CodeTimeout},
	{context.Canceled, CodeCancelled},
}

// Error is every error this package returns: a code an app can switch on,
// a message for logs (never personal data) and, for CodeRateLimited, the
// wait the server asked for.
type Error struct {
	code       string
	message    string
	retryAfter int64
}

// NewError makes an Error; apps may use it in their own implementations of
// this package's interfaces.
func NewError(code, message string) *Error {
	return &Error{code: code, message: message}
}

// Error returns the message.
func (e *Error) Error() string { return e.message }

// ErrorCode returns the code: the contract's (syncproto) or a Code*
// constant of this package.
func (e *Error) ErrorCode() string { return e.code }

// RetryAfterSeconds returns the wait a rate-limited call asks for, 0 when
// none.
func (e *Error) RetryAfterSeconds() int64 { return e.retryAfter }

// wrap turns a mobileapi error into an *Error; nil stays nil.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	return &Error{code: codeOf(err), message: err.Error(), retryAfter: mobileapi.RetryAfterSeconds(err)}
}

func codeOf(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.code
		}
	}
	var pe *syncproto.Error
	if errors.As(err, &pe) && pe.Code != "" {
		return string(pe.Code)
	}
	if errors.Is(err, mobileapi.ErrRefused) {
		return CodeRefused
	}
	return CodeInternal
}

// CodeOf returns the code of an error this package returned (as Java's
// caught Exception or Swift's NSError), "" for nil, and CodeInternal for
// an error from elsewhere.
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.code
	}
	return codeOf(err)
}

// RetryAfterOf returns the wait, in seconds, a rate-limited error asks for;
// 0 for any other error.
func RetryAfterOf(err error) int64 {
	var e *Error
	if errors.As(err, &e) {
		return e.retryAfter
	}
	return mobileapi.RetryAfterSeconds(err)
}
