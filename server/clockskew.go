package server

import (
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// FlagClockSkew is the flag of an op whose device clock was measured off
// by more than the allowed skew.
const FlagClockSkew = syncproto.FlagClockSkew

// DefaultSkewLimit is how far a device clock may be off before its ops are
// flagged, and how far into the future a device time may lie.
const DefaultSkewLimit = 10 * time.Minute

// DeviceClock is what the server knows of a device's clock while it takes
// one push: when the push arrived by the server's clock and, when the
// envelope carried sent_at, the skew measured from it (receive time minus
// sent_at; positive when the device is slow). Transit time counts as skew:
// it is small beside the limit.
type DeviceClock struct {
	Received time.Time
	Skew     time.Duration
	Known    bool
	Limit    time.Duration
}

// MeasureClock reads the device's clock from a push received at received
// with envelope sent_at (empty when the device did not send it). limit 0
// means DefaultSkewLimit. A sent_at that does not parse leaves the skew
// unknown (ValidatePush refuses such a push first).
func MeasureClock(received time.Time, sentAt string, limit time.Duration) DeviceClock {
	if limit <= 0 {
		limit = DefaultSkewLimit
	}
	c := DeviceClock{Received: received, Limit: limit}
	if t, ok := syncproto.ParseOpTime(sentAt); ok {
		c.Skew, c.Known = received.Sub(t), true // Sub saturates; never wraps
	}
	return c
}

// Flagged reports whether the measured skew is beyond the limit. Without
// sent_at nothing is flagged: an op recorded hours before it was synced is
// normal offline use, not a clock fault.
func (c DeviceClock) Flagged() bool {
	return c.Known && (c.Skew > c.Limit || c.Skew < -c.Limit)
}

// Corrected returns device time t corrected by the measured skew, and
// whether a skew was known.
func (c DeviceClock) Corrected(t time.Time) (time.Time, bool) {
	if !c.Known {
		return t, false
	}
	return t.Add(c.Skew), true
}

// CheckNotFuture refuses a device time that lies more than the limit after
// the push's arrival, judged by the corrected time when the skew is known.
// A device whose clock runs two hours fast therefore may send times two
// hours ahead of the server, and one with a right clock may not send
// tomorrow's date.
func (c DeviceClock) CheckNotFuture(field string, t time.Time) *syncproto.Error {
	judged, _ := c.Corrected(t)
	if judged.After(c.Received.Add(c.Limit)) {
		return syncproto.Errorf(syncproto.CodeValidationFailed,
			"%s: lies more than %s after the server received the op (device clock wrong?)", field, c.Limit)
	}
	return nil
}

// Effective returns the time that deadlines and retention run from for
// device time t. A plausible device time (at most the limit after the
// push's arrival) is used as the device said it: the contract keeps device
// times, and skew is flagged, not corrected. An implausible one (only a
// device whose clock was measured fast gets one past CheckNotFuture) is
// replaced by the corrected time when that is plausible, else by the
// arrival time itself. So a complaint dated next year cannot escape its
// deadline, nor a receipt its settlement date, nor a pickup its purge.
func (c DeviceClock) Effective(t time.Time) time.Time {
	latest := c.Received.Add(c.Limit)
	if !t.After(latest) {
		return t
	}
	if e, ok := c.Corrected(t); ok && !e.After(latest) {
		return e
	}
	return c.Received
}

// The instants every time zone shows with a year of 1 to 9999, the range
// a JSON time can be written in.
var (
	encodableMin = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	encodableMax = time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC)
)

// Encodable returns t moved into the range a JSON time can be written in,
// in t's own location. A deadline computed from a far-future device time
// (stored before the bounds of PROTOCOL.md "Additions to v1" existed) then
// shows as 9999-12-30 instead of making the list it is in fail.
func Encodable(t time.Time) time.Time {
	switch {
	case t.Before(encodableMin):
		return encodableMin.In(t.Location())
	case t.After(encodableMax):
		return encodableMax.In(t.Location())
	}
	return t
}
