package syncproto

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Field limits enforced by validation.
const (
	MaxNameRunes        = 64
	MaxAddressRunes     = 256
	MaxTextRunes        = 2000
	MaxPhotosPerRecord  = 10
	MaxInspectionItems  = 64
	MaxReceiptNoLen     = 64
	MaxVehicleIDLen     = 32
	MaxTaskIDLen        = 64
	MinWaybillLen       = 6
	MaxWaybillLen       = 32
	DefaultCurrency     = "CNY"
	minPhoneDigits      = 3
	maxPhoneDigits      = 20
	maxDeviceIDLen      = 128
	maxRecordedAtLength = 64
)

// invalid returns a validation_failed error naming the field. Messages name
// fields and rules only, never the offending value (it may be personal data).
func invalid(field, rule string) *Error {
	return &Error{Code: CodeValidationFailed, Message: field + ": " + rule}
}

// ValidatePush checks the envelope of a push request: the parts that, when
// wrong, make the whole request unusable (400 invalid_request). Payloads are
// checked op by op with DecodePayload.
func ValidatePush(req *PushRequest) *Error {
	if req.DeviceID == "" || len(req.DeviceID) > maxDeviceIDLen {
		return Errorf(CodeInvalidRequest, "device_id: required, at most %d bytes", maxDeviceIDLen)
	}
	if len(req.Ops) > MaxOpsPerPush {
		return Errorf(CodePayloadTooLarge, "at most %d ops per push", MaxOpsPerPush)
	}
	var last int64
	for i, op := range req.Ops {
		if _, ok := ParseUUID(op.OpID); !ok {
			return Errorf(CodeInvalidRequest, "ops[%d].op_id: must be a UUID", i)
		}
		if op.Seq <= 0 {
			return Errorf(CodeInvalidRequest, "ops[%d].seq: must be positive", i)
		}
		if i > 0 && op.Seq <= last {
			return Errorf(CodeInvalidRequest, "ops[%d].seq: must increase strictly within a request", i)
		}
		last = op.Seq
	}
	if req.SentAt != "" {
		if _, ok := ParseOpTime(req.SentAt); !ok {
			return Errorf(CodeInvalidRequest, "sent_at: an RFC 3339 time with offset when given")
		}
	}
	return nil
}

