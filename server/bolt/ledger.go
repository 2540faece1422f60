package bolt

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Buckets of the COD custody ledger. Rows are append-only; custody and the
// indexes beside them move. The ledger's decisions (custody, hand-overs,
// settlements, reversals, intake, deadlines, totals) are the server
// package's (ledgerflow.go, codintake.go, ledgerentry.go, ledgersums.go);
// these files store what they decide (ledger_tx.go).
//
//   - ledger_entries: u64(entry seq) → ledgerRow (JSON), never rewritten
//     (except that PurgeLedgerParties may blank the masked parties of rows
//     past their retention);
//   - ledger_custody: u64(entry seq) → custody (JSON); absent means
//     collected and live;
//   - ledger_receipts: receipt_no → u64(entry seq) of the receipt's live
//     row (the receipt, or its latest correction);
//   - ledger_idx: <scope>/ state(1) ‖ tkey(collected_at) ‖ u64(seq) →
//     amount(8) ‖ flags(1) ‖ courier id. Scope "*" holds every entry,
//     scope <courier id> that courier's;
//   - ledger_days: <scope>/ day(4) → ledgerAgg of the entries collected
//     that day (company time zone);
//   - ledger_balances: courier id (and "*") → ledgerAgg of all entries;
//   - ledger_open_months: month(4) ‖ courier id → count ‖ sum of live
//     entries not yet settled, by month of collection;
//   - ledger_closed_months: month(4) ‖ month(4) ‖ courier id → count ‖ sum
//     of live entries settled, by month of collection and of settlement;
//   - ledger_handovers, ledger_settlements, ledger_discrepancies: u64(seq)
//     → the record (JSON), append-only.
var (
	bucketLedgerRows      = []byte("ledger_entries")
	bucketLedgerCustody   = []byte("ledger_custody")
	bucketLedgerReceipts  = []byte("ledger_receipts")
	bucketLedgerIdx       = []byte("ledger_idx")
	bucketLedgerDays      = []byte("ledger_days")
	bucketLedgerBalances  = []byte("ledger_balances")
	bucketLedgerOpen      = []byte("ledger_open_months")
	bucketLedgerClosed    = []byte("ledger_closed_months")
	bucketLedgerHandovers = []byte("ledger_handovers")
	bucketLedgerSettled   = []byte("ledger_settlements")
	bucketLedgerDiscrep   = []byte("ledger_discrepancies")
)

// ledgerBuckets are the buckets of the COD custody ledger, and of the
// monthly report's indexes (report_index.go).
var ledgerBuckets = slices.Concat([][]byte{
	bucketLedgerRows, bucketLedgerCustody, bucketLedgerReceipts, bucketLedgerIdx, bucketLedgerDays,
	bucketLedgerBalances, bucketLedgerOpen, bucketLedgerClosed, bucketLedgerHandovers,
	bucketLedgerSettled, bucketLedgerDiscrep,
}, reportBuckets)

// scopeAll is the ledger scope of every courier.
const scopeAll = "*"

// Custody states as they sort in index keys.
const (
	stCollected  byte = 1
	stHandedOver byte = 2
	stSettled    byte = 3
)

var stateNames = [...]string{stCollected: server.CODCollected, stHandedOver: server.CODHandedOver, stSettled: server.CODSettled}

func stateByName(s string) byte {
	for i, n := range stateNames {
		if n == s && s != "" {
			return byte(i)
		}
	}
	return 0
}

// flagVoid marks an index value of a reversed entry or a reversal: the
// pair cancels out and moves no further.
const flagVoid byte = 1

// ledgerRow is one row of the ledger as stored.
type ledgerRow struct {
	Seq         uint64                 `json:"seq"`
	Kind        string                 `json:"kind"`
	ReceiptNo   string                 `json:"receipt_no"`
	Waybill     string                 `json:"waybill"`
	CourierID   string                 `json:"courier_id"`
	AmountCents int64                  `json:"amount_cents"`
	Currency    string                 `json:"currency"`
	Method      string                 `json:"method"`
	CollectedAt time.Time              `json:"collected_at"`
	WrittenAt   time.Time              `json:"written_at"`
	OpID        string                 `json:"op_id,omitempty"`
	Discrepancy *server.CODDiscrepancy `json:"discrepancy,omitempty"`
	Sender      *syncproto.Contact     `json:"sender,omitempty"`
	Recipient   *syncproto.Contact     `json:"recipient,omitempty"`
	Reverses    uint64                 `json:"reverses,omitempty"`
	Reason      string                 `json:"reason,omitempty"`
	By          string                 `json:"by,omitempty"`
	Purged      bool                   `json:"purged,omitempty"`
}

