package server

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Custody statuses of a COD ledger entry: the courier holds the money
// (collected), the station holds it (handed_over), the sender has it
// (settled). Custody only moves forward.
const (
	CODCollected  = syncproto.CODCollected
	CODHandedOver = syncproto.CODHandedOver
	CODSettled    = syncproto.CODSettled
)

// Kinds of ledger entries. Rows are never edited: a wrong receipt gets a
// reversal (the same amount, negated) and, when the right amount is known,
// a correction (a new row with that amount).
const (
	EntryReceipt    = syncproto.EntryReceipt
	EntryReversal   = syncproto.EntryReversal
	EntryCorrection = syncproto.EntryCorrection
)

// Discrepancy codes of the COD ledger.
const (
	DiscrepancyAmountMismatch = syncproto.DiscrepancyAmountMismatch // receipt amount ≠ the pickup's cod_amount_cents
	DiscrepancyUnknownWaybill = syncproto.DiscrepancyUnknownWaybill // no pickup of the receipt's waybill when it arrived
	DiscrepancyHandoverCount  = syncproto.DiscrepancyHandoverCount  // cash counted at hand-over ≠ the receipts' total
)

// ChangeCODBalance is the change type that carries a courier's COD balance
// (a CODBalance) in their pull feed, published whenever it changes.
const ChangeCODBalance = syncproto.ChangeCODBalance

// Audit actions of the COD ledger.
const (
	ActionCODHandover   = "cod.handover"
	ActionCODSettlement = "cod.settlement"
	ActionCODReversal   = "cod.reversal"
	ActionCODPurge      = "cod.purge"
)

// MaxLedgerBatch caps the receipts of one hand-over or settlement.
const MaxLedgerBatch = 500

// CODDueBy returns when a receipt collected at t must be settled: months
// calendar months later in loc, on the same day at the same clock time, or
// on the month's last day at that time when the month is shorter
// (31 January + 1 month = 28 or 29 February). A deadline therefore always
// falls in the month `months` after the collection's month (a deadline past
// year 9999 shows as the last day Encodable allows).
func CODDueBy(t time.Time, months int, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	ty, tm, _ := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, loc).Date()
	hh, mm, ss := t.Clock()
	return Encodable(time.Date(ty, tm, min(d, daysIn(ty, tm)), hh, mm, ss, t.Nanosecond(), loc))
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// CODDiscrepancy says how a receipt differs from what was expected.
type CODDiscrepancy = syncproto.CODDiscrepancy

// LedgerEntry is one row of the COD ledger as dispatchers see it. The row
// itself never changes; Status and the custody fields say where the money
// is now.
type LedgerEntry = syncproto.LedgerEntry

// LedgerTotals sum a filtered ledger. Collected = in hand + handed over;
// handed over = settled + awaiting settlement; outstanding = collected −
// settled.
type LedgerTotals = syncproto.LedgerTotals

// LedgerFilter selects ledger entries. From and To bound collected_at
// (from inclusive, to exclusive); zero means unbounded.
type LedgerFilter struct {
	CourierID string
	// Waybill keeps the rows of one parcel's receipts.
	Waybill  string
	Status   string
	Overdue  bool
	From, To time.Time
	Cursor   string
	Limit    int
}

// Check validates the filter's status.
func (f *LedgerFilter) Check() error {
	switch f.Status {
	case "", CODCollected, CODHandedOver, CODSettled:
	default:
		return Invalid("status: one of collected, handed_over, settled")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Invalid("from: must be before to")
	}
	return nil
}

// LedgerPage is the body of GET /v1/cod/ledger: a page of entries in
// collection order and the totals of the whole filter.
type LedgerPage = syncproto.LedgerPage

// HandoverRequest is the body of POST /v1/cod/handovers: the receipts whose
// cash a dispatcher received at the station, or (all_in_hand) everything
// the courier holds. expected_cents, when given with all_in_hand, must equal
// the courier's cash in hand, so a receipt synced after the count is not
// swept in unnoticed.
type HandoverRequest syncproto.HandoverRequest

// Check validates the request's shape.
func (r *HandoverRequest) Check() error {
	switch {
	case r.CourierID == "" || len(r.CourierID) > 64:
		return Invalid("courier_id: required")
	case r.CountedCents == nil || !syncproto.ValidCents(*r.CountedCents):
		return Invalid("counted_cents: required, 0 to 10^12")
	case r.ExpectedCents != nil && !syncproto.ValidCents(*r.ExpectedCents):
		return Invalid("expected_cents: 0 to 10^12")
	case r.AllInHand && len(r.ReceiptNos) > 0:
		return Invalid("receipt_nos: give either receipt_nos or all_in_hand")
	case !r.AllInHand && len(r.ReceiptNos) == 0:
		return Invalid("receipt_nos: at least one receipt, or all_in_hand")
	case r.ExpectedCents != nil && !r.AllInHand:
		return Invalid("expected_cents: only with all_in_hand")
	case utf8.RuneCountInString(r.Note) > syncproto.MaxTextRunes:
		return Invalid("note: at most 2000 characters")
	}
	return checkReceiptNos(r.ReceiptNos)
}

