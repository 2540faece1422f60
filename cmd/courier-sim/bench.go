package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/google/uuid"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Bench mode shape: pushes of benchBatchOps valid pickups; each level
// pushes at most benchMaxBatches batches in all (~200k ops, long enough
// for a steady state to dominate the tail latency), at least
// benchMinBatches per device.
const (
	benchBatchOps   = 50
	benchMaxBatches = 4000
	benchMinBatches = 2
	benchWorkers    = 8 // concurrent account creations and logins
)

// benchDevice is one handheld of a bench level, pushing batches encoded
// before the clock starts (a loader's, -bench-ops, as it goes), so the
// generator's CPU, which shares the machine with the server, goes to
// sending and reading.
type benchDevice struct {
	idx      int
	username string
	password string
	deviceID string
	c        *client.Client
	seq      int64
	v4       bool     // random op ids
	keep     bool     // keep acked
	acked    []string // op ids the server acknowledged as applied
	bodies   [][]byte // the level's pushes, encoded before the clock starts
	applied  int64    // ops applied, warm-up included
}

// push sends one encoded batch once (no retries: the bench counts errors).
func (d *benchDevice) push(ctx context.Context, body []byte) (*syncproto.PushResponse, error) {
	const path = "/v1/sync/push"
	r, err := d.c.Send(ctx, http.MethodPost, path, http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return nil, err
	}
	if err := r.Err(http.MethodPost, path); err != nil {
		return nil, err
	}
	var out syncproto.PushResponse
	return &out, jsonv1.Unmarshal(r.Body, &out) // encoding/json's semantics; the generator's CPU is the server's loss
}

// benchLevel is the measurement of one device count.
type benchLevel struct {
	Devices     int
	PerDevice   int // batches per device
	Ops         int64
	Wall        time.Duration
	Latencies   []time.Duration
	Errors      int64 // failed pushes, or ops not applied once, or lost
	Verified    int64 // acknowledged ops found applied in the audit log
	Missing     int64 // acknowledged ops not found
	PullTime    time.Duration
	PullChanges int
	PeakRSS     string
	GenCPU      time.Duration // this process's CPU during the level
	AllOps      int64         // ops applied, warm-up included (the CPU's divisor)
	benchServer               // the server's side, when -server-pid is given
	devs        []*benchDevice
}

