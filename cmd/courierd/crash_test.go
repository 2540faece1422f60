//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// stop is a stop of the server while the fleet pushes: once afterAcks
// batches have been acknowledged, SIGKILL (a crash) or SIGTERM. With
// sinceRestart it comes once the devices have read afterAcks more 200s
// (resends included) since the last restart. With dropResponse it comes
// when the next 200 has arrived but not yet been read, and that device
// drops it (see tripwire).
type stop struct {
	afterAcks    int
	sinceRestart bool
	graceful     bool
	dropResponse bool
}

func (s stop) String() string {
	how := "SIGKILL"
	if s.graceful {
		how = "SIGTERM"
	}
	if s.dropResponse {
		how += " with a 200 in hand, unread,"
	}
	if s.sinceRestart {
		return fmt.Sprintf("%s after %d answers since the restart", how, s.afterAcks)
	}
	return fmt.Sprintf("%s after %d acknowledged batches", how, s.afterAcks)
}

type scenario struct {
	couriers, devicesPerCourier int
	batches, minOps, maxOps     int
	stops                       []stop
	// photos, when > 0, are uploaded by one more courier while the fleet
	// pushes; seed makes them.
	photos int
	seed   uint64
}

// runScenario starts courierd on a fresh data dir, lets the fleet push
// while the server is stopped and restarted at each planned point, then
// resends everything, checks the ledger against the audit trail, stops
// the server with SIGTERM and checks the store file.
func runScenario(t *testing.T, sc scenario) ledgerStats {
	t.Helper()
	began := time.Now()
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, 5*time.Minute, errors.New("scenario took longer than 5 minutes"))
	defer cancelTimeout()

	srv := newServerProc(t)
	srv.onExit = func(err error) { cancel(err) }
	srv.start()
	api := newAPIClient(t)
	f := newFleet(t, srv, api, planFleet(sc.couriers, sc.devicesPerCourier, sc.batches, sc.minOps, sc.maxOps))
	f.enrol(ctx)
	up := startUploads(t, ctx, srv, api, sc, &wg, func(err error) { cancel(err) })
	srv.open()
	f.run(ctx, &wg, func(err error) { cancel(err) })
	// failed ends the test with the fleet's own error when it has one: a
	// device that fails cancels ctx, which makes the test's next request
	// fail too.
	failed := func(format string, args ...any) {
		t.Helper()
		if err := context.Cause(ctx); err != nil {
			t.Fatalf("fleet: %v", err)
		}
		t.Fatalf(format, args...)
	}

	restartAnswers := 0
	for i, st := range sc.stops {
		var tw *tripwire
		if st.dropResponse {
			tw = f.armTrip(st.afterAcks)
		}
		reached := false
		switch {
		case tw != nil:
			reached = f.waitTrip(tw)
		case st.sinceRestart:
			reached = f.waitAnswers(restartAnswers + st.afterAcks)
		default:
			reached = f.waitAcked(st.afterAcks)
		}
		if !reached {
			failed("the fleet finished before stop %d (%v)", i+1, st)
		}
		if st.graceful {
			if code := srv.terminate(); code != 0 {
				t.Errorf("stop %d: courierd exited with code %d after SIGTERM, want 0", i+1, code)
			}
		} else {
			srv.kill()
		}
		if tw != nil {
			close(tw.done)
		}
		// Every response a client has read by now was sent before the
		// process died, so every op in it must have been on disk.
		acked := f.acknowledged()
		var photos map[string][]byte
		if up != nil {
			photos = up.acknowledged()
		}
		srv.start()
		audit, err := api.auditOps(ctx, srv.url())
		if err != nil {
			failed("stop %d: read the audit after restart: %v", i+1, err)
		}
		reportErrors(t, fmt.Sprintf("stop %d (%v)", i+1, st), missingFromAudit(acked, audit))
		if up != nil {
			reportErrors(t, fmt.Sprintf("stop %d (%v): photos", i+1, st), up.check(ctx, srv.url(), photos, false))
			t.Logf("stop %d: the %d photos acknowledged by then are whole", i+1, len(photos))
		}
		t.Logf("stop %d: %v; the %d ops acknowledged by then checked against the audit (%d entries)", i+1, st, len(acked), len(audit))
		restartAnswers = f.answered()
		srv.open()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		t.Fatalf("fleet: %v", err)
	}

	if err := f.resendAll(ctx); err != nil {
		failed("final resend: %v", err)
	}
	audit, err := api.auditOps(ctx, srv.url())
	if err != nil {
		failed("read the audit: %v", err)
	}
	stats, errs := f.verify(audit)
	reportErrors(t, "ledger", errs)
	if up != nil {
		photos := up.acknowledged()
		if len(photos) != sc.photos {
			t.Errorf("%d of %d photos acknowledged", len(photos), sc.photos)
		}
		reportErrors(t, "photos", up.check(ctx, srv.url(), photos, true))
		t.Logf("photos: %d uploaded in %d attempts, %d cut off by a stop; every one whole, byte for byte", len(photos), up.attempts, up.cut)
	}

	if code := srv.terminate(); code != 0 {
		t.Errorf("courierd exited with code %d after the final SIGTERM, want 0", code)
	}
	srv.checkStore()
	t.Logf("%d stops; %d batches, %d ops (%d applied, %d rejected, %d op-id conflicts); %d push attempts, %d cut off by a stop (%d batches), "+
		"%d ops committed but unacknowledged before a stop, %d resends of acknowledged batches (%d ops), %d re-logins after 401; audit %d entries; %v",
		len(sc.stops), stats.batches, stats.ops, stats.applied, stats.rejected, stats.conflictOps, stats.attempts, stats.wireFailures,
		stats.interruptedBatches, stats.committedUnacked, stats.ackedResends, stats.resentOps, stats.relogin, len(audit), time.Since(began).Round(time.Millisecond))
	return stats
}

