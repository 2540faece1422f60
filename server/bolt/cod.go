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

// codReceipt records a receipt as server.RecordCODReceipt decides, in the
// push's transaction: its ledger entry (collected at the op's recorded_at,
// or when that lies after the server received the op, at the time
// judgeTimes put in its place), any discrepancy, the courier's new balance
// in their feed, then the receipt's record and its waybill index.
func (a *applier) codReceipt(po *pendingOp, p *syncproto.CODReceipt) (string, []string, *syncproto.Error, error) {
	in, rej, err := server.RecordCODReceipt(a.db.ledgerTx(a.tx), a.courier, po.op.OpID, p, po.effective, a.now)
	if err != nil || rej != nil {
		return "", nil, rej, err
	}
	b := a.tx.Bucket(bucketCOD)
	ref, _, err := nextRef(b, "cod")
	if err != nil {
		return "", nil, nil, err
	}
	if err := indexWaybill(a.tx, p.Waybill, wbCOD, []byte(p.ReceiptNo)); err != nil {
		return "", nil, nil, err
	}
	rec := &codRecord{recordMeta: a.meta(po, ref, in.Flags...), Receipt: p, Discrepancy: in.Discrepancy,
		EntrySeq: entrySeq(in.Entry.EntryID)}
	return ref, in.Flags, nil, putJSON(b, []byte(p.ReceiptNo), rec)
}

// pickupOf returns the pickup of a waybill, or nil.
func pickupOf(tx *bbolt.Tx, waybill string) (*pickupRecord, error) {
	v := tx.Bucket(bucketPickups).Get([]byte(waybill))
	if v == nil {
		return nil, nil
	}
	return decodePickup(v)
}
