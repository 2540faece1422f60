package server_test

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestDeviceClock(t *testing.T) {
	recv := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return recv.Add(d).Format(time.RFC3339Nano) }
	t.Run("an op recorded offline three hours ago and sent with a right clock is not flagged", func(t *testing.T) {
		c := server.MeasureClock(recv, at(-2*time.Second), 0)
		if c.Flagged() {
			t.Fatalf("flagged: skew %s", c.Skew)
		}
		if e := c.CheckNotFuture("recorded_at", recv.Add(-3*time.Hour)); e != nil {
			t.Fatal(e)
		}
		if got := c.Effective(recv.Add(-3 * time.Hour)); !got.Equal(recv.Add(-3 * time.Hour)) {
			t.Fatalf("effective %s, want the device time", got)
		}
	})
	t.Run("without sent_at nothing is flagged for age alone", func(t *testing.T) {
		c := server.MeasureClock(recv, "", 0)
		if c.Flagged() || c.Known {
			t.Fatalf("got %+v", c)
		}
	})
	t.Run("a device two hours fast is flagged and its future-dated op is judged by the corrected time", func(t *testing.T) {
		c := server.MeasureClock(recv, at(2*time.Hour), 10*time.Minute)
		if !c.Flagged() || c.Skew != -2*time.Hour {
			t.Fatalf("got %+v", c)
		}
		rec := recv.Add(2*time.Hour - time.Minute) // a minute ago by the device's clock
		if e := c.CheckNotFuture("recorded_at", rec); e != nil {
			t.Fatalf("refused: %v", e)
		}
		if got, ok := c.Corrected(rec); !ok || !got.Equal(recv.Add(-time.Minute)) {
			t.Fatalf("corrected %s", got)
		}
		if got := c.Effective(rec); !got.Equal(recv.Add(-time.Minute)) {
			t.Fatalf("effective %s, want the corrected time", got)
		}
	})
	t.Run("a device two hours slow is flagged too", func(t *testing.T) {
		if c := server.MeasureClock(recv, at(-2*time.Hour), 0); !c.Flagged() {
			t.Fatalf("not flagged: %+v", c)
		}
	})
	t.Run("a time more than the limit in the future is refused with a clear message", func(t *testing.T) {
		c := server.MeasureClock(recv, "", 10*time.Minute)
		if e := c.CheckNotFuture("recorded_at", recv.Add(10*time.Minute)); e != nil {
			t.Fatalf("at the limit: %v", e)
		}
		e := c.CheckNotFuture("recorded_at", recv.Add(11*time.Minute))
		if e == nil || e.Code != syncproto.CodeValidationFailed {
			t.Fatalf("got %v", e)
		}
		if e.Message[:len("recorded_at:")] != "recorded_at:" {
			t.Fatalf("message %q does not name the field", e.Message)
		}
		if got := c.Effective(recv.Add(5 * time.Minute)); !got.Equal(recv.Add(5 * time.Minute)) {
			t.Fatalf("effective of a time within the limit = %s, want it unchanged", got)
		}
		if got := c.Effective(recv.Add(24 * time.Hour)); !got.Equal(recv) {
			t.Fatalf("effective of an implausible time = %s, want the arrival", got)
		}
	})
	t.Run("an absurd sent_at saturates instead of wrapping", func(t *testing.T) {
		c := server.MeasureClock(recv, "9999-12-31T23:59:59Z", 0)
		if !c.Flagged() || c.Skew >= 0 {
			t.Fatalf("got %+v", c)
		}
		if e := c.CheckNotFuture("recorded_at", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)); e == nil {
			t.Fatal("year 9999 accepted")
		}
	})
}
