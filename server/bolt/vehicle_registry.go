package bolt

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// Buckets of the vehicle registry (vehicles, vehicle_logs and defects are
// core buckets):
//   - vehicle_services: <vehicle id>/ timeKey(recorded_at, seq) →
//     u64(odometer km) of each service log, so the last service before
//     any time is one seek away;
//   - vehicle_drivers: month(4) ‖ courier id ‖ 0 ‖ vehicle id → "": who
//     logged which vehicle in a month (the report's breakdown).
var (
	bucketVehicleServices = []byte("vehicle_services")
	bucketVehicleDrivers  = []byte("vehicle_drivers")
)

// vehicleBuckets are the buckets of the vehicle registry.
var vehicleBuckets = [][]byte{bucketVehicleServices, bucketVehicleDrivers, bucketVehicleRecent}

func getVehicle(tx *bbolt.Tx, id string) (*vehicleRecord, error) {
	v := tx.Bucket(bucketVehicles).Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	r := new(vehicleRecord)
	return r, json.Unmarshal(v, r)
}

// lastBefore returns the last key ≤ t of a bucket keyed by timeKey, and
// its value.
func lastBefore(b *bbolt.Bucket, t time.Time) ([]byte, []byte) {
	if b == nil {
		return nil, nil
	}
	c := b.Cursor()
	k, _ := c.Seek(append(tkey(t), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	if k == nil {
		return c.Last()
	}
	return c.Prev()
}

// vehicleFacts reads what server.VehicleAt needs of a vehicle's history
// for its state at t.
func vehicleFacts(tx *bbolt.Tx, v *vehicleRecord, t time.Time, current bool) (server.VehicleFacts, error) {
	var f server.VehicleFacts
	readAt := server.VehicleReadAt(t, current)
	logs := tx.Bucket(bucketVehicleLogs).Bucket([]byte(v.VehicleID))
	if k, val := lastBefore(logs, readAt); k != nil {
		f.OdometerKM, _ = odometerOf(val)
	}
	if f.FirstLogAt = firstLog(tx, v.VehicleID); f.FirstLogAt != nil {
		_, val := logs.Cursor().First()
		f.FirstLogKM, _ = odometerOf(val)
	}
	if k, val := lastBefore(tx.Bucket(bucketVehicleServices).Bucket([]byte(v.VehicleID)), readAt); k != nil {
		at := fromTkey(k[:8])
		f.LastServiceAt, f.LastServiceKM = &at, int64(binary.BigEndian.Uint64(val))
	}
	if !current {
		var err error
		if f.Defects, err = defectsOf(tx, v.VehicleID); err != nil {
			return f, err
		}
	}
	return f, nil
}

// firstLog returns the recorded_at of a vehicle's first log, nil if none.
func firstLog(tx *bbolt.Tx, vehicle string) *time.Time {
	logs := tx.Bucket(bucketVehicleLogs).Bucket([]byte(vehicle))
	if logs == nil {
		return nil
	}
	k, _ := logs.Cursor().First()
	if k == nil {
		return nil
	}
	at := fromTkey(k[:8])
	return &at
}

// vehicleAt is the state of a vehicle at t (server.VehicleAt).
func (d *DB) vehicleAt(tx *bbolt.Tx, v *vehicleRecord, t time.Time, current bool) (server.Vehicle, error) {
	f, err := vehicleFacts(tx, v, t, current)
	if err != nil {
		return server.Vehicle{}, err
	}
	return server.VehicleAt(v, f, t, current, d.opts.Settings), nil
}

// RegisterVehicle implements server.VehicleService (server.RegisterVehicle
// decides).
func (d *DB) RegisterVehicle(ctx context.Context, p server.Principal, r *server.NewVehicle) (*server.Vehicle, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Vehicle, error) {
		v, err := server.RegisterVehicle(vehicleTx{tx: tx, now: now}, p, r, now)
		if err != nil {
			return nil, err
		}
		view, err := d.vehicleAt(tx, v, now, true)
		return &view, err
	})
}

// Vehicle implements server.VehicleService.
func (d *DB) Vehicle(ctx context.Context, id string) (*server.Vehicle, error) {
	now := d.now()
	var out *server.Vehicle
	err := d.db.View(func(tx *bbolt.Tx) error {
		v, err := getVehicle(tx, id)
		if err != nil {
			return err
		}
		if v == nil {
			return server.ErrNotFound
		}
		view, err := d.vehicleAt(tx, v, now, true)
		out = &view
		return err
	})
	return out, err
}

