package bolt

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// bucketVehicleRecent: <vehicle id>/ courier id → tkey(latest log) of every
// courier who logged the vehicle, for the vehicle_status fan-out. Entries
// past the window are dropped when the vehicle's status is next published.
var bucketVehicleRecent = []byte("vehicle_recent_drivers")

// noteDriver records that a.courier logged vehicleID at the log's time and
// reports whether the courier was not a recent driver before and is one
// now: they have not been told the vehicle's status yet.
func (a *applier) noteDriver(vehicleID string, recordedAt time.Time) (bool, error) {
	b, err := a.tx.Bucket(bucketVehicleRecent).CreateBucketIfNotExists([]byte(vehicleID))
	if err != nil {
		return false, err
	}
	at := server.DriverLoggedAt(recordedAt, a.now)
	s := a.db.opts.Settings
	wasRecent := false
	if v := b.Get([]byte(a.courier)); len(v) == 8 {
		prev := fromTkey(v)
		wasRecent = server.RecentDriver(prev, a.now, s)
		if !at.After(prev) {
			return false, nil
		}
	}
	if err := b.Put([]byte(a.courier), tkey(at)); err != nil {
		return false, err
	}
	return !wasRecent && server.RecentDriver(at, a.now, s), nil
}

// vehicleStatus is the current vehicle_status change of a vehicle, from
// its open defects in tx.
func vehicleStatus(tx *bbolt.Tx, vehicleID string) (*syncproto.VehicleStatus, error) {
	var open []server.Defect
	if b := tx.Bucket(bucketDefects).Bucket([]byte(vehicleID)); b != nil {
		err := b.ForEach(func(_, v []byte) error {
			var df defectRecord
			if err := json.Unmarshal(v, &df); err != nil {
				return err
			}
			if df.Status == server.DefectOpen {
				open = append(open, defectView(&df))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return server.VehicleStatusOf(vehicleID, open), nil
}

// publishVehicleStatus sends the vehicle's status to every recent driver
// but skip (who learns it from the push they are making), and wakes their
// devices; drivers past the window are forgotten.
func (d *DB) publishVehicleStatus(tx *bbolt.Tx, vehicleID, skip string, now time.Time) error {
	st, err := vehicleStatus(tx, vehicleID)
	if err != nil {
		return err
	}
	b := tx.Bucket(bucketVehicleRecent).Bucket([]byte(vehicleID))
	if b == nil {
		return nil
	}
	var stale [][]byte
	var recent []string
	err = b.ForEach(func(k, v []byte) error {
		if len(v) != 8 || !server.RecentDriver(fromTkey(v), now, d.opts.Settings) {
			stale = append(stale, bytes.Clone(k))
		} else {
			recent = append(recent, string(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	for _, courier := range recent {
		if err := appendChange(tx, courier, syncproto.ChangeVehicleStatus, st); err != nil {
			return err
		}
		if courier == skip {
			continue
		}
		if err := queueWakeUps(tx, courier, server.HintVehicleStatus, "", now); err != nil {
			return err
		}
	}
	return nil
}

// tellDriver sends the vehicle's current status to one courier.
func tellDriver(tx *bbolt.Tx, vehicleID, courier string) error {
	st, err := vehicleStatus(tx, vehicleID)
	if err != nil {
		return err
	}
	return appendChange(tx, courier, syncproto.ChangeVehicleStatus, st)
}

// vehicleStatusAfterLog keeps the vehicle's drivers told after a.courier's
// log: every recent driver when the log opened defects, else the logging
// courier alone when they were not a recent driver before.
func (a *applier) vehicleStatusAfterLog(vehicleID string, recordedAt time.Time, opened bool) error {
	fresh, err := a.noteDriver(vehicleID, recordedAt)
	if err != nil {
		return err
	}
	switch {
	case opened:
		return a.db.publishVehicleStatus(a.tx, vehicleID, a.courier, a.now)
	case fresh:
		return tellDriver(a.tx, vehicleID, a.courier)
	}
	return nil
}
