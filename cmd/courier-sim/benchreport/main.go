// Command benchreport turns the JSON lines of `make bench` runs (courier-sim
// -bench-json, one file per binary, plus the store sizes courierctl stats
// -json measured after each run) into BENCHMARKS.md: for each figure the
// median of the runs and its spread (min–max).
//
//	benchreport -dir build/bench > BENCHMARKS.md
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// record is one line of a run file: courier-sim's benchRecord, or a
// "disk" line the bench script writes around courierctl stats -json.
type record struct {
	Kind        string  `json:"kind"`
	IDs         string  `json:"ids"`
	Devices     int     `json:"devices"`
	Ops         int64   `json:"ops"`
	Verified    int64   `json:"verified"`
	Missing     int64   `json:"missing"`
	OpsPerSec   float64 `json:"ops_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	CPUusPerOp  float64 `json:"cpu_us_per_op"`
	GenCPUus    float64 `json:"generator_cpu_us_per_op"`
	RssAnonMiB  float64 `json:"rss_anon_mib"`
	RssFileMiB  float64 `json:"rss_file_mib"`
	Changes     int     `json:"changes"`
	ChangesPerS float64 `json:"changes_per_s"`
	DecodedPerS float64 `json:"decoded_changes_per_s"`
	Stats       struct {
		Ops        int64 `json:"ops"`
		FileBytes  int64 `json:"file_bytes"`
		InUseBytes int64 `json:"in_use_bytes"`
	} `json:"stats"`
}

func main() {
	dir := flag.String("dir", "build/bench", "directory of <binary>.jsonl run files")
	flag.Parse()
	if err := report(*dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// series are the values of one figure over the runs.
type series []float64

func (s series) String() string {
	if len(s) == 0 {
		return "-"
	}
	v := slices.Clone(s)
	slices.Sort(v)
	med := v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	if len(v) == 1 {
		return num(med)
	}
	return fmt.Sprintf("%s (%s–%s)", num(med), num(v[0]), num(v[len(v)-1]))
}

func num(f float64) string {
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f", f)
	case f >= 10:
		return fmt.Sprintf("%.1f", f)
	}
	return fmt.Sprintf("%.2f", f)
}

func report(dir string, w io.Writer) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no run files in %s", dir)
	}
	runs := map[string][]record{}
	var labels []string
	for _, f := range files {
		label := strings.TrimSuffix(filepath.Base(f), ".jsonl")
		recs, err := read(f)
		if err != nil {
			return err
		}
		runs[label] = recs
		labels = append(labels, label)
	}
	slices.Sort(labels)
	fmt.Fprintf(w, "# Benchmarks\n\nWritten by `make bench` on %s. %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), machine())
	fmt.Fprint(w, method)
	for _, l := range labels {
		if n, ok := strings.CutPrefix(l, "grown-"); ok {
			fmt.Fprintf(w, "Here the store was not fresh: a loader (`courier-sim -bench-ops`, 64 devices, not verified) first grew it\nto %s ops of the same id kind, then the level ran on it (`make bench-growth`).\n\n", n)
			break
		}
	}
	intake(w, labels, runs)
	pull(w, labels, runs)
	return nil
}

const method = `How: each figure is measured on a fresh store by a load generator in its own process
(` + "`courier-sim -bench`" + `) against ` + "`courierd`" + ` over loopback HTTP: closed loop, each device pushes
batches of 50 pickups (~560 bytes each, sender and recipient sealed at rest) and waits for the answer;
~200,000 ops per level (10,000 with one device); each device's first tenth of pushes is a warm-up (all devices start
at the same instant, a burst no later moment of the level sees), verified but not in the figures, which cover
the pushes after it: ops/s over their window, p50/p99 of their latencies. After each level the generator reads the server's op audit log and checks that
every op acknowledged as applied is there (the "verified" column; a missing op fails the run). Server CPU
and memory come from /proc/<pid>: CPU (user + system) per op applied in the level (warm-up included), resident memory at the end of the level split
into anonymous (Go heap, stacks) and file-backed (the mapped store file) pages; the generator's own CPU
per op beside it (it shares the two cores with the server; its pushes are encoded before the clock starts).
Bytes on disk per op are
read by ` + "`courierctl stats`" + ` after the server stops: the file, and the pages in use (the file less free pages
and the room bbolt allocates ahead, up to 16 MiB). Each cell is the median of the runs with the spread
(min–max) in brackets.

