package server

import (
	"maps"
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Default service intervals of a vehicle registered by its first log.
const (
	DefaultServiceIntervalKM   = 10_000
	DefaultServiceIntervalDays = 180
)

// VehicleRecord is a vehicle of the registry as stored, keyed by vehicle
// id (its plate). A vehicle first seen in a log is created with default
// intervals, Registered false and the registered_by_log flag, until a
// supervisor registers (claims) it.
type VehicleRecord struct {
	VehicleID           string     `json:"vehicle_id"`
	Kind                string     `json:"kind"`
	ServiceIntervalKM   int64      `json:"service_interval_km"`
	ServiceIntervalDays int64      `json:"service_interval_days"`
	Registered          bool       `json:"registered"`
	CreatedAt           time.Time  `json:"created_at"`
	Flags               []string   `json:"flags,omitempty"`
	RegisteredBy        string     `json:"registered_by,omitempty"`
	RegisteredAt        *time.Time `json:"registered_at,omitempty"`
	OpenDefects         int        `json:"open_defects"`
}

// VehicleTx is what the vehicle rules read and write inside one store
// write transaction: the store gives it, the rules decide.
type VehicleTx interface {
	// Vehicle returns a vehicle of the registry, nil if unknown.
	Vehicle(id string) (*VehicleRecord, error)
	// PutVehicle stores a vehicle (new or changed).
	PutVehicle(v *VehicleRecord) error
	// Defect returns a vehicle's defect, nil if unknown.
	Defect(vehicleID, defectID string) (*Defect, error)
	// PutDefect replaces a stored defect.
	PutDefect(d *Defect) error
	// Defects returns every defect of a vehicle, oldest first.
	Defects(vehicleID string) ([]Defect, error)
	// Drivers returns each courier who logged the vehicle and the time
	// their latest log counts for (zero when unreadable).
	Drivers(vehicleID string) (map[string]time.Time, error)
	// ForgetDriver drops a courier from the vehicle's drivers.
	ForgetDriver(vehicleID, courier string) error
	// AppendChange adds a change to a courier's feed.
	AppendChange(courier, typ string, data any) error
	// WakeUp queues a wake-up of the courier's devices.
	WakeUp(courier, hint string) error
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// DefectOpenAt reports whether d was open at t: opened by then and not
// yet certified.
func DefectOpenAt(d *Defect, t time.Time) bool {
	return !d.OpenedAt.After(t) && (d.CertifiedAt == nil || d.CertifiedAt.After(t))
}

// OpenDefects keeps the defects still open (status open), in order.
func OpenDefects(all []Defect) []Defect {
	var open []Defect
	for _, d := range all {
		if d.Status == DefectOpen {
			open = append(open, d)
		}
	}
	return open
}

// RegisterVehicle decides a registration: an id already registered →
// conflict; a vehicle a courier's log registered (registered_by_log, not
// yet registered) is claimed: it takes the kind and intervals given and
// keeps its history and flag. The answer is the stored record.
func RegisterVehicle(tx VehicleTx, p Principal, r *NewVehicle, now time.Time) (*VehicleRecord, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	v, err := tx.Vehicle(r.VehicleID)
	if err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionVehicleRegister, r.VehicleID, now)
	switch {
	case v != nil && v.Registered:
		return nil, Conflict("vehicle_id: already registered")
	case v != nil:
		e.Detail = "claimed a vehicle first registered by a courier's log"
	default:
		v = &VehicleRecord{VehicleID: r.VehicleID, CreatedAt: now}
	}
	v.Kind, v.ServiceIntervalKM, v.ServiceIntervalDays = r.Kind, r.ServiceIntervalKM, r.ServiceIntervalDays
	v.Registered, v.RegisteredBy, v.RegisteredAt = true, p.UserID, &now
	if err := tx.PutVehicle(v); err != nil {
		return nil, err
	}
	return v, tx.Audit(e)
}

// CertifyVehicleDefect certifies an open defect repaired or not needing repair:
// unknown vehicle or defect → not_found; already certified → conflict.
// The vehicle's open count drops and its recent drivers are told its
// status; the answer says whether the vehicle is fit now.
func CertifyVehicleDefect(tx VehicleTx, p Principal, vehicleID, defectID string, r *CertifyDefect, now time.Time, s Settings) (*Defect, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	v, err := tx.Vehicle(vehicleID)
	if err != nil || v == nil {
		return nil, orNotFound(err)
	}
	df, err := tx.Defect(vehicleID, defectID)
	if err != nil || df == nil {
		return nil, orNotFound(err)
	}
	if df.Status != DefectOpen {
		return nil, Conflict("defect already certified")
	}
	df.Status, df.Resolution, df.CertifyNote, df.CertifiedBy, df.CertifiedAt = DefectCertified, r.Resolution, r.Note, p.UserID, &now
	if err := tx.PutDefect(df); err != nil {
		return nil, err
	}
	v.OpenDefects = max(v.OpenDefects-1, 0)
	if err := tx.PutVehicle(v); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionDefectCertify, df.DefectID, now)
	e.Detail = "vehicle " + vehicleID + ", " + r.Resolution + ": " + r.Note
	if err := tx.Audit(e); err != nil {
		return nil, err
	}
	if err := PublishVehicleStatus(tx, vehicleID, "", now, s); err != nil {
		return nil, err
	}
	fit := v.OpenDefects == 0
	df.VehicleFit = &fit
	return df, nil
}

func orNotFound(err error) error {
	if err != nil {
		return err
	}
	return ErrNotFound
}

// CurrentVehicleStatus is the vehicle_status change of a vehicle now.
func CurrentVehicleStatus(tx VehicleTx, vehicleID string) (*syncproto.VehicleStatus, error) {
	all, err := tx.Defects(vehicleID)
	if err != nil {
		return nil, err
	}
	return VehicleStatusOf(vehicleID, OpenDefects(all)), nil
}

// PublishVehicleStatus sends the vehicle's status to every recent driver
// and wakes their devices, but skip's (who learns it from the push they
// are making); drivers past the window are forgotten.
func PublishVehicleStatus(tx VehicleTx, vehicleID, skip string, now time.Time, s Settings) error {
	drivers, err := tx.Drivers(vehicleID)
	if err != nil || len(drivers) == 0 {
		return err
	}
	st, err := CurrentVehicleStatus(tx, vehicleID)
	if err != nil {
		return err
	}
	for _, courier := range slices.Sorted(maps.Keys(drivers)) {
		if !RecentDriver(drivers[courier], now, s) {
			if err := tx.ForgetDriver(vehicleID, courier); err != nil {
				return err
			}
			continue
		}
		if err := tx.AppendChange(courier, syncproto.ChangeVehicleStatus, st); err != nil {
			return err
		}
		if courier == skip {
			continue
		}
		if err := tx.WakeUp(courier, HintVehicleStatus); err != nil {
			return err
		}
	}
	return nil
}
