package main

import (
	"flag"
	"fmt"
	"github.com/courier-sync/courier-sync/server"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// config is every setting of the server, built once from flags and the
// environment (a flag wins over its variable).
type config struct {
	Addr           string
	DataDir        string
	BootstrapAdmin string
	JWTKeyFile     string
	PIIKeyFile     string
	FCMCredentials string
	FCMProjectID   string
	FCMEndpoint    string
	BcryptCost     int
	AccessTTL      time.Duration
	SessionTTL     time.Duration
	LogLevel       string
	PhotoMaxPixels int64
	JPEGQuality    int
	ChunkBytes     int64
	PartialTTL     time.Duration
	PhotoMemoryMB  int
	MinFreeMB      int
	PhotoDeadline  time.Duration
	Settings       server.Settings
	// SkewLimit and PushesPerCourier: see stack.Config.
	SkewLimit        time.Duration
	PushesPerCourier int
	// The HTTP edge: connection cap (0: automatic), read and idle
	// timeouts, the refresh-token grace window.
	MaxConns     int
	DebugAddr    string
	ReadTimeout  time.Duration
	IdleTimeout  time.Duration
	RefreshGrace time.Duration
	ShowVersion  bool
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	env, envInt, envDuration := envReader(getenv)
	cfg := &config{}
	fs := flag.NewFlagSet("courierd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", env("COURIERD_ADDR", ":8080"), "listen address (COURIERD_ADDR)")
	fs.StringVar(&cfg.DataDir, "data-dir", env("COURIERD_DATA_DIR", "./data"), "bbolt file and blob store (COURIERD_DATA_DIR)")
	fs.StringVar(&cfg.BootstrapAdmin, "bootstrap-admin", env("COURIERD_BOOTSTRAP_ADMIN", ""), "username:password of an admin created when there are no users (COURIERD_BOOTSTRAP_ADMIN)")
	fs.StringVar(&cfg.JWTKeyFile, "jwt-key-file", env("COURIERD_JWT_KEY_FILE", ""), "Ed25519 signing key, generated when missing (COURIERD_JWT_KEY_FILE; default <data-dir>/jwt-ed25519.pem)")
	fs.StringVar(&cfg.PIIKeyFile, "pii-key-file", env("COURIERD_PII_KEY_FILE", ""), "AES-256-GCM keys sealing customer personal data; generated only for a store holding no sealed data, else courierd refuses to start without them (COURIERD_PII_KEY_FILE; default <data-dir>/pii-keys.json)")
	fs.StringVar(&cfg.FCMCredentials, "fcm-credentials", env("COURIERD_FCM_CREDENTIALS", ""), "service-account JSON for FCM (COURIERD_FCM_CREDENTIALS)")
	fs.StringVar(&cfg.FCMProjectID, "fcm-project-id", env("COURIERD_FCM_PROJECT_ID", ""), "FCM project id (COURIERD_FCM_PROJECT_ID)")
	fs.StringVar(&cfg.FCMEndpoint, "fcm-endpoint", env("COURIERD_FCM_ENDPOINT", ""), "FCM base URL override, no credentials needed (COURIERD_FCM_ENDPOINT)")
	fs.IntVar(&cfg.BcryptCost, "bcrypt-cost", envInt("COURIERD_BCRYPT_COST", 10), "bcrypt cost for new passwords (COURIERD_BCRYPT_COST)")
	fs.DurationVar(&cfg.AccessTTL, "access-ttl", 15*time.Minute, "access token lifetime, at most 15m")
	fs.DurationVar(&cfg.SessionTTL, "session-ttl", 30*24*time.Hour, "refresh-token family lifetime")
	fs.StringVar(&cfg.LogLevel, "log-level", env("COURIERD_LOG_LEVEL", "info"), "debug, info, warn or error (COURIERD_LOG_LEVEL)")
	fs.Int64Var(&cfg.PhotoMaxPixels, "photo-max-pixels", int64(envInt("COURIERD_PHOTO_MAX_PIXELS", 0)), "capture policy: handhelds downscale photos above this many pixels; 0 keeps the camera's bytes (COURIERD_PHOTO_MAX_PIXELS)")
	fs.IntVar(&cfg.JPEGQuality, "photo-jpeg-quality", envInt("COURIERD_PHOTO_JPEG_QUALITY", 80), "capture policy: JPEG quality of downscaled photos (COURIERD_PHOTO_JPEG_QUALITY)")
	fs.Int64Var(&cfg.ChunkBytes, "upload-chunk-bytes", int64(envInt("COURIERD_UPLOAD_CHUNK_BYTES", 256<<10)), "capture policy: resumable upload chunk size (COURIERD_UPLOAD_CHUNK_BYTES)")
	fs.DurationVar(&cfg.PartialTTL, "partial-upload-ttl", 24*time.Hour, "abandoned partial uploads are deleted after this long")
	fs.IntVar(&cfg.PhotoMemoryMB, "photo-memory-mb", envInt("COURIERD_PHOTO_MEMORY_MB", 256), "memory budget of the image pipeline (COURIERD_PHOTO_MEMORY_MB)")
	fs.IntVar(&cfg.MinFreeMB, "min-free-mb", envInt("COURIERD_MIN_FREE_MB", 64), "free-space floor of the data disk: uploads that would go below it get 507 and /readyz is 503 while below it; 0 disables (COURIERD_MIN_FREE_MB)")
	fs.DurationVar(&cfg.PhotoDeadline, "photo-deadline", 30*time.Second, "longest time the image pipeline spends on one photo; past it the photo is unprocessable")
	fs.DurationVar(&cfg.SkewLimit, "clock-skew", envDuration("COURIERD_CLOCK_SKEW", server.DefaultSkewLimit), "a device clock off by more than this (measured from a push's sent_at) is flagged clock_skew; a device time more than this in the future is rejected (COURIERD_CLOCK_SKEW)")
	fs.IntVar(&cfg.PushesPerCourier, "pushes-per-courier", envInt("COURIERD_PUSHES_PER_COURIER", server.DefaultPushesPerCourier), "pushes one courier may have in progress; more are answered 429 with Retry-After (COURIERD_PUSHES_PER_COURIER)")
	fs.IntVar(&cfg.MaxConns, "max-conns", envInt("COURIERD_MAX_CONNS", 0), "most connections open at once; more wait to be accepted; 0: 10000, or the open-file limit less 256 if lower (COURIERD_MAX_CONNS)")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", envDuration("COURIERD_READ_TIMEOUT", 30*time.Second), "a request's headers and body must arrive within this, from its first byte, else 408 or the connection closes (COURIERD_READ_TIMEOUT)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", envDuration("COURIERD_IDLE_TIMEOUT", 60*time.Second), "a keep-alive connection idle this long is closed (COURIERD_IDLE_TIMEOUT)")
	fs.DurationVar(&cfg.RefreshGrace, "refresh-grace", envDuration("COURIERD_REFRESH_GRACE", time.Minute), "a just-rotated refresh token presented again this soon gets the same new token instead of revoking the session (COURIERD_REFRESH_GRACE)")
	fs.StringVar(&cfg.DebugAddr, "debug-addr", env("COURIERD_DEBUG_ADDR", ""), "loopback address (127.0.0.1:6060) to serve Go's profiler on; empty: off (COURIERD_DEBUG_ADDR)")
	fs.BoolVar(&cfg.ShowVersion, "version", false, "print the version and exit")
	cfg.Settings = server.DefaultSettings()
	tz := fs.String("timezone", env("COURIERD_TIMEZONE", "Asia/Shanghai"), "company time zone: month boundaries and calendar deadlines (COURIERD_TIMEZONE)")
	ruleFlags(fs, &cfg.Settings)
	claimRules := fs.String("claim-rules", env("COURIERD_CLAIM_RULES", ""), "JSON file of the claim rule set (caps, multiples, windows, deadlines); unset: the built-in defaults (COURIERD_CLAIM_RULES)")
	fs.IntVar(&cfg.Settings.InspectionItems, "inspection-items", envInt("COURIERD_INSPECTION_ITEMS", cfg.Settings.InspectionItems), "items per courier a monthly inspection samples, 1..50 (COURIERD_INSPECTION_ITEMS)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := loadClaimRules(*claimRules, &cfg.Settings); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	cfg.Settings.Location = loc
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.JWTKeyFile == "" {
		cfg.JWTKeyFile = filepath.Join(cfg.DataDir, "jwt-ed25519.pem")
	}
	return cfg, nil
}

// envReader returns readers of getenv's variables as a string, an int
// and a duration, each with a default for unset or malformed values.
func envReader(getenv func(string) string) (func(string, string) string, func(string, int) int, func(string, time.Duration) time.Duration) {
	str := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	num := func(name string, def int) int {
		if n, err := strconv.Atoi(getenv(name)); err == nil {
			return n
		}
		return def
	}
	dur := func(name string, def time.Duration) time.Duration {
		if d, err := time.ParseDuration(getenv(name)); err == nil {
			return d
		}
		return def
	}
	return str, num, dur
}

// ruleFlags registers the flags of the business rules of docs/domain.md,
// defaulting to s's values.
func ruleFlags(fs *flag.FlagSet, s *server.Settings) {
	fs.DurationVar(&s.ComplaintDue, "complaint-due", s.ComplaintDue, "a complaint must be handled this long after received_at")
	fs.DurationVar(&s.ComplaintAtRisk, "complaint-at-risk", s.ComplaintAtRisk, "a complaint is at risk this long after received_at")
	fs.IntVar(&s.CODDueMonths, "cod-due-months", s.CODDueMonths, "COD must be settled this many calendar months after collection")
	fs.DurationVar(&s.PIIRetention, "pii-retention", s.PIIRetention, "customer personal data is purged this long after a parcel's last event")
	fs.DurationVar(&s.RevealTTL, "reveal-ttl", s.RevealTTL, "how long a revealed customer phone number stays valid on the handheld")
	fs.IntVar(&s.RevealsPerHour, "reveals-per-hour", s.RevealsPerHour, "customer phone reveals allowed per courier per hour")
	fs.DurationVar(&s.CODRetention, "cod-retention", s.CODRetention, "COD ledger rows are kept at least this long: no purge, edit or delete of a younger row")
	fs.DurationVar(&s.ServiceDueWithin, "service-due-within", s.ServiceDueWithin, "a vehicle needs attention this long before its service is due")
	fs.Int64Var(&s.ServiceDueWithinKM, "service-due-within-km", s.ServiceDueWithinKM, "a vehicle needs attention this many km before its service is due")
}

// check refuses settings out of their ranges, naming them.
func (cfg *config) check() error {
	if cfg.AccessTTL <= 0 || cfg.AccessTTL > 15*time.Minute {
		return fmt.Errorf("access-ttl must be in (0, 15m]")
	}
	if cfg.BcryptCost < 4 || cfg.BcryptCost > 31 {
		return fmt.Errorf("bcrypt-cost must be 4..31")
	}
	if cfg.PhotoMaxPixels < 0 || cfg.JPEGQuality < 1 || cfg.JPEGQuality > 100 || cfg.ChunkBytes < 16<<10 || cfg.ChunkBytes > 8<<20 {
		return fmt.Errorf("capture policy: photo-max-pixels >= 0, jpeg quality 1..100, chunk 16 KiB..8 MiB")
	}
	if cfg.Settings.ComplaintDue <= 0 || cfg.Settings.ComplaintAtRisk <= 0 || cfg.Settings.ComplaintAtRisk >= cfg.Settings.ComplaintDue {
		return fmt.Errorf("complaint-at-risk must be positive and shorter than complaint-due")
	}
	if cfg.Settings.CODDueMonths < 1 || cfg.Settings.PIIRetention < 24*time.Hour || cfg.Settings.RevealTTL <= 0 || cfg.Settings.RevealsPerHour < 1 {
		return fmt.Errorf("cod-due-months >= 1, pii-retention >= 24h, reveal-ttl > 0 and reveals-per-hour >= 1")
	}
	if cfg.Settings.CODRetention < 24*time.Hour || cfg.Settings.ServiceDueWithin < 0 || cfg.Settings.ServiceDueWithinKM < 0 {
		return fmt.Errorf("cod-retention >= 24h, service-due-within(-km) >= 0")
	}
	if cfg.MinFreeMB < 0 || cfg.PhotoDeadline <= 0 {
		return fmt.Errorf("min-free-mb >= 0 and photo-deadline > 0")
	}
	if cfg.SkewLimit < time.Minute || cfg.SkewLimit > 24*time.Hour || cfg.PushesPerCourier < 1 || cfg.PushesPerCourier > 64 {
		return fmt.Errorf("clock-skew must be 1m..24h and pushes-per-courier 1..64")
	}
	if cfg.MaxConns < 0 || cfg.ReadTimeout <= 0 || cfg.IdleTimeout <= 0 || cfg.RefreshGrace < 0 || cfg.RefreshGrace > 10*time.Minute {
		return fmt.Errorf("max-conns >= 0, read-timeout and idle-timeout > 0, refresh-grace 0..10m")
	}
	if err := checkDebugAddr(cfg.DebugAddr); err != nil {
		return err
	}
	if cfg.PhotoMemoryMB < 64 {
		return fmt.Errorf("photo-memory-mb must be at least 64")
	}
	return nil
}

// loadClaimRules reads the claim rule set from a JSON file (fields left
// out keep their defaults) and checks the inspection sample size.
func loadClaimRules(path string, s *server.Settings) error {
	if s.InspectionItems < 1 || s.InspectionItems > 50 {
		return fmt.Errorf("inspection-items must be 1..50")
	}
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("claim-rules: %w", err)
	}
	rules, err := server.ParseClaimRules(data)
	if err != nil {
		return err
	}
	s.Claims = rules
	return nil
}
