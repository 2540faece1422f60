package bolt

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// waybillLedger answers GET /v1/cod/ledger?waybill=: the waybill's rows
// (each receipt's entry, its reversal and its correction) found through
// the waybill index, filtered like any ledger page, with totals over every
// row of the filter, counted as every ledger total counts (a void row
// adds its amount, not a count). A parcel has a handful of rows, so they
// are gathered whole; the cursor is the last entry's sequence.
func (d *DB) waybillLedger(f server.LedgerFilter) (*server.LedgerPage, error) {
	var after uint64
	if f.Cursor != "" {
		n, err := strconv.ParseUint(f.Cursor, 10, 64)
		if err != nil {
			return nil, server.Invalid("cursor: malformed")
		}
		after = n
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	now := d.now()
	out := &server.LedgerPage{Entries: []server.LedgerEntry{}, Cursor: f.Cursor}
	err := d.db.View(func(tx *bbolt.Tx) error {
		l := d.ledger(tx)
		seqs, err := waybillEntrySeqs(tx, l, f.Waybill)
		if err != nil {
			return err
		}
		var sums server.CODSums
		for _, seq := range seqs {
			r, c, err := l.row(seq)
			if err != nil {
				return err
			}
			if r == nil {
				continue
			}
			e := l.entry(r, c)
			if !f.Matches(e, l.s, now) {
				continue
			}
			if !sums.AddEntry(e) {
				return errLedgerOverflow
			}
			if seq <= after {
				continue
			}
			if len(out.Entries) == limit {
				out.HasMore = true
				continue
			}
			out.Entries = append(out.Entries, e.View(l.s, now))
			out.Cursor = strconv.FormatUint(seq, 10)
		}
		out.Totals = sums.Totals(server.CODStatuses())
		return nil
	})
	return out, err
}

// waybillEntrySeqs returns the ledger entries of a waybill's receipts in
// sequence order.
func waybillEntrySeqs(tx *bbolt.Tx, l *ledger, waybill string) ([]uint64, error) {
	var seqs []uint64
	for _, no := range waybillRecords(tx, waybill)[wbCOD] {
		v := tx.Bucket(bucketCOD).Get(no)
		if v == nil {
			continue
		}
		var rec codRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return nil, err
		}
		_, c, err := l.row(rec.EntrySeq)
		if err != nil || c == nil {
			return nil, err
		}
		seqs = append(seqs, rec.EntrySeq)
		if c.ReversedBy != 0 {
			seqs = append(seqs, c.ReversedBy)
		}
		if live, _, err := l.live(string(no)); err != nil {
			return nil, err
		} else if live != nil {
			seqs = append(seqs, live.Seq)
		}
	}
	slices.Sort(seqs)
	return slices.Compact(seqs), nil
}
