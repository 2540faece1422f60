package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Sync cadence of a simulated courier.
const (
	syncEveryMin   = 15 // records between syncs: 15–25, ~20
	syncEverySpan  = 11
	finalSyncTries = 25 // Syncs at the end until the outbox is empty
	createWorkers  = 8  // concurrent account creations (each costs a bcrypt hash)
)

// courier is one simulated courier with its handheld.
type courier struct {
	idx      int
	username string
	password string
	userID   string
	deviceID string
	path     string
	link     *flakyLink
	gen      *generator
	outbox   *mobileapi.Outbox

	expected  []expectedOp
	shots     []shot           // photos attached
	reports   []expectedReport // damage reports queued, with their photos
	refused   int
	surprises []string
	syncCalls int
	syncFails int
	lastErr   error

	// token is the handheld's FCM registration token; tokenUp is set once
	// a Sync has registered it, so wake-ups can reach the handheld.
	token   string
	tokenUp atomic.Bool
	// ans draws the courier's callback outcomes; seen marks the tasks
	// whose masked contact was checked; reveals counts number reveals.
	ans     *mrand.Rand
	seen    map[string]bool
	reveals revealStats
}

// fleet is the simulated couriers of one run.
type fleet struct {
	cfg      *config
	couriers []*courier
	progress func(n int)
	// act is the dispatcher and supervisor; nil without -actors.
	act *actors
}

// newFleet creates the courier accounts on the server, each with a random
// password, and prepares their handhelds.
func newFleet(ctx context.Context, cfg *config, runID, dir string, ad *admin, base http.RoundTripper) (*fleet, error) {
	f := &fleet{cfg: cfg, progress: func(int) {}}
	for i := 1; i <= cfg.Couriers; i++ {
		c := &courier{
			idx:      i,
			username: fmt.Sprintf("sim-%s-c%03d", runID, i),
			password: rand.Text(),
			deviceID: fmt.Sprintf("pda-%s-c%03d", runID, i),
			link:     newFlakyLink(base, cfg.FailRate, cfg.SlowRate, cfg.Seed, uint64(i)),
			gen:      newGenerator(cfg.Seed, runID, i, time.Now),
			token:    "fcm-sim-" + rand.Text() + rand.Text(),
			ans:      mrand.New(mrand.NewPCG(cfg.Seed, uint64(i)<<32|0xca11)),
			seen:     map[string]bool{},
		}
		c.path = filepath.Join(dir, c.deviceID+".db")
		f.couriers = append(f.couriers, c)
	}
	err := forEach(ctx, f.couriers, createWorkers, func(ctx context.Context, c *courier) error {
		id, err := ad.createCourier(ctx, c.username, c.password, courierName(c.idx))
		c.userID = id
		return err
	})
	if err != nil || !cfg.Actors {
		return f, err
	}
	f.act, err = newActors(ctx, f, runID, ad, base)
	return f, err
}

// courierName is the display name of courier i.
func courierName(i int) string { return fmt.Sprintf("Sim courier %d", i) }

// run lets every courier record and sync at once, with the actors beside
// them, and waits for all.
func (f *fleet) run(ctx context.Context) error {
	if f.act == nil {
		return forEach(ctx, f.couriers, len(f.couriers), f.runCourier)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var actErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		if actErr = f.act.run(ctx); actErr != nil {
			cancel()
		}
	})
	err := forEach(ctx, f.couriers, len(f.couriers), f.runCourier)
	if err != nil {
		cancel()
	}
	wg.Wait()
	if actErr != nil && !errors.Is(actErr, context.Canceled) {
		return actErr
	}
	if err != nil {
		return err
	}
	return actErr
}