// startUploads starts the photo uploader of sc, if it has one.
func startUploads(t *testing.T, ctx context.Context, srv *serverProc, api *apiClient, sc scenario, wg *sync.WaitGroup, fail func(error)) *photoUploader {
	t.Helper()
	if sc.photos == 0 {
		return nil
	}
	base := srv.url()
	admin, err := api.login(ctx, base, adminUser, adminPassword, "admin-photos")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.createCourier(ctx, base, admin, "photo-courier", "photo-courier-pw"); err != nil {
		t.Fatal(err)
	}
	token, err := api.login(ctx, base, "photo-courier", "photo-courier-pw", "pda-photos")
	if err != nil {
		t.Fatal(err)
	}
	up := newPhotoUploader(t, srv, token, sc.photos, sc.seed)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := up.run(ctx); err != nil {
			fail(fmt.Errorf("photos: %w", err))
		}
	}()
	return up
}

// reportErrors fails the test with the first few errors and a count.
func reportErrors(t *testing.T, what string, errs []error) {
	t.Helper()
	const show = 15
	for i, err := range errs {
		if i == show {
			t.Errorf("%s: … and %d more", what, len(errs)-show)
			break
		}
		t.Errorf("%s: %v", what, err)
	}
}

// TestCrashLosesNoAcknowledgedOp kills the server with SIGKILL six times
// while eight handhelds of four couriers push their outboxes, restarts it
// on the same data dir each time, and checks the protocol's promises:
// durable before acknowledged, exactly-once effect, and the audit trail.
func TestCrashLosesNoAcknowledgedOp(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and crashes the real server several times")
	}
	stats := runScenario(t, scenario{
		couriers: 4, devicesPerCourier: 2,
		batches: 24, minOps: 20, maxOps: 50,
		stops: []stop{
			{afterAcks: 11},
			{afterAcks: 37},
			{afterAcks: 4, sinceRestart: true}, // while devices resend after the restart
			{afterAcks: 83, dropResponse: true},
			{afterAcks: 131},
			{afterAcks: 160, dropResponse: true},
		},
	})
	if stats.droppedResponses != 2 {
		t.Errorf("%d responses dropped at a tripwire, want 2", stats.droppedResponses)
	}
	if stats.interruptedBatches == 0 {
		t.Errorf("no push was cut off by any of the crashes: the test did not exercise a crash mid-stream")
	}
	if stats.ackedResends == 0 {
		t.Errorf("no acknowledged batch was resent")
	}
}

// TestFaultKillsWithUploadsInFlight kills the server at random instants
// (seeded: COURIER_FAULT_SEED reproduces a run; under COURIER_SOAK=1 a
// fresh seed each run, logged) while handhelds push and a courier uploads
// photos, and checks after every restart that each acknowledged op is in
// the audit exactly once and each acknowledged photo is whole, and at the
// end that every photo is the very bytes uploaded.
func TestFaultKillsWithUploadsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and crashes the real server several times")
	}
	seed := uint64(20261206)
	if v := os.Getenv("COURIER_FAULT_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("COURIER_FAULT_SEED: %v", err)
		}
		seed = n
	} else if os.Getenv("COURIER_SOAK") != "" {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with COURIER_FAULT_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var stops []stop
	at := 0
	for i := 0; i < 4; i++ {
		at += 5 + rng.IntN(20)
		stops = append(stops, stop{afterAcks: at})
	}
	runScenario(t, scenario{
		couriers: 2, devicesPerCourier: 2,
		batches: 30, minOps: 5, maxOps: 30,
		stops:  stops,
		photos: 40, seed: seed,
	})
}
