package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// simComplaint is a complaint the dispatcher planned to walk.
type simComplaint struct {
	ID      string
	Courier *courier
	// Target is the status the dispatcher walks it to; Exempt exempts
	// the courier at the verified step.
	Target string
	Exempt bool
	// Steps are the transitions made (answered 200), in order.
	Steps []syncproto.ComplaintTransition
}

// complaintPath is the only way a complaint moves.
var complaintPath = []string{syncproto.ComplaintReceived, syncproto.ComplaintVerified, syncproto.ComplaintHandled, syncproto.ComplaintClosed}

// status is where the dispatcher left the complaint.
func (sc *simComplaint) status() string { return complaintPath[len(sc.Steps)] }

// walk plans c's complaints not seen before (the first of the run to
// closed, so every run walks one; of the rest about a quarter: 14 % to
// closed, 5 % to handled, 5 % to verified) and moves each planned one to
// its target, a step at a time.
func (d *dispatcher) walk(ctx context.Context, c *courier) error {
	list, err := d.s.AllComplaints(ctx, url.Values{"courier_id": {c.userID}})
	if err != nil {
		return d.faults.soft(err, "list the complaints of courier %d", c.idx)
	}
	for _, v := range list {
		sc := d.complaints[v.ComplaintID]
		if sc == nil {
			sc = &simComplaint{ID: v.ComplaintID, Courier: c, Target: syncproto.ComplaintReceived}
			switch n := d.r.IntN(100); {
			case len(d.complaints) == 0, n < 14:
				sc.Target = syncproto.ComplaintClosed
			case n < 19:
				sc.Target = syncproto.ComplaintHandled
			case n < 24:
				sc.Target = syncproto.ComplaintVerified
			}
			sc.Exempt = sc.Target != syncproto.ComplaintReceived && d.r.IntN(4) == 0
			d.complaints[sc.ID] = sc
			d.compOrder = append(d.compOrder, sc)
		}
		if v.Status != sc.status() {
			d.faults.add("complaint %s is %q, the dispatcher left it %q", sc.ID, v.Status, sc.status())
			continue
		}
		for sc.status() != sc.Target {
			if err := d.transition(ctx, sc); err != nil {
				return err
			}
		}
	}
	return nil
}

// transition moves sc one step on.
func (d *dispatcher) transition(ctx context.Context, sc *simComplaint) error {
	next := complaintPath[len(sc.Steps)+1]
	// The run id stands glued to a letter: a note is free text that views
	// show masked, and 12 bare digits starting with 0 read as a landline.
	t := syncproto.ComplaintTransition{To: next, Note: fmt.Sprintf("sim run r%s: %s", d.runID, next)}
	if next == syncproto.ComplaintVerified && sc.Exempt {
		yes := true
		t.ExemptCourier = &yes
		t.Note += "; not the courier's fault"
	}
	v, err := d.s.TransitionComplaint(ctx, sc.ID, &t)
	if err != nil {
		if err := d.faults.soft(err, "complaint %s to %s", sc.ID, next); err != nil {
			return err
		}
		sc.Target = sc.status() // stop here
		return nil
	}
	sc.Steps = append(sc.Steps, t)
	d.stats.Transitions++
	if v.Status != next {
		d.faults.add("complaint %s moved to %s, the view says %q", sc.ID, next, v.Status)
	}
	return nil
}

// illegalSteps tries two steps the workflow forbids: skipping one, and
// moving a closed complaint. Both must be refused with 409.
func (d *dispatcher) illegalSteps(ctx context.Context) error {
	try := func(sc *simComplaint, to string) error {
		if sc == nil {
			return nil
		}
		d.stats.IllegalTried++
		_, err := d.s.TransitionComplaint(ctx, sc.ID, &syncproto.ComplaintTransition{To: to, Note: "sim: not allowed"})
		switch {
		case client.StatusOf(err) == http.StatusConflict:
			d.stats.IllegalRefused++
		case err == nil:
			d.faults.add("complaint %s: the step from %s to %s was allowed", sc.ID, sc.status(), to)
		default:
			return d.faults.soft(err, "complaint %s to %s: want 409", sc.ID, to)
		}
		return nil
	}
	find := func(status string) *simComplaint {
		i := slices.IndexFunc(d.compOrder, func(sc *simComplaint) bool { return sc.status() == status && sc.Target == status })
		if i < 0 {
			return nil
		}
		return d.compOrder[i]
	}
	if err := try(find(syncproto.ComplaintReceived), syncproto.ComplaintHandled); err != nil {
		return err
	}
	return try(find(syncproto.ComplaintClosed), syncproto.ComplaintVerified)
}
