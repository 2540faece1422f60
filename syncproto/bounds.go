package syncproto

import "time"

// Bounds on money and dates (PROTOCOL.md "Additions to v1"). They keep
// every stored amount and time inside what the server can add up, index
// and encode: ledger sums in int64, time keys in int64 nanoseconds (years
// 1678–2262), JSON times in years 0–9999.

// MaxCents is the largest amount any *_cents field may carry: 10^12 minor
// units (ten billion yuan). A sum of 9.2 million such amounts still fits in
// an int64 (10^12 × 9.2×10^6 = 9.2×10^18 < 2^63−1 ≈ 9.22×10^18).
const MaxCents int64 = 1_000_000_000_000

// MaxOdometerKM bounds an odometer reading (a hundred million km), so that
// service distances computed from it cannot overflow.
const MaxOdometerKM int64 = 100_000_000

// ValidCents reports whether v is an amount in [0, MaxCents].
func ValidCents(v int64) bool { return v >= 0 && v <= MaxCents }

// The window every device time (an op's recorded_at, a complaint's
// received_at, an envelope's sent_at) must fall in, whatever the server's
// clock says. How far into the future a device time may lie is judged by
// the server against its own clock (see server.DeviceClock); this window
// only keeps absurd values out.
var (
	MinEventTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxEventTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// InEventWindow reports whether t lies in [MinEventTime, MaxEventTime).
func InEventWindow(t time.Time) bool {
	return !t.Before(MinEventTime) && t.Before(MaxEventTime)
}

// ParseEventTime parses a device time: RFC 3339 with offset, inside the
// event window.
func ParseEventTime(s string) (time.Time, bool) {
	t, ok := ParseOpTime(s)
	return t, ok && InEventWindow(t)
}

// checkCents refuses an amount above MaxCents (callers check the lower
// bound, which differs by field).
func checkCents(field string, v int64) *Error {
	if v > MaxCents {
		return invalid(field, "at most 1000000000000 (10^12 minor units)")
	}
	return nil
}

// eventWindowRule is the rule a device time outside the event window breaks.
const eventWindowRule = "must lie between 2000-01-01 and 2200-01-01"

// checkEventTime refuses a device time that is not RFC 3339 with offset or
// lies outside the event window.
func checkEventTime(field, s string) *Error {
	t, ok := ParseOpTime(s)
	if !ok {
		return invalid(field, "must be an RFC 3339 time with offset")
	}
	if !InEventWindow(t) {
		return invalid(field, eventWindowRule)
	}
	return nil
}
