package main

import (
	"fmt"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// courierLedger is what the server and the handheld say about one
// courier's COD after the run.
type courierLedger struct {
	Courier *courier
	Entries []syncproto.LedgerEntry
	Totals  syncproto.LedgerTotals
	// Device is the handheld's balance from its last pull.
	Device *mobileapi.CODBalance
}

// balanceFault says how totals break the ledger's identities (collected =
// in hand + handed over; handed over = settled + awaiting settlement;
// outstanding = collected − settled), or "".
func balanceFault(t syncproto.LedgerTotals) string {
	switch {
	case t.CollectedCents != t.InHandCents+t.HandedOverCents:
		return "collected ≠ in hand + handed over"
	case t.HandedOverCents != t.SettledCents+t.AwaitingSettlementCents:
		return "handed over ≠ settled + awaiting settlement"
	case t.OutstandingCents != t.CollectedCents-t.SettledCents:
		return "outstanding ≠ collected − settled"
	}
	return ""
}

// checkLedger checks the COD ledger against the receipts the couriers
// recorded and the custody the actors confirmed:
//   - the overall totals and every courier's balance;
//   - every receipt applied is in the ledger exactly once, with its amount,
//     its custody status and an amount_mismatch discrepancy exactly when
//     it was recorded with another amount than its pickup's; nothing else
//     is in the courier's ledger;
//   - each courier's totals equal the sums of its receipts by custody, and
//     its handheld shows the same balance;
//   - the hand-over counted short is listed as a discrepancy.
func (ac *actorCheck) checkLedger(ledgers []courierLedger, overall syncproto.LedgerTotals, custody map[string]string, disc *handoverDiscrepancy, listed []syncproto.CODDiscrepancyRecord) {
	if why := balanceFault(overall); why != "" {
		ac.add("COD ledger overall totals do not balance: %s (%+v)", why, overall)
	} else {
		ac.OverallBalanced = true
	}
	for _, l := range ledgers {
		if ac.checkCourierLedger(l, custody) {
			ac.CouriersBalanced++
		}
	}
	if disc == nil {
		return
	}
	for _, d := range listed {
		if d.Code == syncproto.DiscrepancyHandoverCount && d.HandoverID == disc.HandoverID && d.DiscrepancyCents == disc.Cents {
			ac.DiscrepancyListed = true
		}
	}
	if !ac.DiscrepancyListed {
		ac.add("hand-over %s counted %d off is not listed as a handover_count discrepancy", disc.HandoverID, disc.Cents)
	}
}

// checkCourierLedger checks one courier's ledger entries, totals and
// handheld balance; it reports whether all held.
func (ac *actorCheck) checkCourierLedger(l courierLedger, custody map[string]string) bool {
	c := l.Courier
	ok := true
	bad := func(format string, args ...any) {
		ok = false
		ac.add("COD of courier %d: "+format, append([]any{c.idx}, args...)...)
	}
	if why := balanceFault(l.Totals); why != "" {
		bad("totals do not balance: %s", why)
	}
	count := map[string]int{}
	got := map[string]syncproto.LedgerEntry{}
	for _, e := range l.Entries {
		count[e.ReceiptNo]++
		got[e.ReceiptNo] = e
	}
	pii := piiSet(c)
	for _, e := range l.Entries {
		if unmasked(pii, e.Sender) || unmasked(pii, e.Recipient) {
			bad("receipt %s shows its sender or recipient unmasked", e.ReceiptNo)
		}
	}
	want, known := ac.checkReceipts(c, got, count, custody, bad)
	for no := range count {
		if !known[no] {
			bad("the ledger holds receipt %s, which no applied op recorded", no)
		}
	}
	t := l.Totals
	if t.CollectedCents != want.CollectedCents || t.HandedOverCents != want.HandedOverCents || t.SettledCents != want.SettledCents {
		bad("totals collected %d, handed over %d, settled %d; the receipts and custody give %d, %d, %d",
			t.CollectedCents, t.HandedOverCents, t.SettledCents, want.CollectedCents, want.HandedOverCents, want.SettledCents)
	}
	ac.Totals.CollectedCents += t.CollectedCents
	ac.Totals.HandedOverCents += t.HandedOverCents
	ac.Totals.SettledCents += t.SettledCents
	ac.Totals.InHandCents += t.InHandCents
	ac.DeviceBalances++
	if d := l.Device; d == nil || (d.AsOf == "" && t.CollectedCents != 0) || d.CollectedCents != t.CollectedCents || d.HandedOverCents != t.HandedOverCents ||
		d.InHandCents != t.InHandCents || d.SettledCents != t.SettledCents || d.OutstandingCents != t.OutstandingCents {
		bad("the handheld's balance %s differs from the ledger's", deviceBalance(d))
	} else {
		ac.DeviceBalancesRight++
	}
	return ok
}

// checkReceipts checks each receipt the courier recorded against the
// ledger (once, its amount, its custody, its flag) and returns the totals
// they give and the receipt numbers recorded.
func (ac *actorCheck) checkReceipts(c *courier, got map[string]syncproto.LedgerEntry, count map[string]int, custody map[string]string,
	bad func(string, ...any)) (syncproto.LedgerTotals, map[string]bool) {
	var want syncproto.LedgerTotals
	known := map[string]bool{}
	for _, r := range c.gen.receipts {
		ac.Receipts++
		known[r.ReceiptNo] = true
		status := custody[r.ReceiptNo]
		if status == "" {
			status = syncproto.CODCollected
		}
		want.CollectedCents += r.AmountCents
		switch status {
		case syncproto.CODSettled:
			want.SettledCents += r.AmountCents
			want.HandedOverCents += r.AmountCents
		case syncproto.CODHandedOver:
			want.HandedOverCents += r.AmountCents
		}
		e, n := got[r.ReceiptNo], count[r.ReceiptNo]
		mismatch := e.Discrepancy != nil && e.Discrepancy.Code == syncproto.DiscrepancyAmountMismatch
		switch {
		case n == 0:
			bad("receipt %s is not in the ledger", r.ReceiptNo)
		case n > 1:
			bad("receipt %s is in the ledger %d times", r.ReceiptNo, n)
		case e.AmountCents != r.AmountCents || e.Status != status || (e.Kind != "" && e.Kind != syncproto.EntryReceipt):
			bad("receipt %s: %s %d %s, want receipt %d %s", r.ReceiptNo, e.Kind, e.AmountCents, e.Status, r.AmountCents, status)
		case mismatch != c.gen.mismatched[r.ReceiptNo]:
			bad("receipt %s: amount_mismatch flagged %v, want %v", r.ReceiptNo, mismatch, c.gen.mismatched[r.ReceiptNo])
		default:
			ac.ReceiptsOnce++
		}
	}
	return want, known
}

func deviceBalance(d *mobileapi.CODBalance) string {
	if d == nil {
		return "(none)"
	}
	return fmt.Sprintf("collected %d, handed over %d, in hand %d, settled %d as of %q",
		d.CollectedCents, d.HandedOverCents, d.InHandCents, d.SettledCents, d.AsOf)
}

// piiSet returns the names, phones and addresses courier c made up.
func piiSet(c *courier) map[string]bool {
	set := make(map[string]bool, len(c.gen.pii))
	for _, s := range c.gen.pii {
		set[s] = true
	}
	return set
}

// unmasked reports whether a view's masked contact holds a plain name or
// phone of the run.
func unmasked(pii map[string]bool, v *syncproto.Contact) bool {
	return v != nil && (pii[v.NameMasked] || pii[v.PhoneMasked])
}
