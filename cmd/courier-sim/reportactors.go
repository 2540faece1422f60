package main

import (
	"fmt"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// actorRows adds the lines of the actors' end check to the summary table.
func (s *summary) actorRows(row func(k string, v any)) {
	ac := s.Actors
	d, sv := ac.Disp, ac.Sup
	row("callback tasks", fmt.Sprintf("%d created (%d from complaints), %d cancelled, %d reassigned; stale version refused %d of %d",
		d.Created, d.Linked, d.Cancelled, d.Reassigned, d.StaleRefused, d.StaleTried))
	row("task final states", fmt.Sprintf("%d of %d as their history implies (%d done, %d open, %d cancelled)",
		ac.TasksRight, ac.Tasks, ac.ByStatus[syncproto.TaskDone], ac.ByStatus[syncproto.TaskOpen], ac.ByStatus[syncproto.TaskCancelled]))
	row("callback outcomes", fmt.Sprintf("%d of %d on their tasks as recorded; %d flagged review_needed (answered while the task was cancelled or reassigned)",
		ac.OutcomesRight, ac.Outcomes, ac.Flagged))
	r := ac.Reveals
	row("contact reveals", fmt.Sprintf("%d tried: %d matched the task, %d wrong, %d lost on the link, %d rate-limited; %d audited",
		r.Tried, r.OK, r.Wrong, r.Failed, r.Limited, ac.Audited))
	row("handheld task lists", fmt.Sprintf("%d of %d as the server's (no contact kept for closed tasks)", ac.InboxesRight, ac.Inboxes))
	if ac.FakeOn {
		row("wake-ups", fmt.Sprintf("%d of %d task changes woke their handhelds; %d messages, %d data-only with ids only",
			ac.Woken, ac.WakeEvents, ac.Messages, ac.WellFormed))
		row("FCM privacy scan", fmt.Sprintf("%d requests scanned for %d names/phones/addresses: %d leaks", ac.Bodies, ac.Needles, ac.Leaks))
	} else {
		row("wake-ups", "not checked (no -fcm-fake)")
	}
	row("complaints", fmt.Sprintf("%d of %d listed as walked (%d from couriers' ops); %d walked: %d verified, %d handled, %d closed, %d exempted",
		ac.ComplaintsRight, ac.Complaints, ac.ComplaintsFromOps, ac.Walked, ac.ByTarget[syncproto.ComplaintVerified], ac.ByTarget[syncproto.ComplaintHandled], ac.ByTarget[syncproto.ComplaintClosed], ac.Exempted))
	row("complaint steps", fmt.Sprintf("%d transitions recorded; illegal ones refused %d of %d; handhelds' open lists right %d of %d",
		d.Transitions, d.IllegalRefused, d.IllegalTried, ac.ComplaintDevicesRight, ac.ComplaintDevices))
	row("COD receipts", fmt.Sprintf("%d of %d applied receipts in the ledger exactly once, as recorded", ac.ReceiptsOnce, ac.Receipts))
	t := ac.Totals
	row("COD ledger", fmt.Sprintf("collected %s = in hand %s + handed over %s; settled %s; overall balanced %v, %d of %d couriers right",
		yuan(t.CollectedCents), yuan(t.InHandCents), yuan(t.HandedOverCents), yuan(t.SettledCents), ac.OverallBalanced, ac.CouriersBalanced, ac.DeviceBalances))
	disc := "none made"
	if d.Discrepancy != nil {
		disc = fmt.Sprintf("%s against the receipts, listed %v", yuan(d.Discrepancy.Cents), ac.DiscrepancyListed)
	}
	pair := "not run"
	if d.PairTried {
		pair = fmt.Sprintf("%d created, %d refused 409", d.PairCreated, d.PairRefused)
	}
	row("COD hand-overs", fmt.Sprintf("%d (%d receipts, %s); one counted %s; concurrent pair: %s",
		d.Handovers, d.HandedReceipts, yuan(d.HandedCents), disc, pair))
	row("COD settlements", fmt.Sprintf("%d (%d receipts, %s); settling again refused %d of %d; handheld balances right %d of %d",
		sv.Settlements, sv.SettledReceipts, yuan(sv.SettledCents), sv.ResettleRefused, sv.ResettleTried, ac.DeviceBalancesRight, ac.DeviceBalances))
	row("vehicles", fmt.Sprintf("%d registered (%d first seen in logs), duplicate refused %d of %d; %d of %d fit",
		len(sv.Registered), sv.Claimed, sv.DuplicateRefused, sv.DuplicateTried, ac.Fit, ac.Vehicles))
	row("vehicle defects", fmt.Sprintf("%d opened for %d failed items; %d certified (%d not needing repair)",
		ac.DefectsOpened, ac.DefectsWant, ac.DefectsCertified, sv.CertifiedNotNeeded))
	cl, in := sv.Claims, sv.Inspect
	row("claims", fmt.Sprintf("%d filed, %d acknowledged, %d decided (%d overridden, audited %d; %d exempted), %d paid %s; wrong amount refused %d of %d, second payout refused %d of %d; %d of %d read back right",
		cl.Filed, cl.Acknowledged, cl.Decided, cl.Overridden, cl.Audited, cl.Exempted, cl.Paid, yuan(cl.PaidCents),
		cl.WrongAmountRefused, cl.WrongAmountTried, cl.RepayRefused, cl.RepayTried, cl.Right, cl.Checked))
	row("inspection", fmt.Sprintf("%s: opened by this run %v, %d items (%d of %d couriers covered), %d marked, %d failed, %d actions closed; completed %v, report right %v",
		in.Month, in.Opened, in.Items, in.Covered, in.Couriers, in.Marked, in.Failed, in.Closed, in.Completed, in.ReportRight))
	row("actors", fmt.Sprintf("final round %s, check %s", s.ActorsFinal.Round(time.Millisecond), ac.Time.Round(time.Millisecond)))
}

// yuan formats fen as yuan, e.g. ¥1234.56.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, fen/100, fen%100)
}
