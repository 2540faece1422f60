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
		MinFreeBytes: minFree(cfg.MinFreeMB), PhotoDeadline: cfg.PhotoDeadline,
		Capture:        syncproto.Config{PhotoMaxPixels: cfg.PhotoMaxPixels, JPEGQuality: cfg.JPEGQuality, UploadChunkBytes: cfg.ChunkBytes},
		FCMCredentials: cfg.FCMCredentials, FCMProjectID: cfg.FCMProjectID, FCMEndpoint: cfg.FCMEndpoint,
		Settings: cfg.Settings, SkewLimit: cfg.SkewLimit, PushesPerCourier: cfg.PushesPerCourier,
		ReadTimeout: cfg.ReadTimeout, IdleTimeout: cfg.IdleTimeout, RefreshGrace: refreshGrace(cfg.RefreshGrace),
	})
	if err != nil {
		return err
	}
	tcp, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		_ = s.Shutdown(time.Second) // the listen error is the one to report
		return err
	}
	maxConns, files := connCap(cfg.MaxConns)
	if files > 0 && uint64(maxConns)+64 > files {
		log.Warn("max-conns is close to the open-file limit: connections past it wait for a free descriptor", "max_conns", maxConns, "open_file_limit", files)
	}
	if cfg.DebugAddr != "" {
		if _, err := serveDebug(cfg.DebugAddr, log); err != nil {
			_ = s.Shutdown(time.Second) // the debug listener error is the one to report
			return err
		}
	}
	ln := limitConns(tcp, maxConns, log)
	log.Info("listening", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "max_conns", maxConns, "open_file_limit", files,
		"version", versionString())
	fmt.Fprintf(stdout, "courierd listening on %s\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- s.Serve(ln) }()
	select {
	case err := <-serveErr:
		_ = s.Shutdown(time.Second) // the listen error is the one to report
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

// minFree is the stack's free-space floor for -min-free-mb (0: none).
func minFree(mb int) int64 {
	if mb == 0 {
		return -1
	}
	return int64(mb) << 20
}

// defaultMaxConns is the connection cap when the open-file limit allows.
const defaultMaxConns = 10_000

// connCap returns the connection cap for the max-conns setting (0:
// automatic) and the open-file limit, raised to its hard limit first (0
// when unknown). The automatic cap leaves 256 descriptors for the store,
// blobs and logs.
func connCap(setting int) (int, uint64) {
	files := raiseFileLimit()
	if setting > 0 {
		return setting, files
	}
	n := defaultMaxConns
	if files > 0 && files < defaultMaxConns+256 {
		n = max(int(files)-256, 16)
	}
	return n, files
}

// refreshGrace maps the setting (0: none) to server.AuthConfig's (0:
// default, negative: none).
func refreshGrace(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
