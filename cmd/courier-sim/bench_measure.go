package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// benchServer is what the server process spent during a level, read from
// /proc when -server-pid is given: CPU (user + system) and, at the end of
// the level, its resident memory split into anonymous (the Go heap and
// stacks) and file-backed (the mapped store file) pages.
type benchServer struct {
	CPU       time.Duration
	RssAnonKB int64
	RssFileKB int64
}

// procTick is the kernel's USER_HZ, the unit of /proc/<pid>/stat times.
const procTick = 10 * time.Millisecond

// serverSample reads the server's CPU so far and its memory now; zero when
// pid is 0 or /proc cannot be read.
func serverSample(pid int) benchServer {
	var s benchServer
	if pid <= 0 {
		return s
	}
	if raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// Fields after the command name (which may hold spaces): state is
		// field 3, utime 14 and stime 15.
		if i := strings.LastIndexByte(string(raw), ')'); i >= 0 {
			f := strings.Fields(string(raw[i+1:]))
			if len(f) > 12 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				s.CPU = time.Duration(ut+st) * procTick
			}
		}
	}
	if f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), ":")
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			switch k {
			case "RssAnon":
				s.RssAnonKB = kb
			case "RssFile":
				s.RssFileKB = kb
			}
		}
	}
	return s
}

// since is the CPU spent from before to s, with s's memory.
func (s benchServer) since(before benchServer) benchServer {
	s.CPU -= before.CPU
	return s
}

// verifyAcked reads the server's op audit log and checks that every op it
// acknowledged as applied during the level is there, applied: an op
// acknowledged and then lost counts as an error of the level.
func verifyAcked(ctx context.Context, ad *admin, lv *benchLevel) error {
	all, err := ad.AllAuditOps(ctx, nil)
	if err != nil {
		return err
	}
	applied := make(map[string]bool, len(all))
	for _, o := range all {
		if o.Status == syncproto.StatusApplied {
			applied[o.OpID] = true
		}
	}
	for _, d := range lv.devs {
		for _, id := range d.acked {
			if applied[id] {
				lv.Verified++
			} else {
				lv.Missing++
			}
		}
	}
	lv.Errors += lv.Missing
	return nil
}

// benchRecord is one line of -bench-json.
type benchRecord struct {
	Kind       string  `json:"kind"` // "intake" or "pull"
	IDs        string  `json:"ids,omitempty"`
	Devices    int     `json:"devices,omitempty"`
	Ops        int64   `json:"ops,omitempty"`
	Verified   int64   `json:"verified,omitempty"`
	Missing    int64   `json:"missing"`
	OpsPerSec  float64 `json:"ops_per_s,omitempty"`
	P50ms      float64 `json:"p50_ms,omitempty"`
	P99ms      float64 `json:"p99_ms,omitempty"`
	CPUusPerOp float64 `json:"cpu_us_per_op,omitempty"`
	// GenCPUusPerOp is this generator's own CPU per op during the level:
	// it shares the machine with the server.
	GenCPUusPerOp float64 `json:"generator_cpu_us_per_op,omitempty"`
	RssAnonMiB    float64 `json:"rss_anon_mib,omitempty"`
	RssFileMiB    float64 `json:"rss_file_mib,omitempty"`
	Changes       int     `json:"changes,omitempty"`
	ChangesPerS   float64 `json:"changes_per_s,omitempty"`
	// DecodedPerS is the pull rate with every page decoded by an
	// encoding/json client; ChangesPerS is the server's (pages read
	// whole, only the cursor decoded).
	DecodedPerS float64 `json:"decoded_changes_per_s,omitempty"`
}

