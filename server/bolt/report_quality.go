package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// qualityTally collects the figures of the company and of each courier.
type qualityTally struct {
	total      server.QualityFigures
	byCourier  map[string]*server.QualityFigures
	attention  map[string]bool // vehicles needing attention at as_of
	asOf       time.Time
	current    bool // as_of is now (the current month)
	month      uint32
	start, end time.Time
}

func (q *qualityTally) courier(id string) *server.QualityFigures {
	f := q.byCourier[id]
	if f == nil {
		f = &server.QualityFigures{}
		q.byCourier[id] = f
	}
	return f
}

// QualityReport implements server.ReportService. Every figure comes from an
// index: pickups and scores from the per-month counts (report_index.go),
// complaints from their received-at and deadline indexes, COD from the
// ledger's month cells (plus, for the current month, one month of open
// entries read one by one), vehicles from the registry.
func (d *DB) QualityReport(ctx context.Context, month string) (*server.QualityReport, error) {
	loc := d.opts.Settings.Location
	now := d.now()
	if month == "" {
		month = now.In(loc).Format("2006-01")
	}
	start, end, err := server.ParseMonth(month, loc)
	if err != nil {
		return nil, err
	}
	if start.After(now) {
		return nil, server.Invalid("month: in the future")
	}
	if err := d.RefreshReportIndex(ctx); err != nil {
		return nil, err
	}
	q := &qualityTally{byCourier: map[string]*server.QualityFigures{}, attention: map[string]bool{},
		asOf: end, month: monthNum(start, loc), start: start, end: end}
	if now.Before(end) {
		q.asOf, q.current = now, true
	}
	inspected := false
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		if inspected, err = d.countInspections(tx, q, month); err != nil {
			return err
		}
		if err := d.countClaims(tx, q); err != nil {
			return err
		}
		d.countPickupsAndScores(tx, q)
		d.countComplaints(tx, q)
		d.complaintsPastDue(tx, q)
		if err := d.codPastDue(tx, q); err != nil {
			return err
		}
		return d.vehiclesNeedingAttention(tx, q)
	})
	if err != nil {
		return nil, err
	}
	rep := &server.QualityReport{Month: month, QualityFigures: q.total, From: start, To: end, AsOf: q.asOf.In(loc),
		ByCourier: make([]server.CourierQuality, 0, len(q.byCourier)), InspectionMissing: !inspected}
	rep.Finish()
	for id, f := range q.byCourier {
		f.Finish()
		rep.ByCourier = append(rep.ByCourier, server.CourierQuality{CourierID: id, QualityFigures: *f})
	}
	slices.SortFunc(rep.ByCourier, func(a, b server.CourierQuality) int { return compareIDs(a.CourierID, b.CourierID) })
	return rep, nil
}

// compareIDs orders ids such as "u2" before "u10".
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return bytes.Compare([]byte(a), []byte(b))
}

func (d *DB) countPickupsAndScores(tx *bbolt.Tx, q *qualityTally) {
	prefix := u32(q.month)
	c := tx.Bucket(bucketReportPickups).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n := int64(binary.BigEndian.Uint64(v))
		q.total.Pickups += n
		q.courier(string(k[4:])).Pickups += n
	}
	c = tx.Bucket(bucketReportScores).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		scores, satisfied := decodePair(v)
		q.total.SatisfactionScores += scores
		q.total.SatisfiedScores += satisfied
		f := q.courier(string(k[4:]))
		f.SatisfactionScores += scores
		f.SatisfiedScores += satisfied
	}
}

// countComplaints counts complaints received in the month; one the
// courier was exempted from counts for the company only.
func (d *DB) countComplaints(tx *bbolt.Tx, q *qualityTally) {
	c := tx.Bucket(bucketComplaintReceived).Cursor()
	end := tkey(q.end)
	for k, v := c.Seek(tkey(q.start)); k != nil && bytes.Compare(k[:8], end) < 0; k, v = c.Next() {
		q.total.Complaints++
		if courier := string(v[1:]); courier != "" && v[0] == 0 {
			q.courier(courier).Complaints++
		}
	}
}

