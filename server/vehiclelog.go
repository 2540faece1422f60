package server

import (
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// VehicleLogTx is what applying one vehicle log reads and writes inside
// the push's write transaction. The methods without a vehicle id concern
// the log being applied (its vehicle, its time, its place in the
// vehicle's history).
type VehicleLogTx interface {
	VehicleTx
	// ReadingsAround returns the odometer of the log's nearest neighbours
	// in recorded_at order: the latest logged at or before it, the
	// earliest logged after it; nil where there is none.
	ReadingsAround() (before, after *int64, err error)
	// InsertDefect stores a new defect of the log's vehicle and gives it
	// its DefectID.
	InsertDefect(d *Defect) error
	// PutService records the log as the vehicle's service at km.
	PutService(km int64) error
	// NoteMonthDriver records that the courier logged the vehicle in the
	// log's month.
	NoteMonthDriver() error
	// DriverLastLog returns the time the courier's latest earlier log of
	// the vehicle counts for, zero if none.
	DriverLastLog(courier string) (time.Time, error)
	// PutDriverLastLog records the time the courier's latest log counts
	// for.
	PutDriverLastLog(courier string, at time.Time) error
	// ReferBlobs takes references on the log's photos.
	ReferBlobs(digests []string) error
	// PutLog stores the log, with the flags decided, and returns its id.
	PutLog(flags []string) (string, error)
}

// VehicleLogApply is one vehicle log to apply: who sent it, when it was
// recorded (device time, corrected), the server's now and the settings.
type VehicleLogApply struct {
	Courier    Principal
	OpID       string
	Log        *syncproto.VehicleLog
	RecordedAt time.Time
	Now        time.Time
	Settings   Settings
}

// OdometerFits reports whether a reading of km keeps the vehicle's
// readings non-decreasing in recorded_at order: the nearest earlier one
// must not be higher, the nearest later one not lower. Logs arrive out of
// order, so both sides count.
func OdometerFits(before, after *int64, km int64) bool {
	return (before == nil || *before <= km) && (after == nil || *after >= km)
}

// ApplyVehicleLog records a log in the vehicle's history. The odometer
// must fit between the readings recorded before and after it in time
// (else odometer_regression, and nothing is written); an unknown vehicle
// is registered with default intervals and flagged; failed inspection
// items open defects; a service log resets the service clock; the
// vehicle's drivers are kept told its status. It returns the log's id
// and flags, or the refusal.
func ApplyVehicleLog(tx VehicleLogTx, in VehicleLogApply) (string, []string, *syncproto.Error, error) {
	p := in.Log
	before, after, err := tx.ReadingsAround()
	if err != nil {
		return "", nil, nil, err
	}
	if !OdometerFits(before, after, *p.OdometerKM) {
		return "", nil, syncproto.Errorf(syncproto.CodeOdometerRegression, "odometer_km: lower than a reading recorded earlier, or higher than one recorded later"), nil
	}
	v, flags, changed, err := vehicleOfLog(tx, in)
	if err != nil {
		return "", nil, nil, err
	}
	opened, err := openDefects(tx, in)
	if err != nil {
		return "", nil, nil, err
	}
	if opened > 0 {
		flags = append(flags, syncproto.FlagDefectOpened)
		v.OpenDefects += opened
		changed = true
	}
	if err := storeVehicleLog(tx, in, v, changed); err != nil {
		return "", nil, nil, err
	}
	if err := vehicleStatusAfterLog(tx, in, opened > 0); err != nil {
		return "", nil, nil, err
	}
	ref, err := tx.PutLog(flags)
	return ref, flags, nil, err
}

// vehicleOfLog returns the log's vehicle, registering an unknown one by
// the log (flagged, audited): changed says it is to be stored.
func vehicleOfLog(tx VehicleLogTx, in VehicleLogApply) (*VehicleRecord, []string, bool, error) {
	v, err := tx.Vehicle(in.Log.VehicleID)
	if err != nil || v != nil {
		return v, nil, false, err
	}
	v = &VehicleRecord{VehicleID: in.Log.VehicleID, Kind: "unknown", ServiceIntervalKM: DefaultServiceIntervalKM,
		ServiceIntervalDays: DefaultServiceIntervalDays, CreatedAt: in.Now, Flags: []string{FlagRegisteredByLog}}
	err = tx.Audit(NewEvent(in.Courier, ActionVehicleAutoAdd, v.VehicleID, in.Now))
	return v, []string{syncproto.FlagVehicleUnregistered}, true, err
}

// openDefects opens a defect for each failed item of an inspection log.
func openDefects(tx VehicleLogTx, in VehicleLogApply) (int, error) {
	p := in.Log
	if p.Type != syncproto.LogInspection {
		return 0, nil
	}
	n := 0
	for _, it := range p.Items {
		if *it.OK {
			continue
		}
		d := &Defect{VehicleID: p.VehicleID, Item: it.Item, Note: it.Note, OpenedAt: in.RecordedAt, OpID: in.OpID, Status: DefectOpen}
		if err := tx.InsertDefect(d); err != nil {
			return n, err
		}
		e := NewEvent(in.Courier, ActionDefectOpen, d.DefectID, in.Now)
		e.Detail = "vehicle " + p.VehicleID + ", item " + it.Item
		if err := tx.Audit(e); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// storeVehicleLog writes what the log changes besides itself: the service
// clock, the month's drivers, the vehicle, the photos' references.
func storeVehicleLog(tx VehicleLogTx, in VehicleLogApply, v *VehicleRecord, changed bool) error {
	if in.Log.Type == syncproto.LogService {
		if err := tx.PutService(*in.Log.OdometerKM); err != nil {
			return err
		}
	}
	if err := tx.NoteMonthDriver(); err != nil {
		return err
	}
	if changed {
		if err := tx.PutVehicle(v); err != nil {
			return err
		}
	}
	return tx.ReferBlobs(in.Log.Photos)
}

// noteDriver records that the courier logged the vehicle at the log's
// time and reports whether the courier was not a recent driver before and
// is one now: they have not been told the vehicle's status yet.
func noteDriver(tx VehicleLogTx, in VehicleLogApply) (bool, error) {
	at := DriverLoggedAt(in.RecordedAt, in.Now)
	prev, err := tx.DriverLastLog(in.Courier.UserID)
	if err != nil {
		return false, err
	}
	wasRecent := !prev.IsZero() && RecentDriver(prev, in.Now, in.Settings)
	if !prev.IsZero() && !at.After(prev) {
		return false, nil
	}
	if err := tx.PutDriverLastLog(in.Courier.UserID, at); err != nil {
		return false, err
	}
	return !wasRecent && RecentDriver(at, in.Now, in.Settings), nil
}

// vehicleStatusAfterLog keeps the vehicle's drivers told after a log:
// every recent driver when the log opened defects, else the logging
// courier alone when they were not a recent driver before.
func vehicleStatusAfterLog(tx VehicleLogTx, in VehicleLogApply, opened bool) error {
	fresh, err := noteDriver(tx, in)
	if err != nil {
		return err
	}
	switch {
	case opened:
		return PublishVehicleStatus(tx, in.Log.VehicleID, in.Courier.UserID, in.Now, in.Settings)
	case fresh:
		st, err := CurrentVehicleStatus(tx, in.Log.VehicleID)
		if err != nil {
			return err
		}
		return tx.AppendChange(in.Courier.UserID, syncproto.ChangeVehicleStatus, st)
	}
	return nil
}
