package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/courier-sync/courier-sync/client"
)

// purge erases customer personal data past the retention period (or with
// -dry-run lists what would go). The store file does not shrink: compact a
// backup (bbolt compact) to reclaim the space.
func purge(ctx context.Context, c *client.Client, admin, pass string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "only count what would be erased")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("purge: unexpected arguments %v", fs.Args())
	}
	if _, err := c.Login(ctx, admin, pass, deviceID); err != nil {
		return err
	}
	rep, err := c.Purge(ctx, *dry)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "personal data of parcels whose last event is before %s\n", rep.Cutoff.Format(time.RFC3339))
	kinds := make([]string, 0, len(rep.Counts))
	for k := range rep.Counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "KIND\t%s\n", map[bool]string{true: "WOULD ERASE", false: "ERASED"}[rep.DryRun])
	for _, k := range kinds {
		fmt.Fprintf(tw, "%s\t%d\n", k, rep.Counts[k])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !rep.DryRun {
		fmt.Fprintln(stdout, "done; the store file keeps its size until compacted")
	}
	return nil
}
