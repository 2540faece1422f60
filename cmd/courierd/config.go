package main

import (
	"flag"
	"fmt"
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
	FCMCredentials string
	FCMProjectID   string
	FCMEndpoint    string
	BcryptCost     int
	AccessTTL      time.Duration
	SessionTTL     time.Duration
	LogLevel       string
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
	fs.StringVar(&cfg.FCMCredentials, "fcm-credentials", env("COURIERD_FCM_CREDENTIALS", ""), "service-account JSON for FCM (COURIERD_FCM_CREDENTIALS)")
	fs.StringVar(&cfg.FCMProjectID, "fcm-project-id", env("COURIERD_FCM_PROJECT_ID", ""), "FCM project id (COURIERD_FCM_PROJECT_ID)")
	fs.StringVar(&cfg.FCMEndpoint, "fcm-endpoint", env("COURIERD_FCM_ENDPOINT", ""), "FCM base URL override, no credentials needed (COURIERD_FCM_ENDPOINT)")
	fs.IntVar(&cfg.BcryptCost, "bcrypt-cost", envInt("COURIERD_BCRYPT_COST", 10), "bcrypt cost for new passwords (COURIERD_BCRYPT_COST)")
	fs.DurationVar(&cfg.AccessTTL, "access-ttl", 15*time.Minute, "access token lifetime, at most 15m")
	fs.DurationVar(&cfg.SessionTTL, "session-ttl", 30*24*time.Hour, "refresh-token family lifetime")
	fs.StringVar(&cfg.LogLevel, "log-level", env("COURIERD_LOG_LEVEL", "info"), "debug, info, warn or error (COURIERD_LOG_LEVEL)")
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
	if cfg.JWTKeyFile == "" {
		cfg.JWTKeyFile = filepath.Join(cfg.DataDir, "jwt-ed25519.pem")
	}
	return cfg, nil
}