// ParseOpTime parses an RFC 3339 timestamp with offset.
func ParseOpTime(s string) (time.Time, bool) {
	if s == "" || len(s) > maxRecordedAtLength || !rfc3339Shape(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// rfc3339Shape reports whether s has the form
// YYYY-MM-DDTHH:MM:SS[.digits](Z|±HH:MM) with an offset of at most 23:59.
// time.Parse alone also takes a one-digit hour, a comma before the fraction
// and offsets such as +24:00 (which time.Time then refuses to encode) or
// +08:60; it still checks the ranges of the date and time fields.
func rfc3339Shape(s string) bool {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(s) <= len(layout) {
		return false
	}
	for i := 0; i < len(layout); i++ {
		if layout[i] == 'd' && !isDigit(s[i]) || layout[i] != 'd' && s[i] != layout[i] {
			return false
		}
	}
	rest := s[len(layout):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	if rest == "Z" {
		return true
	}
	if len(rest) != 6 || rest[0] != '+' && rest[0] != '-' || rest[3] != ':' ||
		!isDigit(rest[1]) || !isDigit(rest[2]) || !isDigit(rest[4]) || !isDigit(rest[5]) {
		return false
	}
	return rest[1:3] <= "23" && rest[4:6] <= "59"
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// DecodePayload decodes and validates the payload of an op of the given kind.
// It returns a pointer to the kind's payload type (*Pickup, *DamageReport,
// …) or an op-level error: unknown_kind, validation_failed or
// inspection_required. Fields it does not know are ignored.
func DecodePayload(kind string, raw json.RawMessage) (any, *Error) {
	return DecodePayloadUsing(json.Unmarshal, kind, raw)
}

// Unmarshal is the signature of encoding/json's Unmarshal, and of any
// decoder with its exact semantics that a caller may use instead (the
// server uses a faster one on the push path).
type Unmarshal func(data []byte, v any) error

// DecodePayloadUsing is DecodePayload decoding with unmarshal.
func DecodePayloadUsing(unmarshal Unmarshal, kind string, raw json.RawMessage) (any, *Error) {
	var p interface{ validate() *Error }
	switch kind {
	case KindPickup:
		p = new(Pickup)
	case KindDamageReport:
		p = new(DamageReport)
	case KindCODReceipt:
		p = new(CODReceipt)
	case KindComplaint:
		p = new(Complaint)
	case KindCallbackOutcome:
		p = new(CallbackOutcome)
	case KindVehicleLog:
		p = new(VehicleLog)
	default:
		return nil, Errorf(CodeUnknownKind, "kind: not one of %s", strings.Join(Kinds, ", "))
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, invalid("payload", "must be a JSON object")
	}
	if err := unmarshal(raw, p); err != nil {
		return nil, invalid("payload", "a field has the wrong JSON type")
	}
	if e := p.validate(); e != nil {
		return nil, e
	}
	return p, nil
}

// ValidateOp checks an op's recorded_at and payload together.
func ValidateOp(op *Op) (any, *Error) {
	p, _, e := CheckOp(op)
	return p, e
}

// CheckOp is ValidateOp that also returns recorded_at as it parsed it
// (the zero time when it is refused), so the caller need not parse it again.
func CheckOp(op *Op) (any, time.Time, *Error) { return CheckOpUsing(json.Unmarshal, op) }

// CheckOpUsing is CheckOp decoding the payload with unmarshal.
func CheckOpUsing(unmarshal Unmarshal, op *Op) (any, time.Time, *Error) {
	at, ok := ParseOpTime(op.RecordedAt)
	var e *Error
	switch {
	case !ok:
		e = invalid("recorded_at", "must be an RFC 3339 time with offset")
	case !InEventWindow(at):
		e = invalid("recorded_at", eventWindowRule)
	}
	if e != nil {
		if _, known := kindSet[op.Kind]; !known {
			return nil, time.Time{}, Errorf(CodeUnknownKind, "kind: not one of %s", strings.Join(Kinds, ", "))
		}
		return nil, time.Time{}, e
	}
	p, e := DecodePayloadUsing(unmarshal, op.Kind, op.Payload)
	if e != nil {
		return nil, time.Time{}, e
	}
	return p, at, nil
}

var kindSet = func() map[string]struct{} {
	m := make(map[string]struct{}, len(Kinds))
	for _, k := range Kinds {
		m[k] = struct{}{}
	}
	return m
}()

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// ValidWaybill reports whether s is 6–32 of [A-Za-z0-9-].
func ValidWaybill(s string) bool {
	if len(s) < MinWaybillLen || len(s) > MaxWaybillLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func checkWaybill(field, s string) *Error {
	if !ValidWaybill(s) {
		return invalid(field, "6–32 of [A-Za-z0-9-]")
	}
	return nil
}

func checkName(field, s string) *Error {
	if e := checkText(field, s, MaxNameRunes); e != nil {
		return e
	}
	if !ValidName(s, MaxNameRunes) {
		return invalid(field, "no control or direction-control characters")
	}
	return nil
}

func checkText(field, s string, max int) *Error {
	if !HasText(s) {
		return invalid(field, "required")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return Errorf(CodeValidationFailed, "%s: valid UTF-8, at most %d characters", field, max)
	}
	return nil
}

// ValidPhone reports whether s looks like a phone number: an optional
// leading +, then 3–20 digits, with spaces or dashes between them.
func ValidPhone(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0:
		case (c == ' ' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return digits >= minPhoneDigits && digits <= maxPhoneDigits
}

func checkPhone(field, s string) *Error {
	if !ValidPhone(s) {
		return invalid(field, "3–20 digits, optional leading +, spaces or dashes")
	}
	return nil
}

// ValidDigest reports whether s is a lowercase hex SHA-256 digest.
func ValidDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func checkDigests(field string, ds []string) *Error {
	if len(ds) > MaxPhotosPerRecord {
		return invalid(field, "at most 10 photo digests")
	}
	seen := make(map[string]bool, len(ds))
	for _, d := range ds {
		if !ValidDigest(d) {
			return invalid(field, "lowercase hex SHA-256 digests")
		}
		if seen[d] {
			return invalid(field, "each digest once")
		}
		seen[d] = true
	}
	return nil
}

func isCode(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