// runBench measures push throughput and latency for each device count in
// cfg.Bench, with the flaky link off and op ids made as UUIDv7, then prints
// a table. The accounts are created once and reused by every level, each
// level logging in on fresh device ids.
func runBench(ctx context.Context, cfg *config, runID string, ad *admin, hc *http.Client, stdout io.Writer) error {
	fmt.Fprintf(stdout, "courier-sim bench %s: device counts %v, batches of %d pickups, up to %d batches per device\n",
		runID, cfg.Bench, benchBatchOps, cfg.BenchBatches)
	users := make([]*benchDevice, maxLevel(cfg.Bench))
	for i := range users {
		users[i] = &benchDevice{idx: i + 1, username: fmt.Sprintf("bench-%s-d%04d", runID, i+1), password: rand.Text()}
	}
	start := time.Now()
	err := forEach(ctx, users, benchWorkers, func(ctx context.Context, d *benchDevice) error {
		_, err := ad.createCourier(ctx, d.username, d.password, "Bench device")
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %d courier accounts in %s\n", len(users), time.Since(start).Round(time.Millisecond))

	var levels []*benchLevel
	for _, n := range cfg.Bench {
		lv, err := benchOne(ctx, cfg, runID, ad.Base(), hc, users[:n])
		if err != nil {
			return err
		}
		if cfg.BenchOps == 0 { // a loader's level is not verified: it would hold every op id
			if err := verifyAcked(ctx, ad, lv); err != nil {
				return err
			}
		}
		if cfg.ServerPID > 0 {
			lv.PeakRSS, _ = peakRSS(cfg.ServerPID)
		}
		levels = append(levels, lv)
	}
	writeBench(stdout, levels)
	if err := benchExtras(ctx, cfg, runID, ad, levels, stdout); err != nil {
		return err
	}
	var failed int64
	for _, lv := range levels {
		failed += lv.Errors
	}
	if failed > 0 {
		return fmt.Errorf("bench: %d pushes or ops failed", failed)
	}
	return nil
}

// benchOne logs the devices in and lets them push concurrently.
func benchOne(ctx context.Context, cfg *config, runID, base string, hc *http.Client, users []*benchDevice) (*benchLevel, error) {
	n := len(users)
	lv := &benchLevel{Devices: n, PerDevice: min(cfg.BenchBatches, max(benchMinBatches, (benchMaxBatches+n-1)/n))}
	if cfg.BenchOps > 0 {
		lv.PerDevice = max(1, cfg.BenchOps/benchBatchOps/n)
	}
	devs := make([]*benchDevice, n)
	for i, u := range users {
		devs[i] = &benchDevice{idx: u.idx, username: u.username, password: u.password, deviceID: fmt.Sprintf("bench-%s-L%d-d%04d", runID, n, u.idx),
			v4: cfg.BenchV4, keep: cfg.BenchOps == 0}
	}
	err := forEach(ctx, devs, benchWorkers, func(ctx context.Context, d *benchDevice) error {
		d.c = client.New(base, client.WithHTTPClient(hc))
		_, err := d.c.Login(ctx, d.username, d.password, d.deviceID)
		if err == nil && cfg.BenchOps == 0 { // a loader's level is too big to hold
			d.bodies = make([][]byte, lv.PerDevice)
			for b := range d.bodies {
				d.bodies[b] = d.batch(runID, n, b)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}

	var (
		mu      sync.Mutex
		pushes  []timedPush
		errs    atomic.Int64
		startCh = make(chan struct{})
		wg      sync.WaitGroup
	)
	warm := lv.PerDevice / 10
	for _, d := range devs {
		wg.Go(func() {
			<-startCh
			timed, failed := d.pushAll(ctx, runID, n, lv.PerDevice, warm)
			errs.Add(failed)
			mu.Lock()
			pushes = append(pushes, timed...)
			mu.Unlock()
		})
	}
	before, self := serverSample(cfg.ServerPID), serverSample(os.Getpid())
	close(startCh)
	wg.Wait()
	lv.benchServer = serverSample(cfg.ServerPID).since(before)
	lv.GenCPU = serverSample(os.Getpid()).since(self).CPU
	lv.Wall, lv.Ops, lv.Latencies = measured(pushes)
	lv.Errors = errs.Load()
	for _, d := range devs {
		lv.AllOps += d.applied
	}
	lv.devs = devs
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lv.PullTime, lv.PullChanges, err = timePull(ctx, devs[0])
	return lv, err
}

// timedPush is one push of the measured part of a level.
type timedPush struct {
	start, end time.Time
	applied    int64
}

// measured returns the window of the timed pushes (from the first start to
// the last end), the ops they applied and their latencies.
func measured(pushes []timedPush) (time.Duration, int64, []time.Duration) {
	if len(pushes) == 0 {
		return 0, 0, nil
	}
	first, last := pushes[0].start, pushes[0].end
	var ops int64
	lat := make([]time.Duration, len(pushes))
	for i, p := range pushes {
		if p.start.Before(first) {
			first = p.start
		}
		if p.end.After(last) {
			last = p.end
		}
		ops += p.applied
		lat[i] = p.end.Sub(p.start)
	}
	return last.Sub(first), ops, lat
}

// pushAll pushes the device's batches one after the other and returns the
// pushes after the first warm ones (the level's warm-up: every device
// starts at the same instant, a lock-step burst no later moment sees) and
// the pushes or ops that failed, warm-up included.
func (d *benchDevice) pushAll(ctx context.Context, runID string, level, batches, warm int) ([]timedPush, int64) {
	timed := make([]timedPush, 0, batches)
	var failed int64
	for b := 0; b < batches && ctx.Err() == nil; b++ {
		var req []byte
		if b < len(d.bodies) {
			req, d.bodies[b] = d.bodies[b], nil
		} else {
			req = d.batch(runID, level, b)
		}
		t0 := time.Now()
		resp, err := d.push(ctx, req)
		t1 := time.Now()
		if err != nil {
			failed++
			continue
		}
		n := int64(0)
		for _, r := range resp.Results {
			if r.Status == syncproto.StatusApplied && !r.Duplicate {
				n++
				if d.keep {
					d.acked = append(d.acked, r.OpID)
				}
			}
		}
		failed += benchBatchOps - n
		d.applied += n
		if b >= warm {
			timed = append(timed, timedPush{start: t0, end: t1, applied: n})
		}
	}
	return timed, failed
}

// batch encodes the device's next push: benchBatchOps valid pickups with
// UUIDv7 (or, -bench-v4, random UUIDv4) op ids and increasing seqs.
func (d *benchDevice) batch(runID string, level, b int) []byte {
	now := time.Now().In(shanghai).Format(recordedAtLayout)
	req := syncproto.PushRequest{DeviceID: d.deviceID, Ops: make([]syncproto.Op, benchBatchOps)}
	zero, no := int64(0), false
	for i := range req.Ops {
		d.seq++
		declared, cod, freight := int64(5000+i*100), int64(0), int64(1200)
		if i%4 == 0 {
			cod = 19900
		}
		p := syncproto.Pickup{
			Waybill:            fmt.Sprintf("SF%s-%d-%d-%d", runID, level, d.idx, b*benchBatchOps+i),
			Sender:             syncproto.Party{Name: "王芳", Phone: "13912345678", Address: "上海市浦东新区张杨路1588号"},
			Recipient:          syncproto.Party{Name: "Maria Rossi", Phone: "13800138000", Address: "北京市朝阳区建国路88号"},
			WeightG:            1200,
			DeclaredValueCents: &declared,
			Insured:            &no,
			CODAmountCents:     &cod,
			Inspected:          true,
			FreightCents:       &freight,
		}
		if cod == 0 {
			p.CODAmountCents = &zero
		}
		raw, _ := json.Marshal(&p)
		id := uuid.Must(uuid.NewV7())
		if d.v4 {
			id = uuid.New()
		}
		req.Ops[i] = syncproto.Op{OpID: id.String(), Seq: d.seq, Kind: syncproto.KindPickup, RecordedAt: now, Payload: raw}
	}
	body, _ := json.Marshal(&req)
	return body
}

// timePull reads the device's whole pull feed and times it.
func timePull(ctx context.Context, d *benchDevice) (time.Duration, int, error) {
	t0 := time.Now()
	cursor, changes := "", 0
	for {
		page, err := d.c.Pull(ctx, cursor, syncproto.MaxPullLimit)
		if err != nil {
			return 0, 0, fmt.Errorf("bench pull: %w", err)
		}
		changes += len(page.Changes)
		if !page.HasMore {
			return time.Since(t0), changes, nil
		}
		cursor = page.Cursor
	}
}

// timePullRaw reads the device's whole pull feed as the server sends it,
// each page read whole but only its cursor decoded and its changes
// counted, and times it: the server's rate, without the client's JSON
// decoding (which a handheld does on its own CPU).
func timePullRaw(ctx context.Context, d *benchDevice) (time.Duration, int, error) {
	t0 := time.Now()
	cursor, changes := "", 0
	for {
		path := "/v1/sync/pull?limit=" + strconv.Itoa(syncproto.MaxPullLimit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r, err := d.c.Send(ctx, http.MethodGet, path, nil, nil)
		if err == nil {
			err = r.Err(http.MethodGet, path)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("bench pull: %w", err)
		}
		i := bytes.LastIndex(r.Body, []byte(`,"cursor":`))
		var tail struct {
			Cursor  string `json:"cursor"`
			HasMore bool   `json:"has_more"`
		}
		if i < 0 || json.Unmarshal(append([]byte{'{'}, r.Body[i+1:]...), &tail) != nil {
			return 0, 0, fmt.Errorf("bench pull: a page without its cursor")
		}
		changes += bytes.Count(r.Body[:i], []byte(`{"id":`))
		if !tail.HasMore {
			return time.Since(t0), changes, nil
		}
		cursor = tail.Cursor
	}
}

// writeBench prints one row per level.
func writeBench(w io.Writer, levels []*benchLevel) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "devices\tbatches/dev\tops\twall\tops/s\tpush p50\tpush p99\tpush max\terrors\tpull (1 dev)\tserver VmHWM\t")
	for _, lv := range levels {
		lat := slices.Clone(lv.Latencies)
		slices.Sort(lat)
		rss := lv.PeakRSS
		if rss == "" {
			rss = "-"
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%.0f\t%s\t%s\t%s\t%d\t%s (%d)\t%s\t\n",
			lv.Devices, lv.PerDevice, lv.Ops, lv.Wall.Round(time.Millisecond), float64(lv.Ops)/lv.Wall.Seconds(),
			ms(percentile(lat, 50)), ms(percentile(lat, 99)), ms(percentile(lat, 100)), lv.Errors,
			ms(lv.PullTime), lv.PullChanges, rss)
	}
	tw.Flush()
}

// percentile returns the p-th percentile of sorted (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}
