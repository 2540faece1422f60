package bolt

import (
	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// ledgerTx is the COD ledger's view of one write transaction: it
// implements server.LedgerTx and server.CODIntakeTx (the rules are in
// server/ledgerflow.go and server/codintake.go; this file only stores).
type ledgerTx struct{ *ledger }

func (d *DB) ledgerTx(tx *bbolt.Tx) ledgerTx { return ledgerTx{d.ledger(tx)} }

var (
	_ server.LedgerTx    = ledgerTx{}
	_ server.CODIntakeTx = ledgerTx{}
)

// entrySeq returns the sequence of entry id "le-N", 0 if malformed.
func entrySeq(id string) uint64 {
	n, _ := idSeq(id, "le-")
	return n
}

// entry is a stored row and its custody as the rules see them.
func (l *ledger) entry(r *ledgerRow, c *custody) *server.CODEntry {
	e := &server.CODEntry{LedgerEntry: server.LedgerEntry{EntryID: entryID(r.Seq), Kind: r.Kind, ReceiptNo: r.ReceiptNo,
		Waybill: r.Waybill, CourierID: r.CourierID, AmountCents: r.AmountCents, Currency: r.Currency, Method: r.Method,
		CollectedAt: r.CollectedAt, Status: stateNames[c.State], Discrepancy: r.Discrepancy, Sender: r.Sender,
		Recipient: r.Recipient, HandoverID: c.HandoverID, HandedOverAt: c.HandedOverAt, SettlementID: c.SettlementID,
		SettledAt: c.SettledAt, Reason: r.Reason, RecordedBy: r.By}, WrittenAt: r.WrittenAt, OpID: r.OpID}
	if r.Reverses != 0 {
		e.Reverses = entryID(r.Reverses)
	}
	if c.ReversedBy != 0 {
		e.ReversedBy = entryID(c.ReversedBy)
	}
	return e
}

// stored is an entry as stored: its row and its custody.
func stored(e *server.CODEntry) (*ledgerRow, *custody) {
	r := &ledgerRow{Seq: entrySeq(e.EntryID), Kind: e.Kind, ReceiptNo: e.ReceiptNo, Waybill: e.Waybill,
		CourierID: e.CourierID, AmountCents: e.AmountCents, Currency: e.Currency, Method: e.Method,
		CollectedAt: e.CollectedAt, WrittenAt: e.WrittenAt, OpID: e.OpID, Discrepancy: e.Discrepancy, Sender: e.Sender,
		Recipient: e.Recipient, Reverses: entrySeq(e.Reverses), Reason: e.Reason, By: e.RecordedBy}
	c := &custody{State: stateByName(e.Status), HandoverID: e.HandoverID, HandedOverAt: e.HandedOverAt,
		SettlementID: e.SettlementID, SettledAt: e.SettledAt, ReversedBy: entrySeq(e.ReversedBy)}
	return r, c
}

// IsCourier implements server.LedgerTx.
func (l ledgerTx) IsCourier(id string) (bool, error) { return courierAccount(l.tx, id) }

// Entry implements server.LedgerTx.
func (l ledgerTx) Entry(receiptNo string) (*server.CODEntry, error) {
	r, c, err := l.live(receiptNo)
	if err != nil || r == nil {
		return nil, err
	}
	return l.entry(r, c), nil
}

// LiveEntries implements server.LedgerTx: the courier's scope of the
// index, the status's part of it, skipping void entries by their flag.
func (l ledgerTx) LiveEntries(courierID, status string, max int) ([]*server.CODEntry, error) {
	idx := l.tx.Bucket(bucketLedgerIdx).Bucket([]byte(courierID))
	st := stateByName(status)
	if idx == nil || st == 0 {
		return nil, nil
	}
	var out []*server.CODEntry
	c := idx.Cursor()
	for k, v := c.Seek([]byte{st}); k != nil && k[0] == st && len(out) < max; k, v = c.Next() {
		if _, flags, _ := decodeIdxValue(v); flags&flagVoid != 0 {
			continue
		}
		r, cu, err := l.row(beUint(k[9:]))
		if err != nil {
			return nil, err
		}
		out = append(out, l.entry(r, cu))
	}
	return out, nil
}

// Sums implements server.LedgerTx.
func (l ledgerTx) Sums(courierID string) (server.CODSums, error) {
	if courierID == "" {
		courierID = scopeAll
	}
	return l.sums(courierID), nil
}

// Insert implements server.LedgerTx.
func (l ledgerTx) Insert(e *server.CODEntry) error {
	r, c := stored(e)
	if err := l.insert(r, c); err != nil {
		return err
	}
	e.EntryID = entryID(r.Seq)
	return nil
}

// PointReceipt implements server.LedgerTx.
func (l ledgerTx) PointReceipt(e *server.CODEntry) error {
	return l.pointReceipt(e.ReceiptNo, entrySeq(e.EntryID))
}

// Move implements server.LedgerTx: the indexes follow the row from old's
// state to e's, and e's custody is stored.
func (l ledgerTx) Move(old, e *server.CODEntry) error {
	r, c := stored(e)
	to := c.State
	c.State = stateByName(old.Status)
	if err := l.move(r, c, to); err != nil {
		return err
	}
	return l.putCustody(r.Seq, c)
}

// MarkReversed implements server.LedgerTx.
func (l ledgerTx) MarkReversed(e *server.CODEntry) error {
	r, c := stored(e)
	return l.markVoid(r, c, c.ReversedBy)
}

// InsertHandover implements server.LedgerTx.
func (l ledgerTx) InsertHandover(h *server.Handover) error {
	b := l.tx.Bucket(bucketLedgerHandovers)
	id, seq, err := nextRef(b, "ho")
	if err != nil {
		return err
	}
	h.HandoverID = id
	return putJSON(b, u64(seq), h)
}

// InsertSettlement implements server.LedgerTx.
func (l ledgerTx) InsertSettlement(s *server.Settlement) error {
	b := l.tx.Bucket(bucketLedgerSettled)
	id, seq, err := nextRef(b, "st")
	if err != nil {
		return err
	}
	s.SettlementID = id
	return putJSON(b, u64(seq), s)
}

// AddDiscrepancy implements server.LedgerTx.
func (l ledgerTx) AddDiscrepancy(r *server.CODDiscrepancyRecord) error { return l.addDiscrepancy(r) }

// PublishBalance implements server.LedgerTx.
func (l ledgerTx) PublishBalance(b *server.CODBalance) error {
	return appendChange(l.tx, b.CourierID, server.ChangeCODBalance, b)
}

// Pickup implements server.LedgerTx.
func (l ledgerTx) Pickup(waybill string) (*server.CODPickup, error) {
	pk, err := pickupOf(l.tx, waybill)
	if err != nil || pk == nil {
		return nil, err
	}
	s, r := pk.Sender.contact(), pk.Recipient.contact()
	out := &server.CODPickup{Sender: &s, Recipient: &r}
	if pk.Pickup != nil {
		out.ExpectedCents = pk.Pickup.CODAmountCents
	}
	return out, nil
}

// Audit implements server.LedgerTx.
func (l ledgerTx) Audit(e server.AuditEvent) error { return appendEvent(l.tx, e) }

// ReceiptKnown implements server.CODIntakeTx.
func (l ledgerTx) ReceiptKnown(receiptNo string) (bool, error) {
	return l.tx.Bucket(bucketCOD).Get([]byte(receiptNo)) != nil, nil
}

// NoteCollection implements server.CODIntakeTx.
func (l ledgerTx) NoteCollection(waybill, receiptNo string) (bool, error) {
	return noteCollection(l.tx, waybill, receiptNo)
}
