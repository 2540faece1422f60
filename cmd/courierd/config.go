package main

import (
	"flag"
	"fmt"
	"github.com/courier-sync/courier-sync/server"
	"io"
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
	Settings       server.Settings
	ShowVersion    bool
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	envInt := func(name string, def int) int {
		if n, err := strconv.Atoi(getenv(name)); err == nil {
			return n
		}
		return def
	}
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
	fs.BoolVar(&cfg.ShowVersion, "version", false, "print the version and exit")
	cfg.Settings = server.DefaultSettings()
	tz := fs.String("timezone", env("COURIERD_TIMEZONE", "Asia/Shanghai"), "company time zone: month boundaries and calendar deadlines (COURIERD_TIMEZONE)")
	fs.DurationVar(&cfg.Settings.ComplaintDue, "complaint-due", cfg.Settings.ComplaintDue, "a complaint must be handled this long after received_at")
	fs.DurationVar(&cfg.Settings.ComplaintAtRisk, "complaint-at-risk", cfg.Settings.ComplaintAtRisk, "a complaint is at risk this long after received_at")
	fs.IntVar(&cfg.Settings.CODDueMonths, "cod-due-months", cfg.Settings.CODDueMonths, "COD must be settled this many calendar months after collection")
	fs.DurationVar(&cfg.Settings.PIIRetention, "pii-retention", cfg.Settings.PIIRetention, "customer personal data is purged this long after a parcel's last event")
	fs.DurationVar(&cfg.Settings.RevealTTL, "reveal-ttl", cfg.Settings.RevealTTL, "how long a revealed customer phone number stays valid on the handheld")
	fs.IntVar(&cfg.Settings.RevealsPerHour, "reveals-per-hour", cfg.Settings.RevealsPerHour, "customer phone reveals allowed per courier per hour")
	fs.DurationVar(&cfg.Settings.CODRetention, "cod-retention", cfg.Settings.CODRetention, "COD ledger rows are kept at least this long: no purge, edit or delete of a younger row")
	fs.DurationVar(&cfg.Settings.ServiceDueWithin, "service-due-within", cfg.Settings.ServiceDueWithin, "a vehicle needs attention this long before its service is due")
	fs.Int64Var(&cfg.Settings.ServiceDueWithinKM, "service-due-within-km", cfg.Settings.ServiceDueWithinKM, "a vehicle needs attention this many km before its service is due")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.AccessTTL <= 0 || cfg.AccessTTL > 15*time.Minute {
		return nil, fmt.Errorf("access-ttl must be in (0, 15m]")
	}
	if cfg.BcryptCost < 4 || cfg.BcryptCost > 31 {
		return nil, fmt.Errorf("bcrypt-cost must be 4..31")
	}
	if cfg.PhotoMaxPixels < 0 || cfg.JPEGQuality < 1 || cfg.JPEGQuality > 100 || cfg.ChunkBytes < 16<<10 || cfg.ChunkBytes > 8<<20 {
		return nil, fmt.Errorf("capture policy: photo-max-pixels >= 0, jpeg quality 1..100, chunk 16 KiB..8 MiB")
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	cfg.Settings.Location = loc
	if cfg.Settings.ComplaintDue <= 0 || cfg.Settings.ComplaintAtRisk <= 0 || cfg.Settings.ComplaintAtRisk >= cfg.Settings.ComplaintDue {
		return nil, fmt.Errorf("complaint-at-risk must be positive and shorter than complaint-due")
	}
	if cfg.Settings.CODDueMonths < 1 || cfg.Settings.PIIRetention < 24*time.Hour || cfg.Settings.RevealTTL <= 0 || cfg.Settings.RevealsPerHour < 1 {
		return nil, fmt.Errorf("cod-due-months >= 1, pii-retention >= 24h, reveal-ttl > 0 and reveals-per-hour >= 1")
	}
	if cfg.Settings.CODRetention < 24*time.Hour || cfg.Settings.ServiceDueWithin < 0 || cfg.Settings.ServiceDueWithinKM < 0 {
		return nil, fmt.Errorf("cod-retention >= 24h, service-due-within(-km) >= 0")
	}
	if cfg.PhotoMemoryMB < 64 {
		return nil, fmt.Errorf("photo-memory-mb must be at least 64")
	}
	if cfg.JWTKeyFile == "" {
		cfg.JWTKeyFile = filepath.Join(cfg.DataDir, "jwt-ed25519.pem")
	}
	return cfg, nil
}
