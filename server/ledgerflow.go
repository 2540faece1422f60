package server

import (
	"fmt"
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// CODPickup is what the ledger reads of a waybill's pickup: the COD amount
// it expects (nil when the pickup names none) and the masked parties.
type CODPickup struct {
	ExpectedCents     *int64
	Sender, Recipient *syncproto.Contact
}

// LedgerTx is what the COD ledger's rules read and write inside one store
// write transaction: the store gives it, the rules decide. Of two
// transactions confirming the same receipts one runs first, so one wins
// and the other finds them moved.
type LedgerTx interface {
	// IsCourier reports whether id is a courier's account.
	IsCourier(id string) (bool, error)
	// Entry returns the live entry of a receipt number (the receipt, or
	// its latest correction), nil if unknown.
	Entry(receiptNo string) (*CODEntry, error)
	// LiveEntries returns a courier's entries in status that are not
	// void, oldest collected first, at most max.
	LiveEntries(courierID, status string, max int) ([]*CODEntry, error)
	// Sums returns a courier's sums per status; "" is every courier.
	Sums(courierID string) (CODSums, error)
	// Insert appends a new entry with its custody and gives it its
	// EntryID.
	Insert(e *CODEntry) error
	// PointReceipt makes e the live entry of its receipt number.
	PointReceipt(e *CODEntry) error
	// Move stores e's new custody; old is the entry as read (its status is
	// where the money was).
	Move(old, e *CODEntry) error
	// MarkReversed stores that e was reversed by e.ReversedBy.
	MarkReversed(e *CODEntry) error
	// InsertHandover stores a hand-over and gives it its HandoverID.
	InsertHandover(h *Handover) error
	// InsertSettlement stores a settlement and gives it its SettlementID.
	InsertSettlement(s *Settlement) error
	// AddDiscrepancy lists a discrepancy for good, giving it its id.
	AddDiscrepancy(r *CODDiscrepancyRecord) error
	// PublishBalance puts a courier's balance in their feed.
	PublishBalance(b *CODBalance) error
	// Pickup returns what the ledger reads of a waybill's pickup, nil
	// when none is recorded.
	Pickup(waybill string) (*CODPickup, error)
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// MaxHandoverInHand caps the receipts an all_in_hand hand-over sweeps.
const MaxHandoverInHand = 10 * MaxLedgerBatch

// publishCODBalance puts a courier's current balance in their feed.
func publishCODBalance(tx LedgerTx, courierID string, now time.Time) error {
	sums, err := tx.Sums(courierID)
	if err != nil {
		return err
	}
	b := sums.Balance(courierID, now)
	return tx.PublishBalance(&b)
}

// sumEntries totals entries' amounts, which must share one currency
// (else invalid_request naming what).
func sumEntries(items []*CODEntry, what string) (int64, error) {
	var total int64
	for _, e := range items {
		if e.Currency != items[0].Currency {
			return 0, Invalid("receipt_nos: receipts of one currency per " + what)
		}
		var ok bool
		if total, ok = AddCents(total, e.AmountCents); !ok {
			return 0, Invalid("receipt_nos: the receipts' total is more than can be held")
		}
	}
	return total, nil
}

// handoverItems reads what a hand-over moves: every receipt named (each
// known, not reversed, the courier's and still in hand, else conflict and
// nothing changes), or all the courier holds.
func handoverItems(tx LedgerTx, r *HandoverRequest) ([]*CODEntry, error) {
	if r.AllInHand {
		items, err := tx.LiveEntries(r.CourierID, CODCollected, MaxHandoverInHand+1)
		switch {
		case err != nil:
			return nil, err
		case len(items) == 0:
			return nil, Conflict("the courier holds no COD cash")
		case len(items) > MaxHandoverInHand:
			return nil, Conflict("too many receipts in hand for one hand-over; list them in batches")
		}
		return items, nil
	}
	return readReceipts(tx, r.ReceiptNos, func(no string, e *CODEntry) error {
		switch {
		case e.CourierID != r.CourierID:
			return Conflict("receipt " + no + ": collected by another courier")
		case e.Status != CODCollected:
			return Conflict("receipt " + no + ": already handed over")
		}
		return nil
	})
}

// readReceipts reads the live entry of each receipt number: unknown or
// reversed → conflict, then whatever check says.
func readReceipts(tx LedgerTx, nos []string, check func(no string, e *CODEntry) error) ([]*CODEntry, error) {
	items := make([]*CODEntry, 0, len(nos))
	for _, no := range nos {
		e, err := tx.Entry(no)
		switch {
		case err != nil:
			return nil, err
		case e == nil:
			return nil, Conflict("receipt " + no + ": unknown")
		case e.Void():
			return nil, Conflict("receipt " + no + ": reversed")
		}
		if err := check(no, e); err != nil {
			return nil, err
		}
		items = append(items, e)
	}
	return items, nil
}

// HandOverCOD decides a hand-over of cash at the station: the account must
// be a courier's (else unprocessable), every receipt in their hands, of
// one currency, and with all_in_hand the total must equal expected_cents
// when given (a receipt synced after the count is not swept in
// unnoticed). A count that differs from the total is listed as a
// discrepancy; the money moves all the same.
func HandOverCOD(tx LedgerTx, p Principal, r *HandoverRequest, now time.Time) (*Handover, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	ok, err := tx.IsCourier(r.CourierID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, syncproto.Errorf(syncproto.CodeUnprocessable, "courier_id: not a courier's account")
	}
	items, err := handoverItems(tx, r)
	if err != nil {
		return nil, err
	}
	total, err := sumEntries(items, "hand-over")
	if err != nil {
		return nil, err
	}
	if r.ExpectedCents != nil && *r.ExpectedCents != total {
		return nil, Conflict(fmt.Sprintf("cash in hand is %d, not the expected %d: receipts changed since the count", total, *r.ExpectedCents))
	}
	h := &Handover{CourierID: r.CourierID, CountedCents: *r.CountedCents, Note: r.Note, By: p.UserID, At: now,
		Currency: items[0].Currency, ReceiptNos: make([]string, 0, len(items)), TotalCents: total,
		DiscrepancyCents: *r.CountedCents - total}
	for _, e := range items {
		h.ReceiptNos = append(h.ReceiptNos, e.ReceiptNo)
	}
	if err := tx.InsertHandover(h); err != nil {
		return nil, err
	}
	if err := moveAll(tx, items, func(e *CODEntry) {
		e.Status, e.HandoverID, e.HandedOverAt = CODHandedOver, h.HandoverID, &now
	}); err != nil {
		return nil, err
	}
	if h.DiscrepancyCents != 0 {
		err := tx.AddDiscrepancy(&CODDiscrepancyRecord{Code: DiscrepancyHandoverCount, CourierID: r.CourierID,
			HandoverID: h.HandoverID, AmountCents: total, DiscrepancyCents: h.DiscrepancyCents, At: now,
			Note: "cash counted at hand-over differs from the receipts' total"})
		if err != nil {
			return nil, err
		}
	}
	if err := publishCODBalance(tx, r.CourierID, now); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionCODHandover, h.HandoverID, now)
	e.Detail = fmt.Sprintf("courier %s, %d receipts, total %d, counted %d", r.CourierID, len(items), total, *r.CountedCents)
	return h, tx.Audit(e)
}

// moveAll moves each entry's custody as step says.
func moveAll(tx LedgerTx, items []*CODEntry, step func(e *CODEntry)) error {
	for _, e := range items {
		old := *e
		step(e)
		if err := tx.Move(&old, e); err != nil {
			return err
		}
	}
	return nil
}

// settleItems reads what a settlement moves: each receipt known, not
// reversed, handed over and not settled yet, else conflict.
func settleItems(tx LedgerTx, nos []string) ([]*CODEntry, error) {
	return readReceipts(tx, nos, func(no string, e *CODEntry) error {
		switch e.Status {
		case CODCollected:
			return Conflict("receipt " + no + ": not handed over yet")
		case CODSettled:
			return Conflict("receipt " + no + ": already settled")
		}
		return nil
	})
}

// SettleCOD decides money paid out to senders for handed-over receipts of
// one currency; every courier concerned sees their new balance.
func SettleCOD(tx LedgerTx, p Principal, r *SettlementRequest, now time.Time) (*Settlement, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	items, err := settleItems(tx, r.ReceiptNos)
	if err != nil {
		return nil, err
	}
	total, err := sumEntries(items, "settlement")
	if err != nil {
		return nil, err
	}
	s := &Settlement{ReceiptNos: r.ReceiptNos, Currency: items[0].Currency, TotalCents: total, Reference: r.Reference,
		By: p.UserID, At: now}
	if err := tx.InsertSettlement(s); err != nil {
		return nil, err
	}
	var couriers []string
	if err := moveAll(tx, items, func(e *CODEntry) {
		e.Status, e.SettlementID, e.SettledAt = CODSettled, s.SettlementID, &now
		if !slices.Contains(couriers, e.CourierID) {
			couriers = append(couriers, e.CourierID)
		}
	}); err != nil {
		return nil, err
	}
	for _, c := range couriers {
		if err := publishCODBalance(tx, c, now); err != nil {
			return nil, err
		}
	}
	e := NewEvent(p, ActionCODSettlement, s.SettlementID, now)
	e.Detail = fmt.Sprintf("%d receipts, total %d, reference %s", len(items), s.TotalCents, r.Reference)
	return s, tx.Audit(e)
}