// custody is where an entry's money is.
type custody struct {
	State        byte       `json:"state"`
	HandoverID   string     `json:"handover_id,omitempty"`
	HandedOverAt *time.Time `json:"handed_over_at,omitempty"`
	SettlementID string     `json:"settlement_id,omitempty"`
	SettledAt    *time.Time `json:"settled_at,omitempty"`
	ReversedBy   uint64     `json:"reversed_by,omitempty"`
}

func entryID(seq uint64) string { return "le-" + strconv.FormatUint(seq, 10) }

func (r *ledgerRow) void(c *custody) bool { return server.CODVoid(r.Kind, c.ReversedBy != 0) }

// ledger runs ledger writes and reads inside one transaction.
type ledger struct {
	tx *bbolt.Tx
	s  server.Settings
}

func (d *DB) ledger(tx *bbolt.Tx) *ledger { return &ledger{tx: tx, s: d.opts.Settings} }

func (l *ledger) scopes(courier string) []string { return []string{scopeAll, courier} }

// row returns the row and custody of entry seq.
func (l *ledger) row(seq uint64) (*ledgerRow, *custody, error) {
	v := l.tx.Bucket(bucketLedgerRows).Get(u64(seq))
	if v == nil {
		return nil, nil, nil
	}
	r := new(ledgerRow)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, nil, err
	}
	c := &custody{State: stCollected}
	if cv := l.tx.Bucket(bucketLedgerCustody).Get(u64(seq)); cv != nil {
		if err := json.Unmarshal(cv, c); err != nil {
			return nil, nil, err
		}
	}
	return r, c, nil
}

// live returns the live row of a receipt number, or nil.
func (l *ledger) live(receiptNo string) (*ledgerRow, *custody, error) {
	v := l.tx.Bucket(bucketLedgerReceipts).Get([]byte(receiptNo))
	if v == nil {
		return nil, nil, nil
	}
	return l.row(binary.BigEndian.Uint64(v))
}

// insert appends a row in custody c and indexes it. void rows (reversals)
// add their amount to the sums but count nowhere.
func (l *ledger) insert(r *ledgerRow, c *custody) error {
	rows := l.tx.Bucket(bucketLedgerRows)
	seq, err := rows.NextSequence()
	if err != nil {
		return err
	}
	r.Seq = seq
	if err := putJSON(rows, u64(seq), r); err != nil {
		return err
	}
	if *c != (custody{State: stCollected}) { // absent means collected and live
		if err := putJSON(l.tx.Bucket(bucketLedgerCustody), u64(seq), c); err != nil {
			return err
		}
	}
	void := r.void(c)
	var flags byte
	count := int64(1)
	if void {
		flags, count = flagVoid, 0
	}
	day := dayKey(civilDay(r.CollectedAt, l.s.Location))
	for _, scope := range l.scopes(r.CourierID) {
		idx, err := l.tx.Bucket(bucketLedgerIdx).CreateBucketIfNotExists([]byte(scope))
		if err != nil {
			return err
		}
		idx.FillPercent = 0.9
		if err := idx.Put(idxKey(c.State, r.CollectedAt, seq), idxValue(r.AmountCents, flags, r.CourierID)); err != nil {
			return err
		}
		days, err := l.tx.Bucket(bucketLedgerDays).CreateBucketIfNotExists([]byte(scope))
		if err != nil {
			return err
		}
		if err := bumpAgg(days, day, c.State, count, r.AmountCents); err != nil {
			return err
		}
		if err := bumpAgg(l.tx.Bucket(bucketLedgerBalances), []byte(scope), c.State, count, r.AmountCents); err != nil {
			return err
		}
	}
	if void {
		return nil
	}
	if c.SettledAt != nil {
		return l.bumpClosed(r, *c.SettledAt, 1)
	}
	return l.bumpOpen(r, 1)
}

func (l *ledger) bumpOpen(r *ledgerRow, sign int64) error {
	key := append(u32(monthNum(r.CollectedAt, l.s.Location)), r.CourierID...)
	return bumpPair(l.tx.Bucket(bucketLedgerOpen), key, sign, sign*r.AmountCents)
}

