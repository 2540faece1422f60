package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/courier-sync/courier-sync/server/stack"
)

// run starts the server and blocks until ctx is cancelled (SIGTERM), then
// drains in-flight requests and closes the store.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	s, err := stack.Open(ctx, stack.Config{
		DataDir: cfg.DataDir, BootstrapAdmin: cfg.BootstrapAdmin, JWTKeyFile: cfg.JWTKeyFile,
		BcryptCost: cfg.BcryptCost, AccessTTL: cfg.AccessTTL, SessionTTL: cfg.SessionTTL, Logger: log,
	})
	if err != nil {
		return err
	}
	logFCMMode(log, cfg)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.DB.Close()
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "data_dir", cfg.DataDir)
	fmt.Fprintf(stdout, "courierd listening on %s\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- s.Serve(ln) }()
	select {
	case err := <-serveErr:
		s.DB.Close()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	if err := s.Shutdown(30 * time.Second); err != nil {
		return err
	}
	log.Info("stopped cleanly")
	return nil
}

func logFCMMode(log *slog.Logger, cfg *config) {
	switch {
	case cfg.FCMEndpoint != "", cfg.FCMCredentials != "":
		log.Warn("fcm settings given, but FCM wake-ups are not built yet; devices learn of changes on their next sync")
	default:
		log.Info("fcm: no credentials or endpoint; wake-ups are not sent (not built yet)")
	}
}
