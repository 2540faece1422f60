// Package stack assembles the courier-sync server from its parts: the bbolt
// store, token signing and password hashing, the domain services and the
// fiber HTTP API. cmd/courierd runs it; end-to-end tests start it in-process.
package stack

import (
	"context"
	"fmt"
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
	"github.com/gofiber/fiber/v2"
)

// Config is every setting the assembled server takes.
type Config struct {
	DataDir        string
	BootstrapAdmin string // "username:password", created when there are no users
	JWTKeyFile     string // default <DataDir>/jwt-ed25519.pem
	BcryptCost     int    // default 10
	AccessTTL      time.Duration
	SessionTTL     time.Duration
	Logger         *slog.Logger
	Clock          server.Clock
}

// Stack is a running server's parts.
type Stack struct {
	DB   *bolt.DB
	Auth *server.Auth
	App  *fiber.App
	log  *slog.Logger
}

// Open opens the store in cfg.DataDir, loads or makes the signing key,
// creates the bootstrap admin when needed and builds the HTTP app.
func Open(ctx context.Context, cfg Config) (*Stack, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.JWTKeyFile == "" {
		cfg.JWTKeyFile = filepath.Join(cfg.DataDir, "jwt-ed25519.pem")
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = 10
	}
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(cfg.DataDir, "courier.db"), bolt.Options{Clock: cfg.Clock})
	if err != nil {
		return nil, err
	}
	key, err := auth.LoadOrCreateKey(cfg.JWTKeyFile)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &server.Auth{
		Users:     db,
		Sessions:  db,
		Tokens:    auth.NewSigner(key, cfg.Clock),
		Passwords: auth.Bcrypt{Cost: cfg.BcryptCost},
		Clock:     cfg.Clock,
		Config:    server.AuthConfig{AccessTTL: cfg.AccessTTL, SessionTTL: cfg.SessionTTL},
		Throttle:  server.NewLoginThrottle(),
	}
	created, err := a.Bootstrap(ctx, cfg.BootstrapAdmin)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	if created {
		cfg.Logger.Info("bootstrap admin created")
	}
	app := httpapi.New(httpapi.Config{
		Auth: a, Sync: db, Audit: db, Users: db, Logger: cfg.Logger,
		Ready: db.Ready, Backup: db.Backup, OpenAPI: assets.OpenAPI,
	})
	return &Stack{DB: db, Auth: a, App: app, log: cfg.Logger}, nil
}

// Serve serves the API on ln until Shutdown.
func (s *Stack) Serve(ln net.Listener) error { return s.App.Listener(ln) }

// Shutdown drains in-flight requests (up to timeout) and closes the store.
func (s *Stack) Shutdown(timeout time.Duration) error {
	if err := s.App.ShutdownWithTimeout(timeout); err != nil {
		s.log.Warn("shutdown", "err", err)
	}
	return s.DB.Close()
}

// Start serves on a fresh loopback port in the background and returns the
// base URL, for tests and tools that run the server in-process.
func (s *Stack) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go s.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}
