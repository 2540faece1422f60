// Package stack assembles the courier-sync server from its parts: the bbolt
// store, token signing and password hashing, the domain services and the
// fiber HTTP API. cmd/courierd runs it; end-to-end tests start it in-process.
package stack

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/courier-sync/courier-sync/assets"
	"github.com/courier-sync/courier-sync/docs"
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/auth"
	"github.com/courier-sync/courier-sync/server/blobfs"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/httpapi"
	"github.com/courier-sync/courier-sync/server/metrics"
	"github.com/courier-sync/courier-sync/server/photo"
	"github.com/courier-sync/courier-sync/server/push"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// Config is every setting the assembled server takes.
type Config struct {
	DataDir        string
	BootstrapAdmin string // "username:password", created when there are no users
	JWTKeyFile     string // default <DataDir>/jwt-ed25519.pem
	PIIKeyFile     string // default <DataDir>/pii-keys.json
	BcryptCost     int    // default 10
	AccessTTL      time.Duration
	SessionTTL     time.Duration
	Logger         *slog.Logger
	Clock          server.Clock
	// PhotoMemory is the memory budget of the image pipeline in bytes
	// (default 256 MiB); PhotoWorkers caps its goroutines (default 2).
	PhotoMemory  int64
	PhotoWorkers int
	// PartialTTL is how long an untouched partial upload is kept
	// (default 24 h).
	PartialTTL time.Duration
	// MinFreeBytes is the free-space floor of the data disk: uploads that
	// would leave less are refused (507) and /readyz says not ready while
	// below it. 0 means 64 MiB; negative means no floor.
	MinFreeBytes int64
	// PhotoDeadline bounds one photo's processing (default 30 s).
	PhotoDeadline time.Duration
	// Capture is the photo policy published to handhelds (zero fields
	// take bolt.DefaultCapture's).
	Capture syncproto.Config
	// FCM: real credentials (a service-account JSON file and project id),
	// or an endpoint override (a fake or emulator, no credentials); with
	// neither, wake-ups go to a log-only sender.
	FCMCredentials string
	FCMProjectID   string
	FCMEndpoint    string
	// Settings are the business rules; zero means server.DefaultSettings().
	Settings server.Settings
	// SkewLimit is how far a device clock may be off before its ops are
	// flagged clock_skew, and how far into the future a device time may
	// lie; 0 means server.DefaultSkewLimit (10 minutes).
	SkewLimit time.Duration
	// PushesPerCourier caps the pushes one courier has in flight; 0 means
	// server.DefaultPushesPerCourier.
	PushesPerCourier int
	// ReadTimeout and IdleTimeout are the HTTP edge's (zero: httpapi's
	// defaults, 30 s and 60 s); RefreshGrace is server.AuthConfig's.
	ReadTimeout  time.Duration
	IdleTimeout  time.Duration
	RefreshGrace time.Duration
}

// Stack is a running server's parts.
type Stack struct {
	DB      *bolt.DB
	Auth    *server.Auth
	Blobs   *server.Blobs
	App     *fiber.App
	log     *slog.Logger
	metrics *metrics.Metrics
	closing *atomic.Bool // set when Shutdown begins: /readyz says 503 from then on
	pool    *photo.Pool
	stop    chan struct{}
	done    chan struct{}
}

