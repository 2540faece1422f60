package bolt

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Discrepancy is a COD receipt that does not match what was expected.
type Discrepancy = server.CODDiscrepancy

// codRecord is a stored COD receipt, keyed by receipt number. Its money
// lives in the ledger as entry EntrySeq.
type codRecord struct {
	recordMeta
	Receipt     *syncproto.CODReceipt `json:"receipt"`
	Discrepancy *Discrepancy          `json:"discrepancy,omitempty"`
	EntrySeq    uint64                `json:"entry_seq"`
}

// codReceipt records a receipt and, in the same transaction, its ledger
// entry (collected at the op's recorded_at, or when that lies after the
// server received the op, at the time judgeTimes put in its place; in the
// courier's hands), any
// discrepancy, and the courier's new balance in their feed.
func (a *applier) codReceipt(po *pendingOp, p *syncproto.CODReceipt) (string, []string, *syncproto.Error, error) {
	b := a.tx.Bucket(bucketCOD)
	if b.Get([]byte(p.ReceiptNo)) != nil {
		return "", nil, syncproto.Errorf(syncproto.CodeDuplicateReceipt, "receipt_no already recorded"), nil
	}
	l := a.db.ledger(a.tx)
	if !l.room(p.AmountCents) {
		return "", nil, errLedgerOverflow.rejection(), nil
	}
	ref, _, err := nextRef(b, "cod")
	if err != nil {
		return "", nil, nil, err
	}
	pk, err := pickupOf(a.tx, p.Waybill)
	if err != nil {
		return "", nil, nil, err
	}
	disc := codDiscrepancy(pk, p.AmountCents)
	if dup, err := noteCollection(a.tx, p.Waybill, p.ReceiptNo); err != nil {
		return "", nil, nil, err
	} else if dup {
		disc = server.DuplicateCollection()
	}
	var flags []string
	if disc != nil {
		flags = []string{"cod_discrepancy"}
	}
	row := &ledgerRow{Kind: server.EntryReceipt, ReceiptNo: p.ReceiptNo, Waybill: p.Waybill, CourierID: a.courier,
		AmountCents: p.AmountCents, Currency: p.Currency, Method: p.Method, CollectedAt: po.effective,
		WrittenAt: a.now, OpID: po.op.OpID, Discrepancy: disc}
	if pk != nil {
		s, r := pk.Sender.contact(), pk.Recipient.contact()
		row.Sender, row.Recipient = &s, &r
	}
	if err := l.insert(row, &custody{State: stCollected}); err != nil {
		return "", nil, nil, err
	}
	if err := l.pointReceipt(p.ReceiptNo, row.Seq); err != nil {
		return "", nil, nil, err
	}
	if disc != nil {
		err := l.addDiscrepancy(&server.CODDiscrepancyRecord{Code: disc.Code, CourierID: a.courier, ReceiptNo: p.ReceiptNo,
			Waybill: p.Waybill, AmountCents: p.AmountCents, ExpectedCents: disc.ExpectedCents,
			DiscrepancyCents: discrepancyCents(disc, p.AmountCents), At: a.now, Note: disc.Note})
		if err != nil {
			return "", nil, nil, err
		}
	}
	if err := l.publishBalance(a.courier, a.now); err != nil {
		return "", nil, nil, err
	}
	if err := indexWaybill(a.tx, p.Waybill, wbCOD, []byte(p.ReceiptNo)); err != nil {
		return "", nil, nil, err
	}
	rec := &codRecord{recordMeta: a.meta(po, ref, flags...), Receipt: p, Discrepancy: disc, EntrySeq: row.Seq}
	return ref, flags, nil, putJSON(b, []byte(p.ReceiptNo), rec)
}

// pickupOf returns the pickup of a waybill, or nil.
func pickupOf(tx *bbolt.Tx, waybill string) (*pickupRecord, error) {
	v := tx.Bucket(bucketPickups).Get([]byte(waybill))
	if v == nil {
		return nil, nil
	}
	return decodePickup(v)
}

// codDiscrepancy compares a receipt with its waybill's pickup (nil when
// none is recorded). The money was collected either way: a mismatch is
// flagged, never refused.
func codDiscrepancy(pk *pickupRecord, amount int64) *Discrepancy {
	if pk == nil {
		return &Discrepancy{Code: server.DiscrepancyUnknownWaybill, Note: "no pickup recorded for this waybill yet"}
	}
	if pk.Pickup == nil || pk.Pickup.CODAmountCents == nil {
		return nil
	}
	if want := *pk.Pickup.CODAmountCents; want != amount {
		return &Discrepancy{Code: server.DiscrepancyAmountMismatch, ExpectedCents: &want, Note: "amount differs from the pickup's COD amount"}
	}
	return nil
}

func discrepancyCents(d *Discrepancy, amount int64) int64 {
	if d.ExpectedCents == nil {
		return 0
	}
	return amount - *d.ExpectedCents
}
