package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/server/push/pushtest"
)

// run is the whole program: a fleet run with its end check, or bench mode.
// It returns an error when the run fails its check.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	var fake *pushtest.Fake
	if cfg.FCMFake && len(cfg.Bench) == 0 {
		if fake, err = startFCMFake(stdout, cfg.FCMURLFile); err != nil {
			return err
		}
		defer fake.Close()
	}
	if cfg.ServerFile != "" {
		base, pid, err := waitServerFile(ctx, cfg.ServerFile, cfg.ServerWait)
		if err != nil {
			return err
		}
		if err := cfg.setServer(base); err != nil {
			return err
		}
		if cfg.ServerPID == 0 {
			cfg.ServerPID = pid
		}
	}
	runID := newRunID(time.Now())
	base := newBaseTransport(max(cfg.Couriers, maxLevel(cfg.Bench)))
	defer base.CloseIdleConnections()
	hc := &http.Client{Transport: base, Timeout: 2 * time.Minute}
	ad := newAdmin(cfg.Server, hc, cfg.AdminUser, cfg.AdminPass)
	if err := ad.ensureLogin(ctx); err != nil {
		return err
	}
	if len(cfg.Bench) > 0 {
		return runBench(ctx, cfg, runID, ad, hc, stdout)
	}
	return runFleet(ctx, cfg, runID, ad, base, fake, stdout, stderr)
}

// newRunID returns a 12-digit id: the start time in nanoseconds modulo
// 10^12 (a ~17-minute cycle). Runs started one after the other always
// differ, and two runs far apart match with a chance of 10^-12, so
// usernames, waybills, receipt numbers and vehicle ids of runs against one
// server do not collide.
func newRunID(now time.Time) string {
	return fmt.Sprintf("%012d", now.UnixNano()%1_000_000_000_000)
}

// runFleet creates the couriers, lets them record and sync over the flaky
// link, then checks the audit log and the handhelds and prints the summary.
func runFleet(ctx context.Context, cfg *config, runID string, ad *admin, base http.RoundTripper, fake *pushtest.Fake, stdout, stderr io.Writer) (err error) {
	start := time.Now()
	fmt.Fprintf(stdout, "courier-sim run %s: %d couriers x %d records, fail-rate %.2f, slow-rate %.2f, seed %d\n",
		runID, cfg.Couriers, cfg.Records, cfg.FailRate, cfg.SlowRate, cfg.Seed)
	dir, cleanup, err := workDir(cfg.Dir, runID)
	if err != nil {
		return err
	}
	defer cleanup()

	f, err := newFleet(ctx, cfg, runID, dir, ad, base)
	if err != nil {
		return err
	}
	setupTime := time.Since(start)
	defer f.close()
	finish := f.showProgress(stderr, cfg.Quiet)
	fleetStart := time.Now()
	err = f.run(ctx)
	fleetTime := time.Since(fleetStart)
	finish()
	if err != nil {
		return err
	}

	checkStart := time.Now()
	states, err := f.outboxStates()
	if err != nil {
		return err
	}
	audit, err := ad.AllAuditOps(ctx, nil)
	if err != nil {
		return fmt.Errorf("read audit ops: %w", err)
	}
	devices, users := f.members()
	hands, reports, err := f.photoStates()
	if err != nil {
		return err
	}
	photos, actorsCheck, err := checkPhotosAndActors(ctx, f, ad, fake, hands, reports)
	if err != nil {
		return err
	}
	s := &summary{
		Seed: cfg.Seed, RunID: runID, Couriers: cfg.Couriers, Records: cfg.Couriers * cfg.Records,
		Check:     checkRun(f.expected(), audit, devices, users, states),
		Photos:    photos,
		FleetTime: fleetTime, SetupTime: setupTime, AuditOps: len(audit),
	}
	if f.act != nil {
		s.Actors, s.ActorsFinal = actorsCheck, f.act.FinalRound
	}
	s.addCouriers(f, states, hands, stderr)
	if cfg.ServerPID > 0 {
		rss, rerr := peakRSS(cfg.ServerPID)
		if rerr != nil {
			fmt.Fprintln(stderr, "courier-sim: server peak RSS:", rerr)
		}
		s.PeakRSS = rss
	}
	s.CheckTime = time.Since(checkStart)
	s.Wall = time.Since(start)
	if err := s.write(stdout); err != nil {
		return err
	}
	if !s.OK() {
		return errors.New(s.verdict())
	}
	return nil
}

// checkPhotosAndActors runs the photo check and, when the fleet has
// actors, their check beside it: the photo check mostly waits for the
// server's display copies.
func checkPhotosAndActors(ctx context.Context, f *fleet, ad *admin, fake *pushtest.Fake, hands []handheldPhotos, reports []expectedReport) (*photoCheck, *actorCheck, error) {
	var (
		actorsCheck *actorCheck
		actorsErr   error
		wg          sync.WaitGroup
	)
	if f.act != nil {
		wg.Go(func() { actorsCheck, actorsErr = checkActors(ctx, f, fake) })
	}
	photos, err := checkPhotos(ctx, ad, hands, reports)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	return photos, actorsCheck, actorsErr
}

// workDir is the fleet's directory: dir, or a temporary one that cleanup
// removes.
func workDir(dir, runID string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, os.MkdirAll(dir, 0o700)
	}
	dir, err := os.MkdirTemp("", "courier-sim-"+runID+"-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// addCouriers adds each courier's counts to the summary and reports the
// last sync and photo errors of those left with work pending.
func (s *summary) addCouriers(f *fleet, states []outboxState, hands []handheldPhotos, stderr io.Writer) {
	for i, c := range f.couriers {
		if states[i].Pending != 0 && c.lastErr != nil {
			fmt.Fprintf(stderr, "courier-sim: courier %d: last sync error: %v\n", c.idx, c.lastErr)
		}
		if hands[i].Pending > 0 && c.outbox != nil {
			if st, err := c.outbox.Status(); err == nil && st.LastPhotoError != "" {
				fmt.Fprintf(stderr, "courier-sim: courier %d: last photo upload error: %s\n", c.idx, st.LastPhotoError)
			}
		}
		s.Refused += c.refused
		s.Surprises = append(s.Surprises, c.surprises...)
		s.Link.add(&c.link.stats)
		s.SyncCalls += c.syncCalls
		s.SyncFails += c.syncFails
	}
}

func maxLevel(levels []int) int {
	m := 0
	for _, n := range levels {
		m = max(m, n)
	}
	return m
}