func (l *ledger) bumpClosed(r *ledgerRow, closed time.Time, sign int64) error {
	key := append(append(u32(monthNum(r.CollectedAt, l.s.Location)), u32(monthNum(closed, l.s.Location))...), r.CourierID...)
	return bumpPair(l.tx.Bucket(bucketLedgerClosed), key, sign, sign*r.AmountCents)
}

// move changes a live row's custody state from c.State to to, updating
// c (which the caller fills and stores with putCustody). The monthly
// indexes follow the settlement: a c.SettledAt set moves the row from the
// open months to the closed ones.
func (l *ledger) move(r *ledgerRow, c *custody, to byte) error {
	from := c.State
	day := dayKey(civilDay(r.CollectedAt, l.s.Location))
	for _, scope := range l.scopes(r.CourierID) {
		idx := l.tx.Bucket(bucketLedgerIdx).Bucket([]byte(scope))
		if err := idx.Delete(idxKey(from, r.CollectedAt, r.Seq)); err != nil {
			return err
		}
		if err := idx.Put(idxKey(to, r.CollectedAt, r.Seq), idxValue(r.AmountCents, 0, r.CourierID)); err != nil {
			return err
		}
		days := l.tx.Bucket(bucketLedgerDays).Bucket([]byte(scope))
		if err := bumpAgg(days, day, from, -1, -r.AmountCents); err != nil {
			return err
		}
		if err := bumpAgg(days, day, to, 1, r.AmountCents); err != nil {
			return err
		}
		bal := l.tx.Bucket(bucketLedgerBalances)
		if err := bumpAgg(bal, []byte(scope), from, -1, -r.AmountCents); err != nil {
			return err
		}
		if err := bumpAgg(bal, []byte(scope), to, 1, r.AmountCents); err != nil {
			return err
		}
	}
	c.State = to
	if c.SettledAt != nil {
		if err := l.bumpOpen(r, -1); err != nil {
			return err
		}
		return l.bumpClosed(r, *c.SettledAt, 1)
	}
	return nil
}

// markVoid turns a live, unsettled row into a reversed one: it stays in
// its state and sums, but no longer counts and is no longer owed.
func (l *ledger) markVoid(r *ledgerRow, c *custody, reversal uint64) error {
	day := dayKey(civilDay(r.CollectedAt, l.s.Location))
	for _, scope := range l.scopes(r.CourierID) {
		idx := l.tx.Bucket(bucketLedgerIdx).Bucket([]byte(scope))
		if err := idx.Put(idxKey(c.State, r.CollectedAt, r.Seq), idxValue(r.AmountCents, flagVoid, r.CourierID)); err != nil {
			return err
		}
		if err := bumpAgg(l.tx.Bucket(bucketLedgerDays).Bucket([]byte(scope)), day, c.State, -1, 0); err != nil {
			return err
		}
		if err := bumpAgg(l.tx.Bucket(bucketLedgerBalances), []byte(scope), c.State, -1, 0); err != nil {
			return err
		}
	}
	c.ReversedBy = reversal
	if err := l.putCustody(r.Seq, c); err != nil {
		return err
	}
	return l.bumpOpen(r, -1)
}

func (l *ledger) putCustody(seq uint64, c *custody) error {
	return putJSON(l.tx.Bucket(bucketLedgerCustody), u64(seq), c)
}

func (l *ledger) pointReceipt(receiptNo string, seq uint64) error {
	return l.tx.Bucket(bucketLedgerReceipts).Put([]byte(receiptNo), u64(seq))
}

// sums returns the per-state sums of a scope (a courier, or scopeAll).
func (l *ledger) sums(scope string) server.CODSums {
	a := decodeAgg(l.tx.Bucket(bucketLedgerBalances).Get([]byte(scope)))
	return a.sums()
}

// balance returns a courier's balance at now.
func (l *ledger) balance(courier string, now time.Time) server.CODBalance {
	s := l.sums(courier)
	return s.Balance(courier, now)
}

// addDiscrepancy lists a discrepancy for good.
func (l *ledger) addDiscrepancy(rec *server.CODDiscrepancyRecord) error {
	b := l.tx.Bucket(bucketLedgerDiscrep)
	id, seq, err := nextRef(b, "dc")
	if err != nil {
		return err
	}
	rec.DiscrepancyID = id
	return putJSON(b, u64(seq), rec)
}

// view is the dispatcher's view of a row at now.
func (l *ledger) view(r *ledgerRow, c *custody, now time.Time) server.LedgerEntry {
	e := l.entry(r, c)
	return e.View(l.s, now)
}