// runCourier records the courier's records one by one, syncing every ~20
// and at the end until the outbox is empty. Sync failures are expected on
// the flaky link and only noted; a failing outbox file ends the run.
func (f *fleet) runCourier(ctx context.Context, c *courier) error {
	o, err := mobileapi.Open(c.path, &mobileapi.Options{
		ServerURL: f.cfg.Server, DeviceID: c.deviceID,
		Username: c.username, Password: c.password,
		BatchSize: f.cfg.Batch, Transport: c.link,
	})
	if err != nil {
		return fmt.Errorf("courier %d: open outbox: %w", c.idx, err)
	}
	c.outbox = o
	if err := o.SetPushToken(c.token); err != nil {
		return fmt.Errorf("courier %d: set push token: %w", c.idx, err)
	}
	camDir := strings.TrimSuffix(c.path, ".db") + ".camera"
	if err := os.MkdirAll(camDir, 0o700); err != nil {
		return fmt.Errorf("courier %d: %w", c.idx, err)
	}
	defer os.RemoveAll(camDir)
	c.gen.cam, c.gen.photoRate = newCamera(camDir, f.cfg.Seed, c.idx, time.Now), f.cfg.PhotoRate
	unsynced, sinceSync := 0, 0
	next := syncEveryMin + c.gen.r.IntN(syncEverySpan)
	for range f.cfg.Records {
		out, err := c.gen.step(o)
		if err != nil {
			return fmt.Errorf("courier %d: %w", c.idx, err)
		}
		c.note(out)
		unsynced++
		if sinceSync++; sinceSync == next {
			sinceSync, next = 0, syncEveryMin+c.gen.r.IntN(syncEverySpan)
			if c.sync(ctx) == nil {
				f.progress(unsynced)
				unsynced = 0
				if f.act != nil {
					if err := f.answerTasks(ctx, c, true); err != nil {
						return err
					}
				}
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if err := f.syncUntilEmpty(ctx, c); err != nil {
		return err
	}
	f.progress(unsynced)
	if f.act == nil {
		return nil
	}
	return f.catchUp(ctx, c)
}

// syncUntilEmpty syncs until the outbox holds no op and no photo, up to
// finalSyncTries times. Ops still pending after that are left for the end
// check to report; only a failing outbox file or the end of ctx is an
// error.
func (f *fleet) syncUntilEmpty(ctx context.Context, c *courier) error {
	for try := 0; try < finalSyncTries; try++ {
		err := c.sync(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		st, serr := c.outbox.Status()
		if serr != nil {
			return fmt.Errorf("courier %d: status: %w", c.idx, serr)
		}
		if err == nil && st.Pending == 0 && st.PhotosPending == 0 {
			return nil
		}
		if errors.Is(err, mobileapi.ErrAuth) || errors.Is(err, mobileapi.ErrRefused) || errors.Is(err, mobileapi.ErrUnsupportedProtocol) {
			return nil // retrying will not help
		}
	}
	return nil
}

// note files what one step recorded.
func (c *courier) note(out outcome) {
	if out.Refused {
		c.refused++
	}
	if out.Surprise != "" {
		c.surprises = append(c.surprises, fmt.Sprintf("courier %d: %s", c.idx, out.Surprise))
	}
	if out.OpID != "" {
		c.expected = append(c.expected, expectedOp{OpID: out.OpID, Kind: out.Kind, DeviceID: c.deviceID, Want: out.Want})
	}
	c.shots = append(c.shots, out.Shots...)
	if out.Kind == syncproto.KindDamageReport && out.OpID != "" && out.Want == "" {
		c.reports = append(c.reports, expectedReport{OpID: out.OpID, CourierID: c.userID, Digests: out.Evidence, Real: out.RealPhotos})
	}
}

// sync runs one Sync and notes whether the push token is registered.
func (c *courier) sync(ctx context.Context) error {
	c.syncCalls++
	err := c.outbox.Sync(ctx)
	if err != nil {
		c.syncFails++
		c.lastErr = err
	}
	if !c.tokenUp.Load() {
		if st, serr := c.outbox.Status(); serr == nil && !st.PushTokenPending {
			c.tokenUp.Store(true)
		}
	}
	return err
}

// outboxStates reads what every handheld holds after the run.
func (f *fleet) outboxStates() ([]outboxState, error) {
	var out []outboxState
	for _, c := range f.couriers {
		if c.outbox == nil {
			out = append(out, outboxState{DeviceID: c.deviceID, Pending: -1})
			continue
		}
		st, err := c.outbox.Status()
		if err != nil {
			return nil, fmt.Errorf("courier %d: status: %w", c.idx, err)
		}
		rej, err := c.outbox.RejectedOps()
		if err != nil {
			return nil, fmt.Errorf("courier %d: rejected ops: %w", c.idx, err)
		}
		out = append(out, outboxState{DeviceID: c.deviceID, Pending: st.Pending, StatusRejected: st.Rejected, Rejected: rej})
	}
	return out, nil
}

// photoStates reads what every handheld holds about its photos, and lists
// the damage reports the couriers queued.
func (f *fleet) photoStates() ([]handheldPhotos, []expectedReport, error) {
	var hands []handheldPhotos
	var reports []expectedReport
	for _, c := range f.couriers {
		reports = append(reports, c.reports...)
		h := handheldPhotos{DeviceID: c.deviceID, Shots: c.shots, Pending: -1}
		if c.outbox != nil {
			st, err := c.outbox.Status()
			if err != nil {
				return nil, nil, fmt.Errorf("courier %d: status: %w", c.idx, err)
			}
			if h.Photos, err = c.outbox.Photos(); err != nil {
				return nil, nil, fmt.Errorf("courier %d: photos: %w", c.idx, err)
			}
			h.Pending, h.Failed = st.PhotosPending, st.PhotosFailed
		}
		hands = append(hands, h)
	}
	return hands, reports, nil
}

func (f *fleet) close() {
	for _, c := range f.couriers {
		if c.outbox != nil {
			c.outbox.Close()
		}
	}
}

// expected lists every op the couriers queued, with the outcome each must
// have.
func (f *fleet) expected() []expectedOp {
	var all []expectedOp
	for _, c := range f.couriers {
		all = append(all, c.expected...)
	}
	return all
}

// members returns the device ids and user ids of this run's couriers.
func (f *fleet) members() (devices, users map[string]bool) {
	devices, users = map[string]bool{}, map[string]bool{}
	for _, c := range f.couriers {
		devices[c.deviceID] = true
		if c.userID != "" {
			users[c.userID] = true
		}
	}
	return devices, users
}

// showProgress puts a progress bar of records synced on w, unless quiet or
// w is not a terminal. It returns a function that finishes the bar.
func (f *fleet) showProgress(w io.Writer, quiet bool) (finish func()) {
	file, ok := w.(*os.File)
	if quiet || !ok || !isTerminal(file) {
		return func() {}
	}
	bar := progressbar.NewOptions64(int64(f.cfg.Couriers*f.cfg.Records),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("records synced"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rec"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionFullWidth(),
	)
	f.progress = func(n int) { _ = bar.Add(n) }
	return func() {
		_ = bar.Finish()
		fmt.Fprintln(w)
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// forEach runs fn for every item with at most workers at once, and returns
// the first error (which cancels the others' context).
func forEach[T any](ctx context.Context, items []T, workers int, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, max(1, workers))
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, it); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return first
}
