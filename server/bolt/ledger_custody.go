package bolt

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// HandOver implements server.LedgerService. The whole check runs inside
// the single writer's transaction, so of two dispatchers confirming the
// same receipts one wins and the other finds them handed over (409).
func (d *DB) HandOver(ctx context.Context, p server.Principal, r *server.HandoverRequest) (*server.Handover, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Handover, error) {
		l := d.ledger(tx)
		ok, err := courierAccount(tx, r.CourierID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, syncproto.Errorf(syncproto.CodeUnprocessable, "courier_id: not a courier's account")
		}
		type picked struct {
			row *ledgerRow
			c   *custody
		}
		var items []picked
		if r.AllInHand {
			rows, cs, err := l.inHand(r.CourierID)
			if err != nil {
				return nil, err
			}
			for i := range rows {
				items = append(items, picked{rows[i], cs[i]})
			}
			if len(items) == 0 {
				return nil, server.Conflict("the courier holds no COD cash")
			}
		} else {
			for _, no := range r.ReceiptNos {
				row, c, err := l.live(no)
				if err != nil {
					return nil, err
				}
				switch {
				case row == nil:
					return nil, server.Conflict("receipt " + no + ": unknown")
				case row.void(c):
					return nil, server.Conflict("receipt " + no + ": reversed")
				case row.CourierID != r.CourierID:
					return nil, server.Conflict("receipt " + no + ": collected by another courier")
				case c.State != stCollected:
					return nil, server.Conflict("receipt " + no + ": already handed over")
				}
				items = append(items, picked{row, c})
			}
		}
		var total int64
		h := &server.Handover{CourierID: r.CourierID, CountedCents: *r.CountedCents, Note: r.Note, By: p.UserID, At: now,
			Currency: items[0].row.Currency, ReceiptNos: make([]string, 0, len(items))}
		for _, it := range items {
			if it.row.Currency != h.Currency {
				return nil, server.Invalid("receipt_nos: receipts of one currency per hand-over")
			}
			total += it.row.AmountCents
			h.ReceiptNos = append(h.ReceiptNos, it.row.ReceiptNo)
		}
		if r.ExpectedCents != nil && *r.ExpectedCents != total {
			return nil, server.Conflict(fmt.Sprintf("cash in hand is %d, not the expected %d: receipts changed since the count", total, *r.ExpectedCents))
		}
		hb := tx.Bucket(bucketLedgerHandovers)
		id, seq, err := nextRef(hb, "ho")
		if err != nil {
			return nil, err
		}
		h.HandoverID, h.TotalCents, h.DiscrepancyCents = id, total, *r.CountedCents-total
		for _, it := range items {
			it.c.HandoverID, it.c.HandedOverAt = id, &now
			if err := l.move(it.row, it.c, stHandedOver); err != nil {
				return nil, err
			}
			if err := l.putCustody(it.row.Seq, it.c); err != nil {
				return nil, err
			}
		}
		if err := putJSON(hb, u64(seq), h); err != nil {
			return nil, err
		}
		if h.DiscrepancyCents != 0 {
			err := l.addDiscrepancy(&server.CODDiscrepancyRecord{Code: server.DiscrepancyHandoverCount, CourierID: r.CourierID,
				HandoverID: id, AmountCents: total, DiscrepancyCents: h.DiscrepancyCents, At: now,
				Note: "cash counted at hand-over differs from the receipts' total"})
			if err != nil {
				return nil, err
			}
		}
		if err := l.publishBalance(r.CourierID, now); err != nil {
			return nil, err
		}
		e := server.NewEvent(p, server.ActionCODHandover, id, now)
		e.Detail = fmt.Sprintf("courier %s, %d receipts, total %d, counted %d", r.CourierID, len(items), total, *r.CountedCents)
		if err := appendEvent(tx, e); err != nil {
			return nil, err
		}
		return h, nil
	})
}

// inHand returns a courier's live entries in their hands, oldest first.
func (l *ledger) inHand(courier string) ([]*ledgerRow, []*custody, error) {
	idx := l.tx.Bucket(bucketLedgerIdx).Bucket([]byte(courier))
	if idx == nil {
		return nil, nil, nil
	}
	var (
		rows []*ledgerRow
		cs   []*custody
	)
	c := idx.Cursor()
	for k, v := c.Seek([]byte{stCollected}); k != nil && k[0] == stCollected; k, v = c.Next() {
		if _, flags, _ := decodeIdxValue(v); flags&flagVoid != 0 {
			continue
		}
		r, cu, err := l.row(beUint(k[9:]))
		if err != nil {
			return nil, nil, err
		}
		rows, cs = append(rows, r), append(cs, cu)
		if len(rows) > 10*server.MaxLedgerBatch {
			return nil, nil, server.Conflict("too many receipts in hand for one hand-over; list them in batches")
		}
	}
	return rows, cs, nil
}