`

// key identifies a cell of the intake tables.
type key struct {
	label, ids string
	devices    int
}

// table holds the cells of the intake tables.
type table struct {
	cells  map[key]map[string]series
	levels []int
	idsOf  map[string][]string
}

func (t *table) add(k key, name string, v float64) {
	if t.cells[k] == nil {
		t.cells[k] = map[string]series{}
	}
	t.cells[k][name] = append(t.cells[k][name], v)
	if !slices.Contains(t.levels, k.devices) {
		t.levels = append(t.levels, k.devices)
	}
	if !slices.Contains(t.idsOf[k.label], k.ids) {
		t.idsOf[k.label] = append(t.idsOf[k.label], k.ids)
	}
}

// collect files each intake and disk figure under its cell.
func collect(labels []string, runs map[string][]record) *table {
	t := &table{cells: map[key]map[string]series{}, idsOf: map[string][]string{}}
	for _, l := range labels {
		for _, r := range runs[l] {
			if r.IDs == "pull" { // the pull's own store: its setup level is no intake figure
				continue
			}
			k := key{l, r.IDs, r.Devices}
			switch {
			case r.Kind == "intake":
				t.add(k, "ops/s", r.OpsPerSec)
				t.add(k, "p50", r.P50ms)
				t.add(k, "p99", r.P99ms)
				t.add(k, "cpu", r.CPUusPerOp)
				t.add(k, "gencpu", r.GenCPUus)
				t.add(k, "anon", r.RssAnonMiB)
				t.add(k, "file", r.RssFileMiB)
				t.add(k, "verified", float64(r.Verified))
				t.add(k, "missing", float64(r.Missing))
			case r.Kind == "disk" && r.Stats.Ops > 0:
				t.add(k, "disk", float64(r.Stats.FileBytes)/float64(r.Stats.Ops))
				t.add(k, "inuse", float64(r.Stats.InUseBytes)/float64(r.Stats.Ops))
			}
		}
	}
	slices.Sort(t.levels)
	return t
}

func intake(w io.Writer, labels []string, runs map[string][]record) {
	t := collect(labels, runs)
	cells, levels, idsOf := t.cells, t.levels, t.idsOf
	slices.Sort(levels)
	fmt.Fprintln(w, "## Intake: ops/s (p99 ms)")
	fmt.Fprintln(w)
	head := "| binary | op ids |"
	sep := "| --- | --- |"
	for _, n := range levels {
		head += fmt.Sprintf(" %d devices |", n)
		sep += " --- |"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, sep)
	for _, l := range labels {
		for _, ids := range idsOf[l] {
			row := fmt.Sprintf("| %s | %s |", l, ids)
			for _, n := range levels {
				c := cells[key{l, ids, n}]
				row += fmt.Sprintf(" %s (p99 %s) |", c["ops/s"], c["p99"])
			}
			fmt.Fprintln(w, row)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Per level: latency, server CPU and memory, bytes on disk")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| binary | op ids | devices | p50 ms | p99 ms | CPU µs/op | generator CPU µs/op | heap (RssAnon) MiB | file-backed (RssFile) MiB | disk bytes/op (file) | bytes/op (pages in use) | verified | missing |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, l := range labels {
		for _, ids := range idsOf[l] {
			for _, n := range levels {
				c := cells[key{l, ids, n}]
				if c == nil {
					continue
				}
				fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", l, ids, n, c["p50"], c["p99"], c["cpu"], c["gencpu"],
					c["anon"], c["file"], c["disk"], c["inuse"], c["verified"], c["missing"])
			}
		}
	}
	fmt.Fprintln(w)
}

func pull(w io.Writer, labels []string, runs map[string][]record) {
	head := false
	for _, l := range labels {
		var s, dec series
		changes := 0
		for _, r := range runs[l] {
			if r.Kind == "pull" {
				s = append(s, r.ChangesPerS)
				dec = append(dec, r.DecodedPerS)
				changes = r.Changes
			}
		}
		if len(s) == 0 {
			continue
		}
		if !head {
			fmt.Fprint(w, "## Pull over HTTP: one courier, all pending changes, pages of 500\n\n")
			fmt.Fprint(w, "The server's rate: each page read whole, only its cursor decoded and its changes counted (checked\n"+
				"against the decoded pull); the median of 11 full pulls made back to back. Beside it, the rate of a\n"+
				"client decoding every page with encoding/json (median of 5), which on this machine costs about as\n"+
				"much as the server's work.\n\n")
			fmt.Fprint(w, "| binary | pending changes | changes/s (server) | changes/s (decoded by the client) |\n| --- | --- | --- | --- |\n")
			head = true
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s |\n", l, changes, s, dec)
	}
	fmt.Fprintln(w)
}

func read(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// machine describes the host: CPU model and count, memory, kernel, Go.
func machine() string {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		if line, _, ok := strings.Cut(string(raw), "\n"); ok {
			mem = strings.Join(strings.Fields(line)[1:], " ") + " memory, "
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("Machine: %d × %s, %sLinux %s, %s.", runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)), runtime.Version())
}