// Handover is a confirmed hand-over of cash at the station.
type Handover = syncproto.Handover

// SettlementRequest is the body of POST /v1/cod/settlements.
type SettlementRequest syncproto.SettlementRequest

// Check validates the request's shape.
func (r *SettlementRequest) Check() error {
	if len(r.ReceiptNos) == 0 {
		return Invalid("receipt_nos: at least one receipt")
	}
	if strings.TrimSpace(r.Reference) == "" || utf8.RuneCountInString(r.Reference) > 200 || !utf8.ValidString(r.Reference) {
		return Invalid("reference: required, at most 200 characters")
	}
	return checkReceiptNos(r.ReceiptNos)
}

// Settlement is money paid out to senders for handed-over receipts.
type Settlement = syncproto.Settlement

// ReversalRequest is the body of POST /v1/cod/reversals: the receipt whose
// current entry is wrong, why, and the right amount when one was collected.
type ReversalRequest syncproto.ReversalRequest

// Check validates the request's shape.
func (r *ReversalRequest) Check() error {
	if err := checkReceiptNos([]string{r.ReceiptNo}); err != nil {
		return Invalid("receipt_no: required, 1–64 bytes")
	}
	if strings.TrimSpace(r.Reason) == "" || utf8.RuneCountInString(r.Reason) > 500 || !utf8.ValidString(r.Reason) {
		return Invalid("reason: required, at most 500 characters")
	}
	if r.CorrectedAmountCents != nil && (*r.CorrectedAmountCents <= 0 || *r.CorrectedAmountCents > syncproto.MaxCents) {
		return Invalid("corrected_amount_cents: 1 to 10^12 when given")
	}
	return nil
}

// Reversal is the answer to a reversal: the negating row and, when asked
// for, the correcting one.
type Reversal = syncproto.Reversal

// CODBalance is one courier's custody position; it is also the data of a
// "cod_balance" change in their feed.
type CODBalance = syncproto.CODBalance

// CODBalanceList is the body of GET /v1/cod/balances.
type CODBalanceList = syncproto.CODBalanceList

// CODDiscrepancyRecord is one listed discrepancy: of a receipt (amount or
// waybill) or of a hand-over (counted ≠ total). They are kept for good.
type CODDiscrepancyRecord = syncproto.CODDiscrepancyRecord

// CODDiscrepancyList is the body of GET /v1/cod/discrepancies.
type CODDiscrepancyList = syncproto.CODDiscrepancyList

// LedgerService is the COD custody ledger.
type LedgerService interface {
	// ListLedger returns a page of entries in collection order and the
	// totals of the whole filter. A malformed cursor or filter →
	// invalid_request.
	ListLedger(ctx context.Context, f LedgerFilter) (*LedgerPage, error)
	// HandOver confirms cash received at the station. A receipt unknown,
	// reversed, of another courier or no longer in hand → conflict, and
	// nothing changes; a malformed request → invalid_request.
	HandOver(ctx context.Context, p Principal, r *HandoverRequest) (*Handover, error)
	// Settle records money paid to senders. A receipt unknown, reversed,
	// not handed over or already settled → conflict, nothing changes.
	Settle(ctx context.Context, p Principal, r *SettlementRequest) (*Settlement, error)
	// Reverse negates a receipt's current entry (and adds a correction
	// when asked). An unknown receipt → not_found; one already settled or
	// reversed → conflict.
	Reverse(ctx context.Context, p Principal, r *ReversalRequest) (*Reversal, error)
	// CODBalances lists couriers' balances (one courier's when courierID
	// is set), in courier id order.
	CODBalances(ctx context.Context, courierID, cursor string, limit int) (*CODBalanceList, error)
	// ListCODDiscrepancies lists discrepancies oldest first, optionally of
	// one courier.
	ListCODDiscrepancies(ctx context.Context, courierID, cursor string, limit int) (*CODDiscrepancyList, error)
}

func checkReceiptNos(nos []string) error {
	if len(nos) > MaxLedgerBatch {
		return Invalid("receipt_nos: at most 500 receipts")
	}
	seen := make(map[string]bool, len(nos))
	for _, n := range nos {
		if n == "" || len(n) > syncproto.MaxReceiptNoLen {
			return Invalid("receipt_nos: each 1–64 bytes")
		}
		if seen[n] {
			return Invalid("receipt_nos: each receipt once")
		}
		seen[n] = true
	}
	return nil
}
