package stack

import (
	"context"
	"fmt"
	"sync"

	"github.com/courier-sync/courier-sync/server/push"
)

// startPush starts the wake-up sender: FCM with real credentials, FCM at
// an endpoint override (a fake or emulator, no credentials), or a log-only
// sender when neither is configured; it says which at start-up. The sender
// stops when the app shuts down (a fiber shutdown hook, after in-flight
// requests have drained and before the store closes); wake-ups not yet
// sent stay queued in the store and go out after the next start. The store
// rings bell after each commit that queued a wake-up.
func (s *Stack) startPush(cfg Config, bell push.Bell) error {
	var m push.Messenger
	switch {
	case cfg.FCMCredentials != "" || cfg.FCMEndpoint != "":
		fcm, err := push.NewFCM(context.Background(), push.FCMConfig{
			CredentialsFile: cfg.FCMCredentials, ProjectID: cfg.FCMProjectID, Endpoint: cfg.FCMEndpoint,
		})
		if err != nil {
			return fmt.Errorf("fcm: %w", err)
		}
		m = fcm
		if cfg.FCMCredentials != "" {
			s.log.Info("push: wake-ups go to FCM", "mode", "credentials", "project_id", cfg.FCMProjectID, "endpoint", cfg.FCMEndpoint)
		} else {
			s.log.Info("push: wake-ups go to an FCM endpoint override without credentials", "mode", "endpoint",
				"endpoint", push.EndpointURL(cfg.FCMEndpoint), "project_id", or(cfg.FCMProjectID, push.DefaultProjectID))
		}
	default:
		m = push.LogOnly{Log: s.log}
		s.log.Warn("push: no FCM credentials or endpoint configured; wake-ups are only logged", "mode", "log-only")
	}
	sender := &push.Sender{Outbox: s.DB, Messenger: m, Log: s.log, Now: cfg.Clock.Now, Observe: s.metrics.FCM, Bell: bell}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sender.Run(ctx)
	}()
	var once sync.Once
	s.App.Hooks().OnShutdown(func() error {
		once.Do(func() {
			cancel()
			<-done
		})
		return nil
	})
	return nil
}

// stopPush stops the wake-up sender. The sender already stopped in the
// app's shutdown hook (Shutdown shuts the app down first), so there is
// nothing left to do here; wake-ups not yet sent stay queued in the store.
func (s *Stack) stopPush() {}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
