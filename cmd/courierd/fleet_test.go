//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// A fleet drives the planned devices against a serverProc and keeps a
// ledger of every push attempt and its outcome.

// fleet drives the devices against a serverProc and keeps the ledger.
type fleet struct {
	t       *testing.T
	srv     *serverProc
	api     *apiClient
	devices []*device

	mu       sync.Mutex
	cond     *sync.Cond
	acked    int // batches acknowledged at least once
	answers  int // 200s read, first acknowledgements and resends alike
	running  int // devices still working through their outbox
	relogins int // 401s answered by logging in again
	trip     *tripwire
}

// tripwire lets the test stop the server at the moment a push has been
// answered but not yet read: the first 200 whose headers arrive once `at`
// batches are acknowledged fires it; that device drops the response
// unread and waits until the test has stopped the server. The server had
// committed the batch, so after the restart every op of it must come back
// as a duplicate.
type tripwire struct {
	at    int
	fired bool // guarded by fleet.mu
	done  chan struct{}
}

// armTrip arms a tripwire for the moment `at` batches are acknowledged.
func (f *fleet) armTrip(at int) *tripwire {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trip = &tripwire{at: at, done: make(chan struct{})}
	return f.trip
}

// waitTrip blocks until tw has fired, and reports false if the devices
// stopped first.
func (f *fleet) waitTrip(tw *tripwire) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !tw.fired && f.running > 0 {
		f.cond.Wait()
	}
	return tw.fired
}

// onHeaders is the devices' hook between a response's headers and its
// body: it fires an armed tripwire on the answer to a batch not yet
// acknowledged, and returns the tripwire it fired.
func (f *fleet) onHeaders(b *batch, status int) *tripwire {
	if status != http.StatusOK {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tw := f.trip
	if tw == nil || f.acked < tw.at || b.ackedLocked() {
		return nil
	}
	f.trip = nil
	tw.fired = true
	f.cond.Broadcast()
	return tw
}

func newFleet(t *testing.T, srv *serverProc, api *apiClient, devices []*device) *fleet {
	f := &fleet{t: t, srv: srv, api: api, devices: devices}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// enrol creates the couriers as the bootstrap admin and logs every device
// in on its own device id.
func (f *fleet) enrol(ctx context.Context) {
	f.t.Helper()
	base := f.srv.url()
	admin, err := f.api.login(ctx, base, adminUser, adminPassword, "admin-console")
	if err != nil {
		f.t.Fatal(err)
	}
	ids := map[string]string{}
	for _, d := range f.devices {
		if _, ok := ids[d.username]; !ok {
			u, err := f.api.createCourier(ctx, base, admin, d.username, d.password)
			if err != nil {
				f.t.Fatal(err)
			}
			if u.UserID == "" || u.Role != syncproto.RoleCourier {
				f.t.Fatalf("created user %+v", u)
			}
			ids[d.username] = u.UserID
		}
		d.courierID = ids[d.username]
		if d.token, err = f.api.login(ctx, base, d.username, d.password, d.id); err != nil {
			f.t.Fatal(err)
		}
	}
}

// run starts one goroutine per device. Each works through its outbox:
// it sends a batch until a 200 comes back, then the next. After a restart
// it resends the two batches before the current one, and every fifth
// batch it resends an older one, as a device that lost its outbox state
// would. fail is called with the first error of each device.
func (f *fleet) run(ctx context.Context, wg *sync.WaitGroup, fail func(error)) {
	f.mu.Lock()
	f.running = len(f.devices)
	f.mu.Unlock()
	for _, d := range f.devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				f.mu.Lock()
				f.running--
				f.cond.Broadcast()
				f.mu.Unlock()
			}()
			if err := f.drainOutbox(ctx, d); err != nil {
				fail(err)
			}
		}()
	}
}

