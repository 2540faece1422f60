package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// inspectStats counts the supervisor's monthly inspection.
type inspectStats struct {
	Month string
	// Opened is false when an earlier run on this server opened the
	// month's inspection (then coverage of this run's couriers is not
	// checked); Items sampled and Marked by this run, Failed of them;
	// corrective actions Closed; Covered of the run's couriers sampled.
	Opened                       bool
	Items, Marked, Failed        int
	Closed                       int
	Couriers, Covered            int
	Completed, ReportRight       bool
	ReportFailures, ReportActive int64
}

// inspect opens the current month's inspection (or takes the one an
// earlier run opened), marks every pending item (one in four fails with a
// finding, opening a corrective action), and closes half the actions.
func (sv *supervisor) inspect(ctx context.Context) error {
	rep, err := sv.s.QualityReport(ctx, "")
	if err != nil {
		return sv.faults.soft(err, "read the quality report")
	}
	st := &sv.stats.Inspect
	st.Month = rep.Month
	in, err := sv.s.OpenInspection(ctx, &syncproto.NewInspection{Month: rep.Month})
	switch {
	case err == nil:
		st.Opened = true
	case client.StatusOf(err) == http.StatusConflict:
		if in, err = sv.s.Inspection(ctx, "in-"+rep.Month); err != nil {
			return sv.faults.soft(err, "read the inspection of %s", rep.Month)
		}
	default:
		return sv.faults.soft(err, "open the inspection of %s", rep.Month)
	}
	st.Items = len(in.Items)
	if st.Opened {
		sv.checkCoverage(in)
	}
	actions, err := sv.markItems(ctx, in)
	if err != nil {
		return err
	}
	for _, a := range actions[:len(actions)/2] {
		if _, err := sv.s.CloseAction(ctx, a, &syncproto.ActionClose{Note: "retrained"}); err != nil {
			if err := sv.faults.soft(err, "close corrective action %s", a); err != nil {
				return err
			}
			continue
		}
		st.Closed++
	}
	return sv.checkInspection(ctx, in.InspectionID, len(actions)-st.Closed)
}

// markItems marks every pending item of the inspection: one in four fails
// with a finding and a due date. It returns the corrective actions opened.
func (sv *supervisor) markItems(ctx context.Context, in *syncproto.ServiceInspection) ([]string, error) {
	st := &sv.stats.Inspect
	var actions []string
	for i, it := range in.Items {
		if it.Result != syncproto.ItemPending {
			continue
		}
		mark := &syncproto.ItemMark{Result: syncproto.ItemPass}
		if i%4 == 3 {
			mark = &syncproto.ItemMark{Result: syncproto.ItemFail, Finding: fmt.Sprintf("sim %s: record incomplete", sv.runID),
				DueBy: time.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339)}
		}
		got, err := sv.s.MarkItem(ctx, in.InspectionID, it.ItemID, mark)
		if err != nil {
			if err := sv.faults.soft(err, "mark item %s", it.ItemID); err != nil {
				return nil, err
			}
			continue
		}
		st.Marked++
		if mark.Result == syncproto.ItemFail {
			st.Failed++
			if i < len(got.Items) && got.Items[i].ActionID != "" {
				a := got.Items[i].ActionID
				actions = append(actions, a)
			} else {
				sv.faults.add("failed item %s opened no corrective action", it.ItemID)
			}
		}
	}
	return actions, nil
}

// checkCoverage counts the run's couriers the sample covers: every one
// that recorded something this month.
func (sv *supervisor) checkCoverage(in *syncproto.ServiceInspection) {
	sampled := map[string]bool{}
	for _, it := range in.Items {
		sampled[it.CourierID] = true
	}
	st := &sv.stats.Inspect
	for _, c := range sv.f.couriers {
		if len(c.gen.pickups) == 0 {
			continue
		}
		st.Couriers++
		if sampled[c.userID] {
			st.Covered++
		} else {
			sv.faults.add("inspection sample misses courier %s", c.userID)
		}
	}
}

// checkInspection reads the inspection and the month's report back: the
// inspection completed, the month not flagged, failures and open
// corrective actions at least this run's.
func (sv *supervisor) checkInspection(ctx context.Context, id string, open int) error {
	st := &sv.stats.Inspect
	in, err := sv.s.Inspection(ctx, id)
	if err != nil {
		return sv.faults.soft(err, "read inspection %s", id)
	}
	st.Completed = in.Status == syncproto.InspectionCompleted
	if !st.Completed {
		sv.faults.add("inspection %s not completed after every item was marked", id)
	}
	rep, err := sv.s.QualityReport(ctx, st.Month)
	if err != nil {
		return sv.faults.soft(err, "read the quality report of %s", st.Month)
	}
	st.ReportFailures, st.ReportActive = rep.InspectionFailures, rep.CorrectiveActionsOpen
	c := sv.stats.Claims
	st.ReportRight = !rep.InspectionMissing && rep.InspectionFailures >= int64(st.Failed) && rep.CorrectiveActionsOpen >= int64(open) &&
		rep.ClaimsFiled >= int64(c.Filed) && rep.ClaimsPaidCents >= c.PaidCents
	if !st.ReportRight {
		sv.faults.add("quality report of %s: missing %v, failures %d, actions open %d, claims %d paid %d; want ≥ %d, %d, %d, %d",
			st.Month, rep.InspectionMissing, rep.InspectionFailures, rep.CorrectiveActionsOpen, rep.ClaimsFiled, rep.ClaimsPaidCents,
			st.Failed, open, c.Filed, c.PaidCents)
	}
	return nil
}
