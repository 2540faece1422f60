package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/courier-sync/courier-sync/assets"
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/auth"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/httpapi"
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

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(cfg.DataDir, "courier.db"), bolt.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := auth.LoadOrCreateKey(cfg.JWTKeyFile)
	if err != nil {
		return err
	}
	a := &server.Auth{
		Users:     db,
		Sessions:  db,
		Tokens:    auth.NewSigner(key, nil),
		Passwords: auth.Bcrypt{Cost: cfg.BcryptCost},
		Config:    server.AuthConfig{AccessTTL: cfg.AccessTTL, SessionTTL: cfg.SessionTTL},
		Throttle:  server.NewLoginThrottle(),
	}
	created, err := a.Bootstrap(ctx, cfg.BootstrapAdmin)
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	if created {
		log.Info("bootstrap admin created")
	}
	logFCMMode(log, cfg)

	app := httpapi.New(httpapi.Config{
		Auth: a, Sync: db, Audit: db, Users: db, Logger: log,
		Ready: db.Ready, Backup: db.Backup, OpenAPI: assets.OpenAPI,
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "data_dir", cfg.DataDir)
	fmt.Fprintf(stdout, "courierd listening on %s\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- app.Listener(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	if err := app.ShutdownWithTimeout(30 * time.Second); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if err := db.Close(); err != nil {
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
