package bolt

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Default service intervals of a vehicle registered by its first log.
const (
	DefaultServiceIntervalKM   = 10_000
	DefaultServiceIntervalDays = 180
)

// vehicleRecord is a vehicle of the registry, keyed by vehicle id (its
// plate). A vehicle first seen in a log is created with default intervals,
// Registered false and the registered_by_log flag, until a supervisor
// registers (claims) it.
type vehicleRecord struct {
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

type vehicleLogRecord struct {
	recordMeta
	Log *syncproto.VehicleLog `json:"log"`
}

// defectRecord is a failed inspection item, kept in the vehicle's bucket
// of "defects" under u64(N) for id "df-N".
type defectRecord struct {
	DefectID    string     `json:"defect_id"`
	VehicleID   string     `json:"vehicle_id"`
	Item        string     `json:"item"`
	Note        string     `json:"note,omitempty"`
	OpenedAt    time.Time  `json:"opened_at"`
	OpID        string     `json:"op_id"`
	Status      string     `json:"status"`
	Resolution  string     `json:"resolution,omitempty"`
	CertifyNote string     `json:"certify_note,omitempty"`
	CertifiedBy string     `json:"certified_by,omitempty"`
	CertifiedAt *time.Time `json:"certified_at,omitempty"`
}

// vehicleLog records a log in the vehicle's history, ordered by
// recorded_at. The odometer must fit between the readings recorded before
// and after it in time; an unknown vehicle is registered with default
// intervals and flagged; failed inspection items open defects; a service
// log resets the service clock.
func (a *applier) vehicleLog(po *pendingOp, p *syncproto.VehicleLog) (string, []string, *syncproto.Error, error) {
	logs, err := a.tx.Bucket(bucketVehicleLogs).CreateBucketIfNotExists([]byte(p.VehicleID))
	if err != nil {
		return "", nil, nil, err
	}
	seq, err := a.tx.Bucket(bucketVehicleLogs).NextSequence()
	if err != nil {
		return "", nil, nil, err
	}
	key := timeKey(po.recordedAt, seq)
	if bad, err := regresses(logs, key, *p.OdometerKM); err != nil || bad {
		if bad {
			return "", nil, syncproto.Errorf(syncproto.CodeOdometerRegression, "odometer_km: lower than a reading recorded earlier, or higher than one recorded later"), nil
		}
		return "", nil, nil, err
	}
	var flags []string
	courier := server.Principal{UserID: a.courier, Role: syncproto.RoleCourier, DeviceID: a.device}
	v, err := getVehicle(a.tx, p.VehicleID)
	if err != nil {
		return "", nil, nil, err
	}
	changed := false
	if v == nil {
		flags = append(flags, "vehicle_unregistered")
		v = &vehicleRecord{VehicleID: p.VehicleID, Kind: "unknown", ServiceIntervalKM: DefaultServiceIntervalKM,
			ServiceIntervalDays: DefaultServiceIntervalDays, CreatedAt: a.now, Flags: []string{server.FlagRegisteredByLog}}
		changed = true
		if err := appendEvent(a.tx, server.NewEvent(courier, server.ActionVehicleAutoAdd, p.VehicleID, a.now)); err != nil {
			return "", nil, nil, err
		}
	}
	ref := "vl-" + strconv.FormatUint(seq, 10)
	opened := 0
	if p.Type == syncproto.LogInspection {
		opened, err = a.openDefects(po, p, courier)
		if err != nil {
			return "", nil, nil, err
		}
		if opened > 0 {
			flags = append(flags, "defect_opened")
			v.OpenDefects += opened
			changed = true
		}
	}
	if p.Type == syncproto.LogService {
		svc, err := a.tx.Bucket(bucketVehicleServices).CreateBucketIfNotExists([]byte(p.VehicleID))
		if err != nil {
			return "", nil, nil, err
		}
		if err := svc.Put(key, u64(uint64(*p.OdometerKM))); err != nil {
			return "", nil, nil, err
		}
	}
	month := monthNum(po.recordedAt, a.db.opts.Settings.Location)
	driver := append(append(append(u32(month), a.courier...), 0), p.VehicleID...)
	if err := a.tx.Bucket(bucketVehicleDrivers).Put(driver, nil); err != nil {
		return "", nil, nil, err
	}
	if changed {
		if err := putJSON(a.tx.Bucket(bucketVehicles), []byte(p.VehicleID), v); err != nil {
			return "", nil, nil, err
		}
	}
	if err := a.referBlobs(p.Photos); err != nil {
		return "", nil, nil, err
	}
	if err := a.vehicleStatusAfterLog(p.VehicleID, po.recordedAt, opened > 0); err != nil {
		return "", nil, nil, err
	}
	return ref, flags, nil, putJSON(logs, key, &vehicleLogRecord{recordMeta: a.meta(po, ref, flags...), Log: p})
}

// regresses reports whether km breaks the non-decreasing order of readings
// around key: the nearest earlier reading must not be higher, the nearest
// later one not lower. Logs arrive out of order, so both sides count.
func regresses(logs *bbolt.Bucket, key []byte, km int64) (bool, error) {
	c := logs.Cursor()
	k, v := c.Seek(key)
	if k != nil {
		next, err := odometerOf(v)
		if err != nil || next < km {
			return err == nil, err
		}
		k, v = c.Prev()
	} else {
		k, v = c.Last()
	}
	if k == nil {
		return false, nil
	}
	prev, err := odometerOf(v)
	return err == nil && prev > km, err
}

func odometerOf(v []byte) (int64, error) {
	var r struct {
		Log struct {
			OdometerKM int64 `json:"odometer_km"`
		} `json:"log"`
	}
	err := json.Unmarshal(v, &r)
	return r.Log.OdometerKM, err
}

// openDefects opens a defect for each failed item of an inspection.
func (a *applier) openDefects(po *pendingOp, p *syncproto.VehicleLog, by server.Principal) (int, error) {
	all := a.tx.Bucket(bucketDefects)
	n := 0
	for _, it := range p.Items {
		if *it.OK {
			continue
		}
		b, err := all.CreateBucketIfNotExists([]byte(p.VehicleID))
		if err != nil {
			return n, err
		}
		id, seq, err := nextRef(all, "df")
		if err != nil {
			return n, err
		}
		d := &defectRecord{DefectID: id, VehicleID: p.VehicleID, Item: it.Item, Note: it.Note, OpenedAt: po.recordedAt, OpID: po.op.OpID, Status: server.DefectOpen}
		if err := putJSON(b, u64(seq), d); err != nil {
			return n, err
		}
		e := server.NewEvent(by, server.ActionDefectOpen, id, a.now)
		e.Detail = "vehicle " + p.VehicleID + ", item " + it.Item
		if err := appendEvent(a.tx, e); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