// ListVehicles implements server.VehicleService. The cursor is the last
// vehicle id examined (base64url: ids are plates, often not ASCII).
func (d *DB) ListVehicles(ctx context.Context, f server.VehicleFilter) (*server.VehicleList, error) {
	after, err := base64.RawURLEncoding.DecodeString(f.Cursor)
	if err != nil {
		return nil, server.Invalid("cursor: malformed")
	}
	now := d.now()
	out := &server.VehicleList{Vehicles: []server.Vehicle{}, Cursor: f.Cursor}
	err = d.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketVehicles).Cursor()
		k, val := c.Seek(after)
		if len(after) > 0 && string(k) == string(after) {
			k, val = c.Next()
		}
		for scanned := 0; k != nil; k, val = c.Next() {
			if len(out.Vehicles) == f.Limit || scanned == maxScan {
				out.HasMore = true
				break
			}
			scanned++
			out.Cursor = base64.RawURLEncoding.EncodeToString(k)
			var v vehicleRecord
			if err := json.Unmarshal(val, &v); err != nil {
				return err
			}
			view, err := d.vehicleAt(tx, &v, now, true)
			if err != nil {
				return err
			}
			if f.Attention && len(view.Reasons) == 0 {
				continue
			}
			out.Vehicles = append(out.Vehicles, view)
		}
		return nil
	})
	return out, err
}

// VehicleLogs implements server.VehicleService: logs in recorded_at order.
func (d *DB) VehicleLogs(ctx context.Context, id, cursor string, limit int) (*server.VehicleLogList, error) {
	pos, ok := decodePos(cursor, 16)
	if !ok {
		return nil, server.Invalid("cursor: malformed")
	}
	out := &server.VehicleLogList{Logs: []server.VehicleLog{}, Cursor: cursor}
	err := d.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketVehicles).Get([]byte(id)) == nil {
			return server.ErrNotFound
		}
		logs := tx.Bucket(bucketVehicleLogs).Bucket([]byte(id))
		if logs == nil {
			return nil
		}
		c := logs.Cursor()
		k, val := c.First()
		if pos != nil {
			if k, val = c.Seek(pos); k != nil && string(k) == string(pos) {
				k, val = c.Next()
			}
		}
		for ; k != nil; k, val = c.Next() {
			if len(out.Logs) == limit {
				out.HasMore = true
				break
			}
			var r vehicleLogRecord
			if err := json.Unmarshal(val, &r); err != nil {
				return err
			}
			out.Logs = append(out.Logs, server.VehicleLog{LogID: r.Ref, OpID: r.OpID, Type: r.Log.Type,
				OdometerKM: *r.Log.OdometerKM, RecordedAt: r.RecordedAt, CourierID: r.CourierID, Items: r.Log.Items,
				Note: r.Log.Note, Photos: r.Log.Photos})
			out.Cursor = encodePos(k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// defectRecordOf is the stored form of a defect.
func defectRecordOf(d *server.Defect) *defectRecord {
	return &defectRecord{DefectID: d.DefectID, VehicleID: d.VehicleID, Item: d.Item, Note: d.Note, OpenedAt: d.OpenedAt,
		OpID: d.OpID, Status: d.Status, Resolution: d.Resolution, CertifyNote: d.CertifyNote,
		CertifiedBy: d.CertifiedBy, CertifiedAt: d.CertifiedAt}
}

func defectView(df *defectRecord) server.Defect {
	return server.Defect{DefectID: df.DefectID, VehicleID: df.VehicleID, Item: df.Item, Note: df.Note, OpenedAt: df.OpenedAt,
		OpID: df.OpID, Status: df.Status, Resolution: df.Resolution, CertifyNote: df.CertifyNote,
		CertifiedBy: df.CertifiedBy, CertifiedAt: df.CertifiedAt}
}

// VehicleDefects implements server.VehicleService: defects oldest first.
func (d *DB) VehicleDefects(ctx context.Context, id, cursor string, limit int) (*server.DefectList, error) {
	var after uint64
	if cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			return nil, server.Invalid("cursor: malformed")
		}
		after = n
	}
	out := &server.DefectList{Defects: []server.Defect{}, Cursor: cursor}
	err := d.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketVehicles).Get([]byte(id)) == nil {
			return server.ErrNotFound
		}
		b := tx.Bucket(bucketDefects).Bucket([]byte(id))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, val := c.Seek(u64(after + 1)); k != nil; k, val = c.Next() {
			if len(out.Defects) == limit {
				out.HasMore = true
				break
			}
			var df defectRecord
			if err := json.Unmarshal(val, &df); err != nil {
				return err
			}
			out.Defects = append(out.Defects, defectView(&df))
			out.Cursor = strconv.FormatUint(beUint(k), 10)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CertifyDefect implements server.VehicleService (server.CertifyVehicleDefect
// decides).
func (d *DB) CertifyDefect(ctx context.Context, p server.Principal, vehicleID, defectID string, r *server.CertifyDefect) (*server.Defect, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Defect, error) {
		return server.CertifyVehicleDefect(vehicleTx{tx: tx, now: now}, p, vehicleID, defectID, r, now, d.opts.Settings)
	})
}

var _ server.VehicleService = (*DB)(nil)