// Settle implements server.LedgerService.
func (d *DB) Settle(ctx context.Context, p server.Principal, r *server.SettlementRequest) (*server.Settlement, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Settlement, error) {
		l := d.ledger(tx)
		rows := make([]*ledgerRow, len(r.ReceiptNos))
		cs := make([]*custody, len(r.ReceiptNos))
		for i, no := range r.ReceiptNos {
			row, c, err := l.live(no)
			if err != nil {
				return nil, err
			}
			switch {
			case row == nil:
				return nil, server.Conflict("receipt " + no + ": unknown")
			case row.void(c):
				return nil, server.Conflict("receipt " + no + ": reversed")
			case c.State == stCollected:
				return nil, server.Conflict("receipt " + no + ": not handed over yet")
			case c.State == stSettled:
				return nil, server.Conflict("receipt " + no + ": already settled")
			case i > 0 && row.Currency != rows[0].Currency:
				return nil, server.Invalid("receipt_nos: receipts of one currency per settlement")
			}
			rows[i], cs[i] = row, c
		}
		sb := tx.Bucket(bucketLedgerSettled)
		id, seq, err := nextRef(sb, "st")
		if err != nil {
			return nil, err
		}
		s := &server.Settlement{SettlementID: id, ReceiptNos: r.ReceiptNos, Currency: rows[0].Currency, Reference: r.Reference, By: p.UserID, At: now}
		var couriers []string
		for i, row := range rows {
			cs[i].SettlementID, cs[i].SettledAt = id, &now
			if err := l.move(row, cs[i], stSettled); err != nil {
				return nil, err
			}
			if err := l.putCustody(row.Seq, cs[i]); err != nil {
				return nil, err
			}
			s.TotalCents += row.AmountCents
			if !slices.Contains(couriers, row.CourierID) {
				couriers = append(couriers, row.CourierID)
			}
		}
		if err := putJSON(sb, u64(seq), s); err != nil {
			return nil, err
		}
		for _, c := range couriers {
			if err := l.publishBalance(c, now); err != nil {
				return nil, err
			}
		}
		e := server.NewEvent(p, server.ActionCODSettlement, id, now)
		e.Detail = fmt.Sprintf("%d receipts, total %d, reference %s", len(rows), s.TotalCents, r.Reference)
		if err := appendEvent(tx, e); err != nil {
			return nil, err
		}
		return s, nil
	})
}

// Reverse implements server.LedgerService. The wrong row stays; a reversal
// row negates it in the same custody state, and an optional correction row
// carries the right amount in that state, so the money's whereabouts do
// not change. A settled receipt cannot be reversed: that money has left.
func (d *DB) Reverse(ctx context.Context, p server.Principal, r *server.ReversalRequest) (*server.Reversal, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Reversal, error) {
		l := d.ledger(tx)
		row, c, err := l.live(r.ReceiptNo)
		if err != nil {
			return nil, err
		}
		switch {
		case row == nil:
			return nil, server.ErrNotFound
		case row.void(c):
			return nil, server.Conflict("receipt " + r.ReceiptNo + ": already reversed")
		case c.State == stSettled:
			return nil, server.Conflict("receipt " + r.ReceiptNo + ": already settled; a settled receipt cannot be reversed")
		}
		if r.CorrectedAmountCents != nil {
			if !l.room(*r.CorrectedAmountCents) {
				return nil, errLedgerFull // before anything is written: a refusal commits what was
			}
		}
		mirror := func() *custody {
			return &custody{State: c.State, HandoverID: c.HandoverID, HandedOverAt: c.HandedOverAt}
		}
		rev := &ledgerRow{Kind: server.EntryReversal, ReceiptNo: row.ReceiptNo, Waybill: row.Waybill, CourierID: row.CourierID,
			AmountCents: -row.AmountCents, Currency: row.Currency, Method: row.Method, CollectedAt: row.CollectedAt,
			WrittenAt: now, Reverses: row.Seq, Reason: r.Reason, By: p.UserID, Sender: row.Sender, Recipient: row.Recipient}
		if err := l.insert(rev, mirror()); err != nil {
			return nil, err
		}
		if err := l.markVoid(row, c, rev.Seq); err != nil {
			return nil, err
		}
		out := &server.Reversal{}
		if r.CorrectedAmountCents != nil {
			corr := &ledgerRow{Kind: server.EntryCorrection, ReceiptNo: row.ReceiptNo, Waybill: row.Waybill, CourierID: row.CourierID,
				AmountCents: *r.CorrectedAmountCents, Currency: row.Currency, Method: row.Method, CollectedAt: row.CollectedAt,
				WrittenAt: now, Reverses: row.Seq, Reason: r.Reason, By: p.UserID, Sender: row.Sender, Recipient: row.Recipient}
			pk, err := pickupOf(tx, row.Waybill)
			if err != nil {
				return nil, err
			}
			corr.Discrepancy = codDiscrepancy(pk, corr.AmountCents)
			cc := mirror()
			if err := l.insert(corr, cc); err != nil {
				return nil, err
			}
			if err := l.pointReceipt(row.ReceiptNo, corr.Seq); err != nil {
				return nil, err
			}
			v := l.view(corr, cc, now)
			out.Correction = &v
		}
		revC := mirror()
		out.Reversal = l.view(rev, revC, now)
		if err := l.publishBalance(row.CourierID, now); err != nil {
			return nil, err
		}
		e := server.NewEvent(p, server.ActionCODReversal, entryID(row.Seq), now)
		e.Detail = "receipt " + row.ReceiptNo + " reversed by " + entryID(rev.Seq) + ": " + r.Reason
		if out.Correction != nil {
			e.Detail += "; corrected to " + strconv.FormatInt(*r.CorrectedAmountCents, 10) + " by " + out.Correction.EntryID
		}
		return out, appendEvent(tx, e)
	})
}

// courierAccount reports whether id is a courier's account.
func courierAccount(tx *bbolt.Tx, id string) (bool, error) {
	seq, ok := userSeq(id)
	if !ok {
		return false, nil
	}
	u, err := getUser(tx, u64(seq))
	if err == server.ErrNotFound {
		return false, nil
	}
	return err == nil && u.Role == syncproto.RoleCourier, err
}
