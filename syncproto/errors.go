package syncproto

import "fmt"

// Code is a machine-readable error code. The list is append-only: codes are
// shared by devices, consoles and the server and are never renamed.
type Code string

// HTTP-level error codes (the status each maps to is in StatusOf).
const (
	CodeInvalidRequest       Code = "invalid_request"
	CodeUnauthorized         Code = "unauthorized"
	CodeForbidden            Code = "forbidden"
	CodeNotFound             Code = "not_found"
	CodeConflict             Code = "conflict"
	CodePayloadTooLarge      Code = "payload_too_large"
	CodeUnsupportedMediaType Code = "unsupported_media_type"
	CodeUnprocessable        Code = "unprocessable"
	CodeRateLimited          Code = "rate_limited"
	CodeInternal             Code = "internal"
	CodeUnsupportedProtocol  Code = "unsupported_protocol"
	CodeCursorExpired        Code = "cursor_expired"
	CodeDigestMismatch       Code = "digest_mismatch"
	CodeClaimWindowClosed    Code = "claim_window_closed"
	// CodeInsufficientStorage (507): the server's disk is full or its blob
	// quota is reached; nothing was kept. Retry later (Retry-After).
	CodeInsufficientStorage Code = "insufficient_storage"
	// CodeDeviceTaken: a login with a device id bound to another account
	// (409); an admin releases it with DELETE /v1/admin/devices/{id}.
	CodeDeviceTaken Code = "device_taken"
)

// Op-level error codes, carried in a rejected push result.
const (
	CodeValidationFailed   Code = "validation_failed"
	CodeUnknownKind        Code = "unknown_kind"
	CodeOpIDConflict       Code = "op_id_conflict"
	CodeDuplicateWaybill   Code = "duplicate_waybill"
	CodeDuplicateReceipt   Code = "duplicate_receipt"
	CodeInspectionRequired Code = "inspection_required"
	CodeOdometerRegression Code = "odometer_regression"
	CodeNotAssigned        Code = "not_assigned"
)

// statusOf maps every HTTP-level code to its status. Op-level codes never
// reach HTTP status on their own; they travel inside a 200 push response.
var statusOf = map[Code]int{
	CodeInvalidRequest:       400,
	CodeUnsupportedProtocol:  400,
	CodeValidationFailed:     400,
	CodeUnknownKind:          400,
	CodeUnauthorized:         401,
	CodeForbidden:            403,
	CodeNotFound:             404,
	CodeConflict:             409,
	CodeCursorExpired:        409,
	CodeDeviceTaken:          409,
	CodeOpIDConflict:         409,
	CodePayloadTooLarge:      413,
	CodeUnsupportedMediaType: 415,
	CodeUnprocessable:        422,
	CodeDigestMismatch:       422,
	CodeClaimWindowClosed:    422,
	CodeRateLimited:          429,
	CodeInternal:             500,
	CodeInsufficientStorage:  507,
}

// StatusOf returns the HTTP status for code, or 500 for a code it does not
// know.
func StatusOf(code Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return 500
}

// Error is the error object of every error response and of a rejected op.
// Message is human text; it never carries personal data.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Error implements the error interface.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorBody is the body of every error response:
// {"error":{"code":"…","message":"…"}}.
type ErrorBody struct {
	Error Error `json:"error"`
}
