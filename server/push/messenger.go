package push

import (
	"context"
	"log/slog"
	"time"

	"github.com/courier-sync/courier-sync/server"
)

// Messenger sends wake-ups. Send returns one Result per wake-up, in order.
type Messenger interface {
	Send(ctx context.Context, ws []server.WakeUp) []Result
}

// Result is what became of one wake-up.
type Result struct {
	// Outcome is server.Delivered, server.TokenInvalid or
	// server.RetryLater.
	Outcome server.DeliveryResult
	// RetryAfter is the wait the server asked for (0: none said).
	RetryAfter time.Duration
	// Err is the send error, for the log.
	Err error
}

// LogOnly is the Messenger used when FCM is not configured: it logs each
// wake-up (ids only) and counts it delivered, so the outbox does not grow.
type LogOnly struct {
	Log *slog.Logger
}

// Send implements Messenger.
func (l LogOnly) Send(ctx context.Context, ws []server.WakeUp) []Result {
	rs := make([]Result, len(ws))
	for i, w := range ws {
		l.Log.Info("push: wake-up not sent (log-only sender)", "courier_id", w.CourierID, "device_id", w.DeviceID,
			"hint", w.Hint, "task_id", w.TaskID)
		rs[i] = Result{Outcome: server.Delivered}
	}
	return rs
}