// complaintsPastDue counts complaints past due_by and not closed at as_of:
// the open ones due before it, and (for an earlier month) the ones closed
// after it.
func (d *DB) complaintsPastDue(tx *bbolt.Tx, q *qualityTally) {
	due := tx.Bucket(bucketComplaintDue)
	stop := tkey(q.asOf)
	count := func(v []byte) {
		q.total.ComplaintsPastDue++
		if courier := string(v[9:]); courier != "" && v[8] == 0 {
			q.courier(courier).ComplaintsPastDue++
		}
	}
	for _, st := range openComplaintStatuses {
		c := due.Cursor()
		for k, v := c.Seek([]byte{st}); k != nil && k[0] == st && bytes.Compare(k[1:9], stop) < 0; k, v = c.Next() {
			count(v)
		}
	}
	if q.current {
		return
	}
	c := due.Cursor()
	for k, v := c.Seek([]byte{complaintClosedByte}); k != nil && k[0] == complaintClosedByte && bytes.Compare(k[1:9], stop) < 0; k, v = c.Next() {
		if bytes.Compare(v[:8], stop) > 0 {
			count(v)
		}
	}
}

// codPastDue counts receipts past due_by and not settled at as_of. A
// deadline falls in the month CODDueMonths after collection, so for an
// earlier month (as_of = its end) that is every live entry collected up to
// CODDueMonths before it and settled after it, or not yet: the month cells
// say. For the current month the collection month whose deadlines fall in
// it is read entry by entry against now.
func (d *DB) codPastDue(tx *bbolt.Tx, q *qualityTally) error {
	count := func(courier string, n, cents int64) {
		q.total.CODPastDueCount += n
		q.total.CODPastDueCents = saturatingAdd(q.total.CODPastDueCents, cents)
		f := q.courier(courier)
		f.CODPastDueCount += n
		f.CODPastDueCents = saturatingAdd(f.CODPastDueCents, cents)
	}
	last := q.month - uint32(d.opts.Settings.CODDueMonths) // collected in or before: due by the month's end
	if q.current {
		last-- // the month "last" is due this month: read below
	}
	c := tx.Bucket(bucketLedgerOpen).Cursor()
	for k, v := c.First(); k != nil && binary.BigEndian.Uint32(k) <= last; k, v = c.Next() {
		n, cents := decodePair(v)
		count(string(k[4:]), n, cents)
	}
	if !q.current {
		c = tx.Bucket(bucketLedgerClosed).Cursor()
		for k, v := c.First(); k != nil && binary.BigEndian.Uint32(k) <= last; k, v = c.Next() {
			if binary.BigEndian.Uint32(k[4:8]) > q.month {
				n, cents := decodePair(v)
				count(string(k[8:]), n, cents)
			}
		}
		return nil
	}
	idx := tx.Bucket(bucketLedgerIdx).Bucket([]byte(scopeAll))
	if idx == nil {
		return nil
	}
	l := d.ledger(tx)
	loc := d.opts.Settings.Location
	from, to := tkey(monthStart(last+1, loc)), tkey(monthStart(last+2, loc))
	for _, st := range []byte{stCollected, stHandedOver} {
		c := idx.Cursor()
		for k, v := c.Seek(append([]byte{st}, from...)); k != nil && k[0] == st && bytes.Compare(k[1:9], to) < 0; k, v = c.Next() {
			amount, flags, courier := decodeIdxValue(v)
			if flags&flagVoid != 0 || !l.due(fromTkey(k[1:9])).Before(q.asOf) {
				continue
			}
			count(courier, 1, amount)
		}
	}
	return nil
}

// vehiclesNeedingAttention counts vehicles that needed attention at as_of;
// a courier's line counts those of them the courier logged in the month.
func (d *DB) vehiclesNeedingAttention(tx *bbolt.Tx, q *qualityTally) error {
	err := tx.Bucket(bucketVehicles).ForEach(func(k, val []byte) error {
		var v vehicleRecord
		if err := json.Unmarshal(val, &v); err != nil {
			return err
		}
		if !v.KnownAt(firstLog(tx, v.VehicleID), q.asOf) {
			return nil
		}
		view, err := d.vehicleAt(tx, &v, q.asOf, q.current)
		if err != nil {
			return err
		}
		if len(view.Reasons) > 0 {
			q.total.VehiclesNeedingAttention++
			q.attention[v.VehicleID] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	prefix := u32(q.month)
	c := tx.Bucket(bucketVehicleDrivers).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		courier, vehicle, ok := bytes.Cut(k[4:], []byte{0})
		if ok && q.attention[string(vehicle)] {
			q.courier(string(courier)).VehiclesNeedingAttention++
		}
	}
	return nil
}

var _ server.ReportService = (*DB)(nil)
