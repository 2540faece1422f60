package server

import (
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// FlagCODDiscrepancy flags a pushed COD receipt that does not match what
// was expected (its record carries the discrepancy).
const FlagCODDiscrepancy = syncproto.FlagCODDiscrepancy

// CODIntakeTx is what recording a pushed COD receipt reads and writes
// inside the push's write transaction, beside the ledger's own.
type CODIntakeTx interface {
	LedgerTx
	// ReceiptKnown reports whether a receipt number is recorded already.
	ReceiptKnown(receiptNo string) (bool, error)
	// NoteCollection records a receipt of a waybill and reports whether
	// the waybill had another receipt already.
	NoteCollection(waybill, receiptNo string) (bool, error)
}

// CODIntake is what a recorded receipt became: its ledger entry, any
// discrepancy and the op's extra flags.
type CODIntake struct {
	Entry       *CODEntry
	Discrepancy *CODDiscrepancy
	Flags       []string
}

// ReceiptDiscrepancy compares a receipt's amount with its waybill's pickup
// (nil when none is recorded). The money was collected either way: a
// mismatch is flagged, never refused.
func ReceiptDiscrepancy(pk *CODPickup, amount int64) *CODDiscrepancy {
	if pk == nil {
		return &CODDiscrepancy{Code: DiscrepancyUnknownWaybill, Note: "no pickup recorded for this waybill yet"}
	}
	if pk.ExpectedCents == nil {
		return nil
	}
	if want := *pk.ExpectedCents; want != amount {
		return &CODDiscrepancy{Code: DiscrepancyAmountMismatch, ExpectedCents: &want, Note: "amount differs from the pickup's COD amount"}
	}
	return nil
}

// DiscrepancyCents is how far amount is from what d expected (0 when
// nothing was).
func DiscrepancyCents(d *CODDiscrepancy, amount int64) int64 {
	if d.ExpectedCents == nil {
		return 0
	}
	return amount - *d.ExpectedCents
}

// errCODLedgerFull rejects a receipt the ledger's sums cannot hold.
var errCODLedgerFull = syncproto.Errorf(syncproto.CodeValidationFailed, "amount_cents: the ledger's total would exceed what it can hold")

// RecordCODReceipt decides a pushed COD receipt of courierID: a receipt
// number recorded already is rejected (duplicate_receipt), one the
// ledger's total cannot hold too (validation_failed); otherwise its entry
// is collected at collectedAt in the courier's hands, a discrepancy (the
// pickup's amount, an unknown waybill, or a second collection of the
// waybill, which takes the place of any other) is listed and flagged, and
// the courier's new balance goes to their feed. A rejection writes
// nothing.
func RecordCODReceipt(tx CODIntakeTx, courierID, opID string, p *syncproto.CODReceipt, collectedAt, now time.Time) (*CODIntake, *syncproto.Error, error) {
	if known, err := tx.ReceiptKnown(p.ReceiptNo); err != nil {
		return nil, nil, err
	} else if known {
		return nil, syncproto.Errorf(syncproto.CodeDuplicateReceipt, "receipt_no already recorded"), nil
	}
	sums, err := tx.Sums("")
	if err != nil {
		return nil, nil, err
	}
	if !sums.HasRoom(p.AmountCents) {
		return nil, errCODLedgerFull, nil
	}
	pk, err := tx.Pickup(p.Waybill)
	if err != nil {
		return nil, nil, err
	}
	in := &CODIntake{Discrepancy: ReceiptDiscrepancy(pk, p.AmountCents)}
	if dup, err := tx.NoteCollection(p.Waybill, p.ReceiptNo); err != nil {
		return nil, nil, err
	} else if dup {
		in.Discrepancy = DuplicateCollection()
	}
	e := &CODEntry{LedgerEntry: LedgerEntry{Kind: EntryReceipt, ReceiptNo: p.ReceiptNo, Waybill: p.Waybill, CourierID: courierID,
		AmountCents: p.AmountCents, Currency: p.Currency, Method: p.Method, CollectedAt: collectedAt, Status: CODCollected,
		Discrepancy: in.Discrepancy}, WrittenAt: now, OpID: opID}
	if pk != nil {
		e.Sender, e.Recipient = pk.Sender, pk.Recipient
	}
	in.Entry = e
	if err := tx.Insert(e); err != nil {
		return nil, nil, err
	}
	if err := tx.PointReceipt(e); err != nil {
		return nil, nil, err
	}
	if d := in.Discrepancy; d != nil {
		in.Flags = []string{FlagCODDiscrepancy}
		err := tx.AddDiscrepancy(&CODDiscrepancyRecord{Code: d.Code, CourierID: courierID, ReceiptNo: p.ReceiptNo,
			Waybill: p.Waybill, AmountCents: p.AmountCents, ExpectedCents: d.ExpectedCents,
			DiscrepancyCents: DiscrepancyCents(d, p.AmountCents), At: now, Note: d.Note})
		if err != nil {
			return nil, nil, err
		}
	}
	return in, nil, publishCODBalance(tx, courierID, now)
}