// benchExtras times the pull (-bench-pull) and writes -bench-json.
func benchExtras(ctx context.Context, cfg *config, runID string, ad *admin, levels []*benchLevel, stdout io.Writer) error {
	var recs []benchRecord
	ids := "v7"
	if cfg.BenchV4 {
		ids = "v4"
	}
	if cfg.BenchPull > 0 {
		ids = "pull" // the levels of a pull run only set it up
	}
	for _, lv := range levels {
		lat := slices.Clone(lv.Latencies)
		slices.Sort(lat)
		r := benchRecord{Kind: "intake", IDs: ids, Devices: lv.Devices, Ops: lv.Ops, Verified: lv.Verified, Missing: lv.Missing,
			OpsPerSec: float64(lv.Ops) / lv.Wall.Seconds(), P50ms: msf(percentile(lat, 50)), P99ms: msf(percentile(lat, 99)),
			RssAnonMiB: float64(lv.RssAnonKB) / 1024, RssFileMiB: float64(lv.RssFileKB) / 1024}
		if lv.AllOps > 0 { // CPU was measured over the whole level, warm-up included
			r.CPUusPerOp = float64(lv.CPU.Microseconds()) / float64(lv.AllOps)
			r.GenCPUusPerOp = float64(lv.GenCPU.Microseconds()) / float64(lv.AllOps)
		}
		fmt.Fprintf(stdout, "%d devices (%s ids): %d acknowledged ops verified in the audit log, %d missing; server CPU %.1f µs/op, RssAnon %.0f MiB, RssFile %.0f MiB\n",
			lv.Devices, ids, lv.Verified, lv.Missing, r.CPUusPerOp, r.RssAnonMiB, r.RssFileMiB)
		recs = append(recs, r)
	}
	if cfg.BenchPull > 0 {
		r, err := benchPull(ctx, runID, ad, cfg.BenchPull)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "pull over HTTP: %d pending changes of one courier, median of 11 full pulls: %.0f changes/s (%.0f decoded by an encoding/json client, median of 5)\n",
			r.Changes, r.ChangesPerS, r.DecodedPerS)
		recs = append(recs, r)
	}
	if cfg.BenchJSON == "" {
		return nil
	}
	f, err := os.OpenFile(cfg.BenchJSON, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchPull gives one courier n pending changes (callback tasks made by a
// dispatcher) and times pulling them all over HTTP, pages of the largest
// limit, five times from the start; it returns the median rate.
func benchPull(ctx context.Context, runID string, ad *admin, n int) (benchRecord, error) {
	pw := rand.Text()
	name := "bench-" + runID + "-pull"
	courierID, err := ad.createCourier(ctx, name, pw, "Bench puller")
	if err != nil {
		return benchRecord{}, err
	}
	if _, err := ad.createUser(ctx, name+"-disp", pw, syncproto.RoleDispatcher, "Bench dispatcher"); err != nil {
		return benchRecord{}, err
	}
	disp := client.New(ad.Base())
	if _, err := disp.Login(ctx, name+"-disp", pw, "bench-"+runID+"-console"); err != nil {
		return benchRecord{}, err
	}
	jobs := make([]int, n)
	for i := range jobs {
		jobs[i] = i
	}
	due := time.Now().Add(24 * time.Hour).In(shanghai).Format(time.RFC3339)
	err = forEach(ctx, jobs, 16, func(ctx context.Context, i int) error {
		_, err := disp.CreateCallback(ctx, &syncproto.NewCallback{CourierID: courierID, Waybill: fmt.Sprintf("SF%sP%06d", runID, i),
			Reason: "customer asked for a call", Customer: syncproto.Customer{Name: "Bench Customer", Phone: "13800138000"}, DueBy: due})
		return err
	})
	if err != nil {
		return benchRecord{}, err
	}
	d := &benchDevice{c: client.New(ad.Base())}
	if _, err := d.c.Login(ctx, name, pw, "bench-"+runID+"-puller"); err != nil {
		return benchRecord{}, err
	}
	// The raw pulls first, back to back (a decoded pull leaves the
	// generator's heap full of garbage to collect during the next one).
	var raw, decoded []float64
	changes := -1
	for range 11 {
		took, c, err := timePullRaw(ctx, d)
		if err != nil {
			return benchRecord{}, err
		}
		changes = c
		raw = append(raw, float64(c)/took.Seconds())
	}
	for range 5 {
		took, c, err := timePull(ctx, d)
		if err != nil {
			return benchRecord{}, err
		}
		if c != changes {
			return benchRecord{}, fmt.Errorf("bench pull: %d changes counted in the raw pages, %d decoded", changes, c)
		}
		decoded = append(decoded, float64(c)/took.Seconds())
	}
	slices.Sort(raw)
	slices.Sort(decoded)
	return benchRecord{Kind: "pull", Changes: changes, ChangesPerS: raw[len(raw)/2], DecodedPerS: decoded[len(decoded)/2]}, nil
}