// Open opens the store in cfg.DataDir, loads or makes the signing key,
// creates the bootstrap admin when needed and builds the HTTP app.
func Open(ctx context.Context, cfg Config) (*Stack, error) {
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	m := metrics.New()
	bell := push.NewBell() // the store rings the wake-up sender on commit
	db, err := openStore(cfg, m, bell.Ring)
	if err != nil {
		return nil, err
	}
	key, err := auth.LoadOrCreateKey(cfg.JWTKeyFile)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := newAuth(cfg, db, key)
	created, err := a.Bootstrap(ctx, cfg.BootstrapAdmin)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	if created {
		cfg.Logger.Info("bootstrap admin created")
	}
	files, err := blobfs.Open(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		db.Close()
		return nil, err
	}
	pool := photo.NewPoolWithLimits(cfg.PhotoMemory, cfg.PhotoWorkers, photo.Limits{Deadline: cfg.PhotoDeadline})
	blobs := &server.Blobs{Files: files, Meta: db, Inspector: inspector{}, Processor: processor{pool, m}, Clock: cfg.Clock,
		PartialTTL: cfg.PartialTTL, MinFreeBytes: max(cfg.MinFreeBytes, 0)}
	if n, err := blobs.Resume(ctx); err != nil {
		cfg.Logger.Warn("resume photo processing", "err", err)
	} else if n > 0 {
		cfg.Logger.Info("resumed photo processing", "photos", n)
	}
	closing := new(atomic.Bool)
	app := newApp(cfg, db, a, blobs, m, closing)
	m.Gauge("courierd_store_write_queue", "Writes waiting for the store's single writer.", func() float64 { return float64(db.QueuedWrites()) })
	m.Gauge("courierd_photo_queue", "Photos queued or being processed by the image pipeline.", func() float64 { return float64(pool.Pending()) })
	s := &Stack{metrics: m, closing: closing, DB: db, Auth: a, Blobs: blobs, App: app, log: cfg.Logger, pool: pool, stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.startPush(cfg, bell); err != nil {
		pool.Close()
		db.Close()
		return nil, err
	}
	go s.janitor()
	return s, nil
}

// withDefaults fills the settings left zero.
func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.JWTKeyFile == "" {
		cfg.JWTKeyFile = filepath.Join(cfg.DataDir, "jwt-ed25519.pem")
	}
	if cfg.PIIKeyFile == "" {
		cfg.PIIKeyFile = filepath.Join(cfg.DataDir, "pii-keys.json")
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
	if cfg.PhotoMemory == 0 {
		cfg.PhotoMemory = 256 << 20
	}
	if cfg.PhotoWorkers == 0 {
		cfg.PhotoWorkers = 2
	}
	if cfg.MinFreeBytes == 0 {
		cfg.MinFreeBytes = 64 << 20
	}
	return cfg
}

// newAuth is the authentication service on the store db, signing with key.
func newAuth(cfg Config, db *bolt.DB, key ed25519.PrivateKey) *server.Auth {
	return &server.Auth{
		Users:     db,
		Sessions:  db,
		Tokens:    auth.NewSigner(key, cfg.Clock),
		Passwords: auth.Bcrypt{Cost: cfg.BcryptCost},
		Clock:     cfg.Clock,
		Config:    server.AuthConfig{AccessTTL: cfg.AccessTTL, SessionTTL: cfg.SessionTTL, RefreshGrace: cfg.RefreshGrace},
		Throttle:  server.NewLoginThrottle(),
		Gate:      server.NewPasswordGate(0, 0),
	}
}

// janitor keeps the report index current and resubmits photos left
// pending (a full queue or disk) every five minutes, and expires abandoned
// partial uploads once an hour.
func (s *Stack) janitor() {
	defer close(s.done)
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for i := 0; ; i++ {
		ctx := context.Background()
		if err := s.DB.RefreshReportIndex(ctx); err != nil {
			s.log.Warn("report index", "err", err)
		}
		if i > 0 {
			if _, err := s.Blobs.Resume(ctx); err != nil {
				s.log.Warn("resume photo processing", "err", err)
			}
		}
		if i%12 == 0 {
			if n, err := s.Blobs.ExpirePartials(ctx); err != nil {
				s.log.Warn("expire partial uploads", "err", err)
			} else if n > 0 {
				s.log.Info("expired partial uploads", "count", n)
			}
		}
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// Ready reports what /readyz says: the store takes writes and Shutdown
// has not begun.
func (s *Stack) Ready() bool { return !s.closing.Load() && s.DB.Ready() }

// Serve serves the API on ln until Shutdown.
func (s *Stack) Serve(ln net.Listener) error { return s.App.Listener(ln) }

// Shutdown drains in-flight requests (up to timeout) and closes the store.
// Photos still waiting for the pipeline stay "pending" in the store and
// are processed after the next start.
func (s *Stack) Shutdown(timeout time.Duration) error {
	s.closing.Store(true)
	if err := s.App.ShutdownWithTimeout(timeout); err != nil {
		s.log.Warn("shutdown", "err", err)
	}
	close(s.stop)
	<-s.done
	s.stopPush()
	s.pool.Close()
	return s.DB.Close()
}

// WaitPhotos blocks until the image pipeline has nothing queued or
// running, for tests and tools that need processed photos.
func (s *Stack) WaitPhotos() { s.pool.Wait() }

// Start serves on a fresh loopback port in the background and returns the
// base URL, for tests and tools that run the server in-process.
func (s *Stack) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = s.Serve(ln) }() // ends with Shutdown
	return "http://" + ln.Addr().String(), nil
}

// newApp builds the HTTP API on the store, the auth service and the blob
// service: one field per line, so adding a service is a one-line change.
func newApp(cfg Config, db *bolt.DB, a *server.Auth, blobs *server.Blobs, m *metrics.Metrics, closing *atomic.Bool) *fiber.App {
	settings := db.Settings().View()
	settings.AccessTokenTTLMinutes = int64(cfg.AccessTTL / time.Minute)
	settings.SessionTTLDays = int64(cfg.SessionTTL / (24 * time.Hour))
	return httpapi.New(httpapi.Config{
		Auth:        a,
		Sync:        meteredSync{db, m},
		Audit:       db,
		Users:       db,
		Blobs:       blobs,
		UploadsDir:  filepath.Join(cfg.DataDir, "tus"),
		Damage:      db,
		Events:      db,
		Callbacks:   db,
		PushTokens:  db,
		Purge:       db,
		Complaints:  db,
		Ledger:      db,
		Vehicles:    db,
		Reports:     db,
		Texts:       db,
		Claims:      db,
		Inspections: db,
		Accounts:    db,
		Handovers:   db,
		Parcels:     db,
		Settings:    &settings,
		Docs:        docs.Pages,
		Logger:      cfg.Logger,
		Ready:       func() bool { return !closing.Load() && db.Ready() && blobs.HasRoom(0) },
		Backup:      db.Backup,
		OpenAPI:     assets.OpenAPI,
		Metrics:     m.Handler(),

		ObserveRequest:   m.Request,
		PushesPerCourier: cfg.PushesPerCourier,
		ReadTimeout:      cfg.ReadTimeout,
		IdleTimeout:      cfg.IdleTimeout,
	})
}
