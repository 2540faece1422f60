package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// run starts the server and blocks until ctx is cancelled (SIGTERM), then
// drains in-flight requests and closes the store.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.ShowVersion {
		fmt.Fprintln(stdout, versionString())
		return nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	s, err := stack.Open(ctx, stack.Config{
		DataDir: cfg.DataDir, BootstrapAdmin: cfg.BootstrapAdmin, JWTKeyFile: cfg.JWTKeyFile, PIIKeyFile: cfg.PIIKeyFile,
		BcryptCost: cfg.BcryptCost, AccessTTL: cfg.AccessTTL, SessionTTL: cfg.SessionTTL, Logger: log,
		PhotoMemory: int64(cfg.PhotoMemoryMB) << 20, PartialTTL: cfg.PartialTTL,
		Capture:        syncproto.Config{PhotoMaxPixels: cfg.PhotoMaxPixels, JPEGQuality: cfg.JPEGQuality, UploadChunkBytes: cfg.ChunkBytes},
		FCMCredentials: cfg.FCMCredentials, FCMProjectID: cfg.FCMProjectID, FCMEndpoint: cfg.FCMEndpoint,
		Settings: cfg.Settings,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.Shutdown(time.Second)
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "version", versionString())
	fmt.Fprintf(stdout, "courierd listening on %s\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- s.Serve(ln) }()
	select {
	case err := <-serveErr:
		s.Shutdown(time.Second)
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
