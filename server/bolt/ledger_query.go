package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// ListLedger implements server.LedgerService. Totals come from the per-day
// sums of the scope (every courier, or one), with only the days cut by
// from, to or the overdue line read entry by entry; the page walks the
// scope's index in collection order. Neither reads the whole ledger. Which
// statuses and entries the filter keeps is the filter's (server) decision.
func (d *DB) ListLedger(ctx context.Context, f server.LedgerFilter) (*server.LedgerPage, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	if f.Waybill != "" {
		return d.waybillLedger(f)
	}
	pos, ok := decodePos(f.Cursor, 16)
	if !ok {
		return nil, server.Invalid("cursor: malformed")
	}
	names := f.Statuses()
	states := make([]byte, len(names))
	for i, n := range names {
		states[i] = stateByName(n)
	}
	scope := scopeAll
	if f.CourierID != "" {
		scope = f.CourierID
	}
	now := d.now()
	out := &server.LedgerPage{Entries: []server.LedgerEntry{}, Cursor: f.Cursor}
	err := d.db.View(func(tx *bbolt.Tx) error {
		l := d.ledger(tx)
		if len(states) == 0 || tx.Bucket(bucketLedgerIdx).Bucket([]byte(scope)) == nil {
			return nil
		}
		agg, err := l.totals(scope, states, &f, now)
		if err != nil {
			return err
		}
		sums := agg.sums()
		out.Totals = sums.Totals(names)
		return l.page(out, scope, states, &f, pos, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// overdue reports whether an index entry (state st, collected at t, void
// or not) is past due at now.
func (l *ledger) overdue(st byte, void bool, t, now time.Time) bool {
	return server.CODOverdue(l.s, stateNames[st], void, t, now)
}

// totals sums the entries of scope in states collected in the filter's
// [from, to) (zero: unbounded), only those past due at now when it asks
// for overdue ones: whole days from the day sums, cut days entry by entry.
func (l *ledger) totals(scope string, states []byte, f *server.LedgerFilter, now time.Time) (ledgerAgg, error) {
	var a ledgerAgg
	days := l.tx.Bucket(bucketLedgerDays).Bucket([]byte(scope))
	if days == nil {
		return a, nil
	}
	c := days.Cursor()
	var k, v []byte
	if f.From.IsZero() {
		k, v = c.First()
	} else {
		k, v = c.Seek(dayKey(civilDay(f.From, l.s.Location)))
	}
	for ; k != nil; k, v = c.Next() {
		ds, de := dayBounds(dayOfKey(k), l.s.Location)
		if !f.To.IsZero() && !ds.Before(f.To) {
			break
		}
		lo, hi, partial := ds, de, false
		if !f.From.IsZero() && f.From.After(lo) {
			lo, partial = f.From, true
		}
		if !f.To.IsZero() && f.To.Before(hi) {
			hi, partial = f.To, true
		}
		if f.Overdue {
			all, none := server.CODOverdueDay(l.s, ds, de, now)
			if none {
				break
			}
			partial = partial || !all
		}
		var err error
		if partial {
			err = l.sumPart(&a, scope, states, lo, hi, f.Overdue, now)
		} else {
			day := decodeAgg(v)
			for _, st := range states {
				if err = a.add(st, day.count(st), day.sum(st)); err != nil {
					break
				}
			}
		}
		if err != nil {
			return a, err
		}
	}
	return a, nil
}

// sumPart adds to a the index entries of scope in states collected in
// [lo, hi), only those past due at now when overdue is set.
func (l *ledger) sumPart(a *ledgerAgg, scope string, states []byte, lo, hi time.Time, overdue bool, now time.Time) error {
	idx := l.tx.Bucket(bucketLedgerIdx).Bucket([]byte(scope))
	end := tkey(hi)
	for _, st := range states {
		ic := idx.Cursor()
		for ik, iv := ic.Seek(append([]byte{st}, tkey(lo)...)); ik != nil && ik[0] == st && bytes.Compare(ik[1:9], end) < 0; ik, iv = ic.Next() {
			amount, flags, _ := decodeIdxValue(iv)
			void := flags&flagVoid != 0
			if overdue && !l.overdue(st, false, fromTkey(ik[1:9]), now) {
				continue
			}
			count := int64(1)
			if void {
				count = 0
			}
			if err := a.add(st, count, amount); err != nil {
				return err
			}
		}
	}
	return nil
}

// page fills out with one page of entries in collection order.
func (l *ledger) page(out *server.LedgerPage, scope string, states []byte, f *server.LedgerFilter, pos []byte, now time.Time) error {
	idx := l.tx.Bucket(bucketLedgerIdx).Bucket([]byte(scope))
	from, after := pos, pos != nil
	if !after && !f.From.IsZero() {
		from = tkey(f.From)
	}
	var end []byte
	if !f.To.IsZero() {
		end = tkey(f.To)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var lastDay int64 = -1 << 62
	return mergeScan(idx, states, from, after, func(k, v []byte) (bool, error) {
		if end != nil && bytes.Compare(k[1:9], end) >= 0 {
			return false, nil
		}
		collected := fromTkey(k[1:9])
		if f.Overdue {
			if day := civilDay(collected, l.s.Location); day != lastDay {
				lastDay = day
				ds, de := dayBounds(day, l.s.Location)
				if _, none := server.CODOverdueDay(l.s, ds, de, now); none {
					return false, nil
				}
			}
			if _, flags, _ := decodeIdxValue(v); !l.overdue(k[0], flags&flagVoid != 0, collected, now) {
				return true, nil
			}
		}
		if len(out.Entries) == limit {
			out.HasMore = true
			return false, nil
		}
		r, c, err := l.row(beUint(k[9:17]))
		if err != nil {
			return false, err
		}
		if r == nil {
			return true, nil
		}
		out.Entries = append(out.Entries, l.view(r, c, now))
		out.Cursor = encodePos(k[1:17])
		return true, nil
	})
}

// CODBalances implements server.LedgerService.
func (d *DB) CODBalances(ctx context.Context, courierID, cursor string, limit int) (*server.CODBalanceList, error) {
	now := d.now()
	out := &server.CODBalanceList{Balances: []server.CODBalance{}, Cursor: cursor}
	err := d.db.View(func(tx *bbolt.Tx) error {
		l := d.ledger(tx)
		if courierID != "" {
			if tx.Bucket(bucketLedgerBalances).Get([]byte(courierID)) != nil {
				out.Balances = append(out.Balances, l.balance(courierID, now))
			}
			return nil
		}
		c := tx.Bucket(bucketLedgerBalances).Cursor()
		k, _ := c.Seek([]byte(cursor))
		if cursor != "" && string(k) == cursor {
			k, _ = c.Next()
		}
		for ; k != nil; k, _ = c.Next() {
			if string(k) == scopeAll {
				continue
			}
			if len(out.Balances) == limit {
				out.HasMore = true
				break
			}
			out.Balances = append(out.Balances, l.balance(string(k), now))
			out.Cursor = string(k)
		}
		return nil
	})
	return out, err
}

// ListCODDiscrepancies implements server.LedgerService.
func (d *DB) ListCODDiscrepancies(ctx context.Context, courierID, cursor string, limit int) (*server.CODDiscrepancyList, error) {
	var after uint64
	if cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			return nil, server.Invalid("cursor: malformed")
		}
		after = n
	}
	out := &server.CODDiscrepancyList{Discrepancies: []server.CODDiscrepancyRecord{}}
	last := after
	err := d.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketLedgerDiscrep).Cursor()
		scanned := 0
		for k, v := c.Seek(u64(after + 1)); k != nil; k, v = c.Next() {
			if len(out.Discrepancies) == limit || scanned == maxScan {
				out.HasMore = true
				break
			}
			scanned++
			last = beUint(k)
			var r server.CODDiscrepancyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if courierID != "" && r.CourierID != courierID {
				continue
			}
			out.Discrepancies = append(out.Discrepancies, r)
		}
		return nil
	})
	out.Cursor = strconv.FormatUint(last, 10)
	return out, err
}

var _ server.LedgerService = (*DB)(nil)
