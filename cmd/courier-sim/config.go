package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// defaultAdmin is the demo admin of a local courierd started with
// COURIERD_BOOTSTRAP_ADMIN=admin:admin-demo-pw.
const defaultAdmin = "admin:admin-demo-pw"

// config is every setting of one simulator run, built once from flags and
// the environment.
type config struct {
	Server    string
	AdminUser string
	AdminPass string
	Couriers  int
	Records   int
	FailRate  float64
	SlowRate  float64
	// PhotoRate is the share of damage reports (and of inspections with
	// faults) that get real photos; the others carry made-up digests.
	PhotoRate float64
	// Dir holds the outbox files; empty means a temporary directory that
	// is removed at the end.
	Dir  string
	Seed uint64
	// Batch is the number of ops per push (mobileapi Options.BatchSize).
	Batch int
	// ServerPID, when set, is the courierd process whose peak RSS is
	// reported.
	ServerPID int
	// Bench lists device counts for bench mode; empty means the fleet run.
	Bench        []int
	BenchBatches int
	// BenchV4 makes bench op ids random UUIDv4 instead of UUIDv7;
	// BenchPull, when set, times pulling that many pending changes of one
	// courier over HTTP; BenchJSON appends each level's figures to a file
	// (see bench_measure.go).
	BenchV4   bool
	BenchPull int
	BenchJSON string
	// BenchOps, when set, is the ops of each level in all (the growth
	// run's loader), instead of the usual ~200k.
	BenchOps int
	Quiet    bool

	// ServerFile, instead of Server, names a file to wait for (up to
	// ServerWait) that holds the server's base URL on its first line and,
	// optionally, its pid on the second: for a script that starts courierd
	// only once the fake FCM's URL is known.
	ServerFile string
	ServerWait time.Duration
	// FCMFake starts the fake FCM endpoint in-process; its URL is printed
	// and, with FCMURLFile, written to that file. The end check then
	// reads the wake-ups it received.
	FCMFake    bool
	FCMURLFile string
	// Actors runs the dispatcher and supervisor beside the fleet;
	// CallbackShare is the share of couriers the dispatcher gives
	// callback tasks (at least two couriers).
	Actors        bool
	CallbackShare float64
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	admin := getenv("COURIER_SIM_ADMIN")
	if admin == "" {
		admin = defaultAdmin
	}
	var bench string
	fs := flag.NewFlagSet("courier-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Server, "server", "", "base URL of the courierd server (required)")
	fs.StringVar(&admin, "admin", admin, "admin credentials user:pass (COURIER_SIM_ADMIN)")
	fs.IntVar(&cfg.Couriers, "couriers", 50, "number of simulated couriers")
	fs.IntVar(&cfg.Records, "records", 200, "records per courier")
	fs.Float64Var(&cfg.FailRate, "fail-rate", 0.10, "share of requests the link fails (half before the server, half after it answered)")
	fs.Float64Var(&cfg.SlowRate, "slow-rate", 0.05, "share of responses delayed by 100-400 ms")
	fs.Float64Var(&cfg.PhotoRate, "photo-rate", 0.5, "share of damage reports (and inspections with faults) with real JPEG photos, uploaded and checked; the rest carry made-up digests")
	fs.StringVar(&cfg.Dir, "dir", "", "directory for the outbox files (default: a temporary directory removed at the end)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "random seed (default: time-based; printed at start)")
	fs.IntVar(&cfg.Batch, "batch", 200, "ops per push request")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "pid of the courierd process, to report its peak RSS (VmHWM)")
	fs.StringVar(&bench, "bench", "", `bench mode: comma-separated device counts, e.g. "1,16,64,256"`)
	fs.IntVar(&cfg.BenchBatches, "bench-batches", 200, "bench: batches of 50 pickups per device (capped at ~200k ops per level)")
	fs.BoolVar(&cfg.BenchV4, "bench-v4", false, "bench: random UUIDv4 op ids instead of time-ordered UUIDv7")
	fs.IntVar(&cfg.BenchPull, "bench-pull", 0, "bench: also time pulling this many pending changes of one courier over HTTP (e.g. 10000)")
	fs.IntVar(&cfg.BenchOps, "bench-ops", 0, "bench: ops of each level in all, overriding -bench-batches (e.g. 10000000 to grow a store)")
	fs.StringVar(&cfg.BenchJSON, "bench-json", "", "bench: append each level's figures to this file as JSON lines")
	fs.BoolVar(&cfg.Quiet, "quiet", false, "no progress bar")
	fs.StringVar(&cfg.ServerFile, "server-file", "", "instead of -server: wait for this file to hold the server's base URL (first line) and optionally its pid (second line)")
	fs.DurationVar(&cfg.ServerWait, "server-wait", time.Minute, "how long to wait for -server-file")
	fs.BoolVar(&cfg.FCMFake, "fcm-fake", false, "start a fake FCM endpoint in-process (print its URL; courierd must use it as COURIERD_FCM_ENDPOINT) and check the wake-ups it receives")
	fs.StringVar(&cfg.FCMURLFile, "fcm-url-file", "", "with -fcm-fake: also write the fake FCM's URL to this file")
	fs.BoolVar(&cfg.Actors, "actors", true, "run the dispatcher and supervisor actors (callbacks, complaints, COD hand-overs and settlements, vehicles)")
	fs.Float64Var(&cfg.CallbackShare, "callback-share", 0.2, "share of couriers that get callback tasks (at least 2)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
	if !seedSet {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	var ok bool
	if cfg.AdminUser, cfg.AdminPass, ok = strings.Cut(admin, ":"); !ok || cfg.AdminUser == "" {
		return nil, errors.New("-admin: want user:pass")
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if bench != "" {
		levels, err := parseLevels(bench)
		if err != nil {
			return nil, err
		}
		cfg.Bench = levels
	}
	return cfg, nil
}

func (cfg *config) check() error {
	switch {
	case cfg.Server == "" && cfg.ServerFile == "":
		return errors.New("-server is required, e.g. -server http://127.0.0.1:8080")
	case cfg.Server != "" && cfg.ServerFile != "":
		return errors.New("give -server or -server-file, not both")
	case cfg.FCMURLFile != "" && !cfg.FCMFake:
		return errors.New("-fcm-url-file: only with -fcm-fake")
	case cfg.ServerWait <= 0:
		return errors.New("-server-wait: a positive duration")
	case cfg.CallbackShare < 0 || cfg.CallbackShare > 1:
		return errors.New("-callback-share: 0 to 1")
	case cfg.Couriers < 1 || cfg.Couriers > 9999:
		return errors.New("-couriers: 1 to 9999")
	case cfg.Records < 1 || cfg.Records > 99999:
		return errors.New("-records: 1 to 99999")
	case cfg.FailRate < 0 || cfg.FailRate >= 1:
		return errors.New("-fail-rate: from 0 up to (not including) 1")
	case cfg.SlowRate < 0 || cfg.SlowRate > 1:
		return errors.New("-slow-rate: 0 to 1")
	case cfg.PhotoRate < 0 || cfg.PhotoRate > 1:
		return errors.New("-photo-rate: 0 to 1")
	case cfg.Batch < 1 || cfg.Batch > 500:
		return errors.New("-batch: 1 to 500")
	case cfg.BenchBatches < 1:
		return errors.New("-bench-batches: at least 1")
	case cfg.ServerPID < 0:
		return errors.New("-server-pid: a process id")
	}
	if cfg.Server != "" {
		return cfg.setServer(cfg.Server)
	}
	return nil
}

// setServer checks and sets the server's base URL.
func (cfg *config) setServer(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("-server: want an http(s) URL such as http://127.0.0.1:8080")
	}
	cfg.Server = strings.TrimRight(s, "/")
	return nil
}

// parseLevels reads "1,16,64,256".
func parseLevels(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 4096 {
			return nil, fmt.Errorf("-bench: %q is not a device count from 1 to 4096", f)
		}
		out = append(out, n)
	}
	return out, nil
}
