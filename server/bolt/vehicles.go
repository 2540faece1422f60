package bolt

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Default service intervals of a vehicle registered by its first log.
const (
	DefaultServiceIntervalKM   = 10_000
	DefaultServiceIntervalDays = 180
)

type vehicleRecord struct {
	VehicleID           string    `json:"vehicle_id"`
	Kind                string    `json:"kind"`
	ServiceIntervalKM   int64     `json:"service_interval_km"`
	ServiceIntervalDays int64     `json:"service_interval_days"`
	Registered          bool      `json:"registered"`
	CreatedAt           time.Time `json:"created_at"`
	Flags               []string  `json:"flags,omitempty"`
}

type vehicleLogRecord struct {
	recordMeta
	Log *syncproto.VehicleLog `json:"log"`
}

type defectRecord struct {
	DefectID  string    `json:"defect_id"`
	VehicleID string    `json:"vehicle_id"`
	Item      string    `json:"item"`
	Note      string    `json:"note,omitempty"`
	OpenedAt  time.Time `json:"opened_at"`
	OpID      string    `json:"op_id"`
	Status    string    `json:"status"`
}

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
	vehicles := a.tx.Bucket(bucketVehicles)
	if vehicles.Get([]byte(p.VehicleID)) == nil {
		flags = append(flags, "vehicle_unregistered")
		v := &vehicleRecord{VehicleID: p.VehicleID, Kind: "unknown", ServiceIntervalKM: DefaultServiceIntervalKM,
			ServiceIntervalDays: DefaultServiceIntervalDays, CreatedAt: a.now, Flags: []string{"registered_by_log"}}
		if err := putJSON(vehicles, []byte(p.VehicleID), v); err != nil {
			return "", nil, nil, err
		}
	}
	ref := "vl-" + strconv.FormatUint(seq, 10)
	if p.Type == syncproto.LogInspection {
		opened, err := a.openDefects(po, p)
		if err != nil {
			return "", nil, nil, err
		}
		if opened > 0 {
			flags = append(flags, "defect_opened")
		}
	}
	m := a.meta(po, ref)
	m.Flags = append(append([]string(nil), m.Flags...), flags...)
	return ref, flags, nil, putJSON(logs, key, &vehicleLogRecord{recordMeta: m, Log: p})
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

func (a *applier) openDefects(po *pendingOp, p *syncproto.VehicleLog) (int, error) {
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
		d := &defectRecord{DefectID: id, VehicleID: p.VehicleID, Item: it.Item, Note: it.Note, OpenedAt: po.recordedAt, OpID: po.op.OpID, Status: "open"}
		if err := putJSON(b, u64(seq), d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
