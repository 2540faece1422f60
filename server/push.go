package server

import (
	"context"
	"time"
)

// Wake-ups: a change a courier's handheld should fetch now (a task created,
// reassigned or cancelled) queues a wake-up for each of the courier's
// devices with a push token, in the same transaction as the change. A
// sender drains the queue into FCM data messages that carry only opaque
// ids; the device then pulls. At most one wake-up per device is pending: a
// newer one replaces it (coalescing), since one pull fetches everything.

// MaxPushTokenLen bounds an FCM registration token.
const MaxPushTokenLen = 4096

// Wake-up hints: what the device will find when it pulls.
const HintCallbackTask = "callback_task"

// WakeUp is a pending wake-up of one device.
type WakeUp struct {
	// Key names the device in the outbox (opaque).
	Key       string
	CourierID string
	DeviceID  string
	Token     string
	Hint      string
	TaskID    string
	// Gen changes each time the wake-up is replaced by a newer one.
	Gen      uint64
	Attempts int
	// QueuedAt is when the oldest change still waiting for this wake-up
	// was made; UpdatedAt when the newest was.
	QueuedAt  time.Time
	UpdatedAt time.Time
}

// DeliveryResult is what became of a wake-up that was sent.
type DeliveryResult int

// Delivery results of a wake-up.
const (
	// Delivered: FCM took the message.
	Delivered DeliveryResult = iota + 1
	// TokenInvalid: FCM says the token is unregistered or invalid; the
	// token is removed and the wake-up dropped.
	TokenInvalid
	// RetryLater: a quota or server error; the wake-up stays queued
	// until RetryAt.
	RetryLater
	// Expired: the wake-up waited longer than its time to live; it is
	// dropped (the device pulls on its own when it comes online).
	Expired
)

// Delivery is what happened to a wake-up that was sent.
type Delivery struct {
	WakeUp  WakeUp
	Result  DeliveryResult
	RetryAt time.Time
}

// PushOutbox is the store side of wake-ups.
type PushOutbox interface {
	// PendingWakeUps returns up to limit wake-ups due at now, and the
	// earliest time a wake-up held back for a retry falls due (zero when
	// none is).
	PendingWakeUps(ctx context.Context, now time.Time, limit int) ([]WakeUp, time.Time, error)
	// CompleteWakeUps records deliveries: a delivered wake-up is removed
	// unless a newer one replaced it meanwhile; an invalid token is
	// removed; a retry is held back until RetryAt.
	CompleteWakeUps(ctx context.Context, ds []Delivery, now time.Time) error
	// OutboxVersion changes whenever a wake-up is queued; polling it is
	// cheap.
	OutboxVersion(ctx context.Context) (uint64, error)
}

// PushTokens keeps the FCM registration token of each device.
type PushTokens interface {
	// SetPushToken stores the token of p's device, replacing its old
	// one; a token that moved from another device is taken from it.
	// Errors: invalid_request (empty, too long or not printable ASCII).
	SetPushToken(ctx context.Context, p Principal, token string) error
}

// ValidPushToken reports whether s can be an FCM registration token:
// 1–4096 printable ASCII characters.
func ValidPushToken(s string) bool {
	if s == "" || len(s) > MaxPushTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
