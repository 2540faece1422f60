package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/courier-sync/courier-sync/server/bolt"
)

// stats opens the store read-only (courierd stopped, or a backup copy) and
// prints where its bytes go: per bucket, per op kind, page fill and free
// pages.
func stats(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", or(getenv("COURIERD_DATA_DIR"), "./data"), "courierd's data dir (COURIERD_DATA_DIR)")
	dbFile := fs.String("db", "", "store file (default <data-dir>/courier.db; a backup copy works too)")
	asJSON := fs.Bool("json", false, "one JSON object (for make bench) instead of the tables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		*dbFile = fs.Arg(0)
	}
	*dbFile = or(*dbFile, filepath.Join(*dataDir, "courier.db"))
	st, err := bolt.Stats(*dbFile)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"ops": st.Ops, "file_bytes": st.FileBytes,
			"in_use_bytes": st.HighWater - int64(st.FreePages)*int64(st.PageSize), "schema": st.Schema, "buckets": st.Buckets})
	}
	writeStats(stdout, *dbFile, st)
	return nil
}

// writeStats prints a store's breakdown.
func writeStats(w io.Writer, path string, st *bolt.StoreStats) {
	perOp := func(n int64) string {
		if st.Ops == 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f", float64(n)/float64(st.Ops))
	}
	free := int64(st.FreePages) * int64(st.PageSize)
	inUse := st.HighWater - free
	fmt.Fprintf(w, "store %s: schema %d, %s in %d-byte pages, %d ops stored, %s bytes/op on disk\n",
		path, st.Schema, size(st.FileBytes), st.PageSize, st.Ops, perOp(st.FileBytes))
	fmt.Fprintf(w, "pages in use: %s, %s bytes/op (the rest: free pages and room allocated ahead)\n", size(inUse), perOp(inUse))
	fmt.Fprintf(w, "free pages: %d (%s, %.1f %% of the file), pending %d; allocated ahead %s\n\n",
		st.FreePages, size(free), pct(free, st.FileBytes), st.PendingPages, size(st.FileBytes-st.HighWater))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bucket\tkeys\tkey bytes\tvalue bytes\tpages\tdepth\tallocated\tfill\tshare of file\tbytes/op\t")
	var accounted int64
	empty := 0
	for _, b := range st.Buckets {
		accounted += b.Alloc()
		if b.Keys == 0 && b.Alloc() == 0 {
			empty++
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%s\t%.0f %%\t%.1f %%\t%s\t\n", b.Name, b.Keys, size(b.KeyBytes), size(b.ValueBytes),
			b.Pages, b.Depth, size(b.Alloc()), 100*b.Fill(), pct(b.Alloc(), st.FileBytes), perOp(b.Alloc()))
	}
	other := st.HighWater - accounted - free
	ahead := st.FileBytes - st.HighWater
	fmt.Fprintf(tw, "(free pages)\t\t\t\t%d\t\t%s\t\t%.1f %%\t%s\t\n", st.FreePages, size(free), pct(free, st.FileBytes), perOp(free))
	fmt.Fprintf(tw, "(meta, freelist, root pages)\t\t\t\t\t\t%s\t\t%.1f %%\t%s\t\n", size(other), pct(other, st.FileBytes), perOp(other))
	fmt.Fprintf(tw, "(allocated ahead)\t\t\t\t\t\t%s\t\t%.1f %%\t%s\t\n", size(ahead), pct(ahead, st.FileBytes), perOp(ahead))
	tw.Flush()
	fmt.Fprintf(w, "(%d empty buckets not shown)\n\n", empty)
	writeKinds(w, st)
	fmt.Fprintln(w, "ops by status:")
	for _, k := range slices.Sorted(maps.Keys(st.OpsByStatus)) {
		fmt.Fprintf(w, "  %-16s %d\n", k, st.OpsByStatus[k])
	}
}

// writeKinds prints, per op kind, the ops stored and the bytes of each:
// its share of the op log and op id index, and of its records' bucket
// (a bucket shared by records made otherwise counts whole).
func writeKinds(w io.Writer, st *bolt.StoreStats) {
	alloc := map[string]int64{}
	for _, b := range st.Buckets {
		alloc[b.Name] = b.Alloc()
	}
	perOp := 0.0
	if st.Ops > 0 {
		perOp = float64(alloc[st.OpLog]+alloc[st.OpIndex]) / float64(st.Ops)
	}
	fmt.Fprintf(w, "ops by kind (every op: %.0f bytes of op log and op id index):\n", perOp)
	for _, k := range slices.Sorted(maps.Keys(st.OpsByKind)) {
		n := st.OpsByKind[k]
		if b, ok := st.KindBuckets[k]; ok && n > 0 {
			fmt.Fprintf(w, "  %-16s %8d ops, %.0f bytes/op (%s %.0f)\n", k, n, perOp+float64(alloc[b])/float64(n), b, float64(alloc[b])/float64(n))
		} else {
			fmt.Fprintf(w, "  %-16s %8d ops\n", k, n)
		}
	}
}

func pct(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// size renders a byte count in B, KiB, MiB or GiB.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