func (f *fleet) drainOutbox(ctx context.Context, d *device) error {
	lastGen := 0
	for k, b := range d.batches {
		gen, err := f.deliver(ctx, b)
		if err != nil {
			return err
		}
		if lastGen != 0 && gen != lastGen {
			for j := max(0, k-2); j < k; j++ {
				if _, err := f.deliver(ctx, d.batches[j]); err != nil {
					return err
				}
			}
		}
		if k%5 == 4 {
			if _, err := f.deliver(ctx, d.batches[k-3]); err != nil {
				return err
			}
		}
		lastGen = gen
	}
	return nil
}

// resendAll sends every batch of every device once more, one goroutine per
// device.
func (f *fleet) resendAll(ctx context.Context) error {
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	for _, d := range f.devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range d.batches {
				if _, err := f.deliver(ctx, b); err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// deliver pushes b until a 200 comes back and returns the generation that
// answered. A request that fails on the wire is retried on the next
// generation, but only when the test stopped the server; a 401 is answered
// by logging in again.
func (f *fleet) deliver(ctx context.Context, b *batch) (int, error) {
	d := b.dev
	req := syncproto.PushRequest{DeviceID: d.id, Ops: make([]syncproto.Op, len(b.ops))}
	for i, po := range b.ops {
		req.Ops[i] = po.op
	}
	unauthorized := 0
	for {
		base, gen, err := f.srv.await(ctx)
		if err != nil {
			return 0, err
		}
		if d.token == "" {
			d.token, err = f.api.login(ctx, base, d.username, d.password, d.id)
			if err != nil {
				if werr := (*wireError)(nil); errors.As(err, &werr) {
					if err := f.srv.failed(gen); err != nil {
						return 0, fmt.Errorf("device %s login: %w (%v)", d.id, err, werr)
					}
					continue
				}
				return 0, err
			}
		}
		f.mu.Lock()
		afterAck := b.ackedLocked()
		f.mu.Unlock()
		var tripped *tripwire
		r, err := f.api.sendWith(ctx, http.MethodPost, base, "/v1/sync/push", d.token, req,
			func(status int) bool { tripped = f.onHeaders(b, status); return tripped != nil })
		if tripped != nil {
			select {
			case <-tripped.done:
			case <-ctx.Done():
			}
		}
		if werr := (*wireError)(nil); errors.As(err, &werr) {
			f.record(b, attempt{gen: gen, afterAck: afterAck, dropped: errors.Is(err, errDropped), err: werr})
			if err := f.srv.failed(gen); err != nil {
				return 0, fmt.Errorf("device %s batch %d: %w (%v)", d.id, b.index, err, werr)
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if r.status == http.StatusUnauthorized && unauthorized < 3 {
			unauthorized++
			d.token = ""
			f.mu.Lock()
			f.relogins++
			f.mu.Unlock()
			continue
		}
		var resp syncproto.PushResponse
		if err := r.decode(http.StatusOK, &resp); err != nil {
			return 0, fmt.Errorf("device %s batch %d: push: %w", d.id, b.index, err)
		}
		f.record(b, attempt{gen: gen, afterAck: afterAck, acked: true, results: resp.Results})
		return gen, nil
	}
}

func (b *batch) ackedLocked() bool {
	for _, a := range b.attempts {
		if a.acked {
			return true
		}
	}
	return false
}

func (f *fleet) record(b *batch, a attempt) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.acked {
		if !b.ackedLocked() {
			f.acked++
		}
		f.answers++
		f.cond.Broadcast()
	}
	b.attempts = append(b.attempts, a)
}

// waitAcked blocks until n batches have been acknowledged, and reports
// false if the devices stopped first.
func (f *fleet) waitAcked(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.acked < n && f.running > 0 {
		f.cond.Wait()
	}
	return f.acked >= n
}

// answered returns how many 200s the devices have read so far.
func (f *fleet) answered() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.answers
}

// waitAnswers blocks until the devices have read n 200s, and reports
// false if they stopped first.
func (f *fleet) waitAnswers(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.answers < n && f.running > 0 {
		f.cond.Wait()
	}
	return f.answers >= n
}
