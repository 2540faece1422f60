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
// scope's index in collection order. Neither reads the whole ledger.
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
	states := []byte{stCollected, stHandedOver, stSettled}
	if f.Status != "" {
		states = []byte{stateByName(f.Status)}
	}
	if f.Overdue {
		states = removeByte(states, stSettled)
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
		agg, err := l.totals(scope, states, f.From, f.To, f.Overdue, now)
		if err != nil {
			return err
		}
		out.Totals = totalsOf(&agg, states)
		return l.page(out, scope, states, &f, pos, now)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func removeByte(list []byte, b byte) []byte {
	return bytes.ReplaceAll(list, []byte{b}, nil)
}

// overdueDay reports whether every entry collected on day is overdue at
// now (all), or none is (none); otherwise entries must be looked at one by
// one. Deadlines never run backwards across days, so once a day has none
// overdue, no later day has.
func (l *ledger) overdueDay(start, end, now time.Time) (all, none bool) {
	if !l.due(start).Before(now) {
		return false, true
	}
	return l.due(end.Add(-time.Nanosecond)).Before(now), false
}

// totals sums the entries of scope in states collected in [from, to)
// (zero: unbounded), only those past due at now when overdue is set.
func (l *ledger) totals(scope string, states []byte, from, to time.Time, overdue bool, now time.Time) (ledgerAgg, error) {
	var a ledgerAgg
	days := l.tx.Bucket(bucketLedgerDays).Bucket([]byte(scope))
	idx := l.tx.Bucket(bucketLedgerIdx).Bucket([]byte(scope))
	if days == nil {
		return a, nil
	}
	c := days.Cursor()
	var k, v []byte
	if from.IsZero() {
		k, v = c.First()
	} else {
		k, v = c.Seek(dayKey(civilDay(from, l.s.Location)))
	}
	for ; k != nil; k, v = c.Next() {
		ds, de := dayBounds(dayOfKey(k), l.s.Location)
		if !to.IsZero() && !ds.Before(to) {
			break
		}
		lo, hi, partial := ds, de, false
		if !from.IsZero() && from.After(lo) {
			lo, partial = from, true
		}
		if !to.IsZero() && to.Before(hi) {
			hi, partial = to, true
		}
		if overdue {
			all, none := l.overdueDay(ds, de, now)
			if none {
				break
			}
			partial = partial || !all
		}
		if !partial {
			day := decodeAgg(v)
			for _, st := range states {
				a.add(st, day.count(st), day.sum(st))
			}
			continue
		}
		for _, st := range states {
			ic := idx.Cursor()
			end := tkey(hi)
			for ik, iv := ic.Seek(append([]byte{st}, tkey(lo)...)); ik != nil && ik[0] == st && bytes.Compare(ik[1:9], end) < 0; ik, iv = ic.Next() {
				if overdue && !l.due(fromTkey(ik[1:9])).Before(now) {
					continue
				}
				amount, flags, _ := decodeIdxValue(iv)
				count := int64(1)
				if flags&flagVoid != 0 {
					count = 0
				}
				a.add(st, count, amount)
			}
		}
	}
	return a, nil
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
				if _, none := l.overdueDay(ds, de, now); none {
					return false, nil
				}
			}
			if _, flags, _ := decodeIdxValue(v); flags&flagVoid != 0 || !l.due(collected).Before(now) {
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
