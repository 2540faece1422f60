package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// summary is everything the end-of-run report shows.
type summary struct {
	Seed      uint64
	RunID     string
	Couriers  int
	Records   int // Record* calls made
	Refused   int // refused on the handheld as intended (never sent)
	Surprises []string
	Check     *checkResult
	// Photos is the photo end check; nil when none was made.
	Photos    *photoCheck
	Link      linkStats
	SyncCalls int
	SyncFails int
	// SetupTime is spent creating the accounts; FleetTime is from the
	// first record to the last courier done; CheckTime reading the audit
	// log (AuditOps entries, all runs) and the outboxes; Wall is the whole
	// run.
	SetupTime time.Duration
	FleetTime time.Duration
	CheckTime time.Duration
	AuditOps  int
	Wall      time.Duration
	PeakRSS   string // empty when unknown

	// Actors is the end check of the dispatcher and supervisor; nil
	// without actors. ActorsFinal is the time of their final round.
	Actors      *actorCheck
	ActorsFinal time.Duration
}

// OK reports whether the run passed.
func (s *summary) OK() bool {
	return s.Check.OK() && len(s.Surprises) == 0 && (s.Photos == nil || s.Photos.OK()) && (s.Actors == nil || s.Actors.OK())
}

// verdict is the last line of the report.
func (s *summary) verdict() string {
	if s.OK() {
		v := "OK: 0 lost, 0 duplicated, all rejections as expected"
		if p := s.Photos; p != nil {
			v += fmt.Sprintf(", %d photos stored once, processed and linked", p.Attached)
		}
		if a := s.Actors; a != nil {
			v += fmt.Sprintf(", %d callback tasks as their history implies", a.Tasks)
			if a.FakeOn {
				v += fmt.Sprintf(" with %d wake-ups", a.Woken)
			}
			v += fmt.Sprintf(", %d receipts counted once in a balanced ledger, %d complaints and %d vehicles as handled", a.Receipts, a.Complaints, a.Vehicles)
		}
		return v
	}
	c := s.Check
	var why []string
	add := func(n int, what string) {
		if n != 0 {
			why = append(why, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(c.Lost, "lost")
	add(c.Duplicated, "duplicated")
	add(c.WrongReason, "with a wrong outcome")
	add(c.Unexpected, "unexpected in the audit log")
	add(c.OutboxPending, "still pending on handhelds")
	add(c.OutboxMismatch, "rejections on handhelds not as expected")
	add(len(s.Surprises), "handheld decisions not as expected")
	if p := s.Photos; p != nil && !p.OK() {
		add(p.Faults, "photo problems")
		add(p.Attached-p.Stored, "photos not stored")
		add(p.Attached-p.Processed, "photos not processed")
		add(p.Reports-p.Linked, "damage reports with photos not linked")
		add(p.Missing-p.MissingShown, "damage reports with missing photos not shown pending")
	}
	if a := s.Actors; a != nil {
		add(a.N, "dispatch/supervision problems")
	}
	return "FAIL: " + strings.Join(why, ", ")
}

// write prints the summary table, the problems found and the verdict.
func (s *summary) write(w io.Writer) error {
	c := s.Check
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "%s\t%v\n", k, v) }
	row("run", fmt.Sprintf("%s (seed %d)", s.RunID, s.Seed))
	row("couriers", s.Couriers)
	row("records", s.Records)
	row("refused on handheld", s.Refused)
	row("sent", c.Sent)
	row("applied", c.Applied)
	for _, code := range codesOf(c.WantRejected, c.GotRejected) {
		mark := ""
		if c.WantRejected[code] != c.GotRejected[code] {
			mark = "  <- mismatch"
		}
		row("rejected "+string(code), fmt.Sprintf("expected %d, got %d%s", c.WantRejected[code], c.GotRejected[code], mark))
	}
	row("lost", c.Lost)
	row("duplicated", c.Duplicated)
	row("wrong reason", c.WrongReason)
	row("unexpected in audit", c.Unexpected)
	row("pending on handhelds", c.OutboxPending)
	row("handheld rejections off", c.OutboxMismatch)
	if s.Photos != nil {
		s.photoRows(row)
	}
	if s.Actors != nil {
		s.actorRows(row)
	}
	row("link requests", fmt.Sprintf("%d (push %d, pull %d, blob %d, login %d, refresh %d, other %d)", s.Link.Requests.Load(),
		s.Link.Push.Load(), s.Link.Pull.Load(), s.Link.Blob.Load(), s.Link.Login.Load(), s.Link.Refresh.Load(), s.Link.Other.Load()))
	row("link failures", fmt.Sprintf("%d dropped before, %d reset after, %d slow",
		s.Link.DroppedBefore.Load(), s.Link.ResetAfter.Load(), s.Link.Slow.Load()))
	row("sync calls", fmt.Sprintf("%d (%d returned an error)", s.SyncCalls, s.SyncFails))
	row("accounts created in", s.SetupTime.Round(time.Millisecond))
	row("fleet time", s.FleetTime.Round(time.Millisecond))
	row("end check", fmt.Sprintf("%s (%d audit entries read)", s.CheckTime.Round(time.Millisecond), s.AuditOps))
	row("wall time", s.Wall.Round(time.Millisecond))
	if s.FleetTime > 0 {
		row("ops/s", fmt.Sprintf("%.0f (a fleet with think time on a lossy link, not the server's capacity: see make bench)", float64(c.Sent)/s.FleetTime.Seconds()))
	}
	if s.PeakRSS != "" {
		row("server peak RSS", s.PeakRSS)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	problems := append(append([]string(nil), s.Surprises...), c.Problems...)
	if s.Photos != nil {
		problems = append(problems, s.Photos.Problems...)
	}
	if s.Actors != nil {
		problems = append(problems, s.Actors.Problems...)
	}
	for _, p := range problems {
		fmt.Fprintln(w, "  -", p)
	}
	_, err := fmt.Fprintln(w, s.verdict())
	return err
}

// photoRows adds the photo lines to the summary table.
func (s *summary) photoRows(row func(k string, v any)) {
	p := s.Photos
	row("photos attached", fmt.Sprintf("%d (%d on damage reports, %d on vehicle logs; %d big), %s", p.Attached, p.OnDamage, p.OnVehicle, p.Big, mib(p.PhotoBytes)))
	row("photos uploaded", fmt.Sprintf("%d (%d pending, %d failed on handhelds)", p.Uploaded, p.HandheldPending, p.HandheldFailed))
	row("photos stored", fmt.Sprintf("%d (whole, original's digest checked)", p.Stored))
	row("photos processed", fmt.Sprintf("%d (display copy upright, <= %d px, no EXIF/GPS; %d unprocessable; %d waits on 202)",
		p.Processed, displayLongSide, p.Unprocessable, p.Waits))
	row("damage reports linked", fmt.Sprintf("%d of %d with photos all stored; %d of %d with made-up photos shown pending",
		p.Linked, p.Reports, p.MissingShown, p.Missing))
	sent, lost := s.Link.BlobBytes.Load(), s.Link.BlobBytesLost.Load()
	ratio := "-"
	if p.PhotoBytes > 0 {
		ratio = fmt.Sprintf("%.3fx", float64(sent)/float64(p.PhotoBytes))
	}
	row("photo bytes sent", fmt.Sprintf("%s for %s of photos (%s; %s more in requests dropped before the server)", mib(sent), mib(p.PhotoBytes), ratio, mib(lost)))
	row("photo check", p.Time.Round(time.Millisecond))
}

// mib formats a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// codesOf lists the codes of both tallies, sorted.
func codesOf(a, b map[syncproto.Code]int) []syncproto.Code {
	set := map[syncproto.Code]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	out := make([]syncproto.Code, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// peakRSS reads the peak resident set size (VmHWM) of process pid from
// /proc, e.g. "48.2 MiB".
func peakRSS(pid int) (string, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return "", fmt.Errorf("VmHWM: %q", rest)
		}
		return fmt.Sprintf("%.1f MiB", float64(kb)/1024), nil
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
