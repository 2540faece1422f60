package server

import (
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// errLedgerFull refuses a correction the ledger's sums cannot hold.
var errLedgerFull = syncproto.Errorf(syncproto.CodeUnprocessable, "corrected_amount_cents: the ledger's total would exceed what it can hold")

// reversible reads a receipt's live entry and checks it can be reversed:
// known (else not_found), not reversed and not settled (that money has
// left), and, when a correction is asked for, with room in the ledger.
func reversible(tx LedgerTx, r *ReversalRequest) (*CODEntry, error) {
	e, err := tx.Entry(r.ReceiptNo)
	switch {
	case err != nil:
		return nil, err
	case e == nil:
		return nil, ErrNotFound
	case e.Void():
		return nil, Conflict("receipt " + r.ReceiptNo + ": already reversed")
	case e.Status == CODSettled:
		return nil, Conflict("receipt " + r.ReceiptNo + ": already settled; a settled receipt cannot be reversed")
	case r.CorrectedAmountCents == nil:
		return e, nil
	}
	sums, err := tx.Sums("")
	if err != nil {
		return nil, err
	}
	if !sums.HasRoom(*r.CorrectedAmountCents) {
		return nil, errLedgerFull
	}
	return e, nil
}

// replacement is a new row of a reversed entry's receipt in the same
// custody (a reversal or a correction), of amount.
func replacement(e *CODEntry, kind string, amount int64, r *ReversalRequest, by string, now time.Time) *CODEntry {
	v := LedgerEntry{Kind: kind, ReceiptNo: e.ReceiptNo, Waybill: e.Waybill, CourierID: e.CourierID, AmountCents: amount,
		Currency: e.Currency, Method: e.Method, CollectedAt: e.CollectedAt, Status: e.Status, HandoverID: e.HandoverID,
		HandedOverAt: e.HandedOverAt, Reverses: e.EntryID, Reason: r.Reason, RecordedBy: by, Sender: e.Sender, Recipient: e.Recipient}
	return &CODEntry{LedgerEntry: v, WrittenAt: now}
}

// ReverseCOD decides a reversal: the wrong row stays; a reversal row
// negates it in the same custody status, and an optional correction row
// carries the right amount in that status (checked against the pickup
// like a receipt), so the money's whereabouts do not change.
func ReverseCOD(tx LedgerTx, p Principal, r *ReversalRequest, s Settings, now time.Time) (*Reversal, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	e, err := reversible(tx, r)
	if err != nil {
		return nil, err // before anything is written: a refusal commits what was
	}
	rev := replacement(e, EntryReversal, -e.AmountCents, r, p.UserID, now)
	if err := tx.Insert(rev); err != nil {
		return nil, err
	}
	e.ReversedBy = rev.EntryID
	if err := tx.MarkReversed(e); err != nil {
		return nil, err
	}
	out := &Reversal{Reversal: rev.View(s, now)}
	detail := "receipt " + e.ReceiptNo + " reversed by " + rev.EntryID + ": " + r.Reason
	if r.CorrectedAmountCents != nil {
		corr, err := correct(tx, e, r, p.UserID, now)
		if err != nil {
			return nil, err
		}
		v := corr.View(s, now)
		out.Correction = &v
		detail += "; corrected to " + strconv.FormatInt(*r.CorrectedAmountCents, 10) + " by " + corr.EntryID
	}
	if err := publishCODBalance(tx, e.CourierID, now); err != nil {
		return nil, err
	}
	ev := NewEvent(p, ActionCODReversal, e.EntryID, now)
	ev.Detail = detail
	return out, tx.Audit(ev)
}

// correct writes the correction row of a reversed entry and makes it the
// receipt's live entry.
func correct(tx LedgerTx, e *CODEntry, r *ReversalRequest, by string, now time.Time) (*CODEntry, error) {
	corr := replacement(e, EntryCorrection, *r.CorrectedAmountCents, r, by, now)
	pk, err := tx.Pickup(e.Waybill)
	if err != nil {
		return nil, err
	}
	corr.Discrepancy = ReceiptDiscrepancy(pk, corr.AmountCents)
	if err := tx.Insert(corr); err != nil {
		return nil, err
	}
	return corr, tx.PointReceipt(corr)
}
