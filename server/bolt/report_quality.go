package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// QualityReport implements server.ReportService. Every figure comes from an
// index: pickups and scores from the per-month counts (report_index.go),
// complaints from their received-at and deadline indexes, COD from the
// ledger's month cells (plus, for the current month, one month of open
// entries read one by one), vehicles from the registry. A
// server.QualityTally decides what each fact counts for.
func (d *DB) QualityReport(ctx context.Context, month string) (*server.QualityReport, error) {
	loc := d.opts.Settings.Location
	q, err := server.NewQualityTally(month, d.now(), loc)
	if err != nil {
		return nil, err
	}
	if err := d.RefreshReportIndex(ctx); err != nil {
		return nil, err
	}
	inspected := false
	err = d.db.View(func(tx *bbolt.Tx) error {
		var err error
		if inspected, err = countInspections(tx, q); err != nil {
			return err
		}
		if err := countClaims(tx, q); err != nil {
			return err
		}
		countPickupsAndScores(tx, q)
		countComplaints(tx, q)
		complaintsPastDue(tx, q)
		if err := d.codPastDue(tx, q); err != nil {
			return err
		}
		return d.vehiclesNeedingAttention(tx, q)
	})
	if err != nil {
		return nil, err
	}
	return q.Report(inspected, loc), nil
}

// reportMonth is the key prefix of the report's month in the month cells.
func reportMonth(q *server.QualityTally) []byte {
	return u32(uint32(server.MonthIndex(q.Start, q.Start.Location())))
}

func countPickupsAndScores(tx *bbolt.Tx, q *server.QualityTally) {
	prefix := reportMonth(q)
	c := tx.Bucket(bucketReportPickups).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		q.AddPickups(string(k[4:]), int64(binary.BigEndian.Uint64(v)))
	}
	c = tx.Bucket(bucketReportScores).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		scores, satisfied := decodePair(v)
		q.AddScores(string(k[4:]), scores, satisfied)
	}
}

// countComplaints hands over the complaints received in the month: the
// index value is exempt(1) ‖ courier id.
func countComplaints(tx *bbolt.Tx, q *server.QualityTally) {
	c := tx.Bucket(bucketComplaintReceived).Cursor()
	end := tkey(q.End)
	for k, v := c.Seek(tkey(q.Start)); k != nil && bytes.Compare(k[:8], end) < 0; k, v = c.Next() {
		q.AddComplaint(string(v[1:]), v[0] != 0)
	}
}

// complaintsPastDue hands over the complaints due before as_of: open ones,
// and closed ones when the tally reads them. The deadline index is
// status(1) ‖ tkey(due_by) ‖ … → tkey(closed_at) ‖ exempt(1) ‖ courier id.
func complaintsPastDue(tx *bbolt.Tx, q *server.QualityTally) {
	due := tx.Bucket(bucketComplaintDue)
	stop := tkey(q.AsOf)
	scan := func(st byte, closed bool) {
		c := due.Cursor()
		for k, v := c.Seek([]byte{st}); k != nil && k[0] == st && bytes.Compare(k[1:9], stop) < 0; k, v = c.Next() {
			var closedAt time.Time
			if closed {
				closedAt = fromTkey(v[:8])
			}
			q.AddComplaintPastDue(string(v[9:]), v[8] != 0, fromTkey(k[1:9]), closedAt)
		}
	}
	for _, st := range openComplaintStatuses {
		scan(st, false)
	}
	if q.ReadsClosedComplaints() {
		scan(complaintClosedByte, true)
	}
}

// codPastDue hands over the COD receipts the tally's scan names: the open
// month cells collected up to its last whole month, for an earlier month
// the closed cells of those months (collected ‖ settled month), and for
// the current month the unsettled entries of the month read one by one.
func (d *DB) codPastDue(tx *bbolt.Tx, q *server.QualityTally) error {
	scan := q.CODPastDueScan(d.opts.Settings)
	last := uint32(scan.LastWholeMonth)
	c := tx.Bucket(bucketLedgerOpen).Cursor()
	for k, v := c.First(); k != nil && binary.BigEndian.Uint32(k) <= last; k, v = c.Next() {
		n, cents := decodePair(v)
		q.AddCODPastDue(string(k[4:]), n, cents)
	}
	if !scan.Entries {
		c = tx.Bucket(bucketLedgerClosed).Cursor()
		for k, v := c.First(); k != nil && binary.BigEndian.Uint32(k) <= last; k, v = c.Next() {
			n, cents := decodePair(v)
			q.AddCODSettledLater(int(binary.BigEndian.Uint32(k[4:8])), string(k[8:]), n, cents)
		}
		return nil
	}
	idx := tx.Bucket(bucketLedgerIdx).Bucket([]byte(scopeAll))
	if idx == nil {
		return nil
	}
	from, to := tkey(scan.From), tkey(scan.To)
	for _, st := range []byte{stCollected, stHandedOver} { // the unsettled entries' index
		c := idx.Cursor()
		for k, v := c.Seek(append([]byte{st}, from...)); k != nil && k[0] == st && bytes.Compare(k[1:9], to) < 0; k, v = c.Next() {
			amount, flags, courier := decodeIdxValue(v)
			q.AddCODEntry(fromTkey(k[1:9]), flags&flagVoid != 0, courier, amount, d.opts.Settings)
		}
	}
	return nil
}

// vehiclesNeedingAttention hands over each vehicle known at as_of in its
// state then, and the month's drivers of each vehicle.
func (d *DB) vehiclesNeedingAttention(tx *bbolt.Tx, q *server.QualityTally) error {
	err := tx.Bucket(bucketVehicles).ForEach(func(k, val []byte) error {
		var v vehicleRecord
		if err := json.Unmarshal(val, &v); err != nil {
			return err
		}
		if !v.KnownAt(firstLog(tx, v.VehicleID), q.AsOf) {
			return nil
		}
		view, err := d.vehicleAt(tx, &v, q.AsOf, q.Current)
		if err != nil {
			return err
		}
		q.AddVehicle(&view)
		return nil
	})
	if err != nil {
		return err
	}
	prefix := reportMonth(q)
	c := tx.Bucket(bucketVehicleDrivers).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if courier, vehicle, ok := bytes.Cut(k[4:], []byte{0}); ok {
			q.AddDriver(string(courier), string(vehicle))
		}
	}
	return nil
}

var _ server.ReportService = (*DB)(nil)
