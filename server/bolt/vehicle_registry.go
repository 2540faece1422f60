package bolt

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"strings"
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

// vehicleAt is the state of a vehicle at t: its odometer then, its next
// service, its open defects and why it needs attention. current says t is
// now, so open defects come from the registry's count instead of a walk.
func (d *DB) vehicleAt(tx *bbolt.Tx, v *vehicleRecord, t time.Time, current bool) server.Vehicle {
	out := server.Vehicle{VehicleID: v.VehicleID, Kind: v.Kind, ServiceIntervalKM: v.ServiceIntervalKM,
		ServiceIntervalDays: v.ServiceIntervalDays, Registered: v.Registered, CreatedAt: v.CreatedAt,
		OpenDefects: v.OpenDefects, Flags: append([]string{}, v.Flags...), Reasons: []string{}}
	seekAt := t
	if current {
		seekAt = time.Unix(0, math.MaxInt64) // the latest, even from a fast device clock
	}
	logs := tx.Bucket(bucketVehicleLogs).Bucket([]byte(v.VehicleID))
	if k, val := lastBefore(logs, seekAt); k != nil {
		out.OdometerKM, _ = odometerOf(val)
	}
	baseAt, baseKM := v.CreatedAt, int64(0)
	if logs != nil {
		if k, val := logs.Cursor().First(); k != nil && !fromTkey(k[:8]).After(seekAt) {
			baseKM, _ = odometerOf(val)
		}
	}
	if k, val := lastBefore(tx.Bucket(bucketVehicleServices).Bucket([]byte(v.VehicleID)), seekAt); k != nil {
		at := fromTkey(k[:8])
		out.LastServiceAt = &at
		baseAt, baseKM = at, int64(binary.BigEndian.Uint64(val))
	}
	if !current {
		out.OpenDefects = openDefectsAt(tx, v.VehicleID, t)
	}
	sd := server.NextService(baseAt, baseKM, v.ServiceIntervalDays, v.ServiceIntervalKM, out.OdometerKM, t, d.opts.Settings)
	out.ServiceDueAt, out.ServiceDueKM = &sd.DueAt, &sd.DueKM
	out.Fit = out.OpenDefects == 0
	if out.OpenDefects > 0 {
		out.Reasons = append(out.Reasons, server.ReasonOpenDefects)
	}
	if sd.Overdue {
		out.Reasons = append(out.Reasons, server.ReasonServiceOverdue)
	}
	if sd.DueSoon {
		out.Reasons = append(out.Reasons, server.ReasonServiceDueSoon)
	}
	return out
}

// openDefectsAt counts the defects of a vehicle open at t.
func openDefectsAt(tx *bbolt.Tx, vehicle string, t time.Time) int {
	b := tx.Bucket(bucketDefects).Bucket([]byte(vehicle))
	if b == nil {
		return 0
	}
	n := 0
	_ = b.ForEach(func(_, val []byte) error { // the closure never fails
		var df defectRecord
		if json.Unmarshal(val, &df) == nil && !df.OpenedAt.After(t) && (df.CertifiedAt == nil || df.CertifiedAt.After(t)) {
			n++
		}
		return nil
	})
	return n
}

// RegisterVehicle implements server.VehicleService. A vehicle a courier's
// log registered (registered_by_log, not yet registered) is claimed: it
// takes the kind and intervals given, keeps its history and flag, and the
// answer is 201 as for a new one.
func (d *DB) RegisterVehicle(ctx context.Context, p server.Principal, r *server.NewVehicle) (*server.Vehicle, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Vehicle, error) {
		v, err := getVehicle(tx, r.VehicleID)
		if err != nil {
			return nil, err
		}
		e := server.NewEvent(p, server.ActionVehicleRegister, r.VehicleID, now)
		switch {
		case v != nil && v.Registered:
			return nil, server.Conflict("vehicle_id: already registered")
		case v != nil:
			e.Detail = "claimed a vehicle first registered by a courier's log"
		default:
			v = &vehicleRecord{VehicleID: r.VehicleID, CreatedAt: now}
		}
		v.Kind, v.ServiceIntervalKM, v.ServiceIntervalDays = r.Kind, r.ServiceIntervalKM, r.ServiceIntervalDays
		v.Registered, v.RegisteredBy, v.RegisteredAt = true, p.UserID, &now
		if err := putJSON(tx.Bucket(bucketVehicles), []byte(v.VehicleID), v); err != nil {
			return nil, err
		}
		if err := appendEvent(tx, e); err != nil {
			return nil, err
		}
		view := d.vehicleAt(tx, v, now, true)
		return &view, nil
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
		view := d.vehicleAt(tx, v, now, true)
		out = &view
		return nil
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
			view := d.vehicleAt(tx, &v, now, true)
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

// CertifyDefect implements server.VehicleService.
func (d *DB) CertifyDefect(ctx context.Context, p server.Principal, vehicleID, defectID string, r *server.CertifyDefect) (*server.Defect, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	seq, err := strconv.ParseUint(strings.TrimPrefix(defectID, "df-"), 10, 64)
	if err != nil || !strings.HasPrefix(defectID, "df-") {
		return nil, server.ErrNotFound
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Defect, error) {
		v, err := getVehicle(tx, vehicleID)
		if err != nil {
			return nil, err
		}
		b := tx.Bucket(bucketDefects).Bucket([]byte(vehicleID))
		var raw []byte
		if v != nil && b != nil {
			raw = b.Get(u64(seq))
		}
		if raw == nil {
			return nil, server.ErrNotFound
		}
		var df defectRecord
		if err := json.Unmarshal(raw, &df); err != nil {
			return nil, err
		}
		if df.Status != server.DefectOpen {
			return nil, server.Conflict("defect already certified")
		}
		df.Status, df.Resolution, df.CertifyNote, df.CertifiedBy, df.CertifiedAt = server.DefectCertified, r.Resolution, r.Note, p.UserID, &now
		if err := putJSON(b, u64(seq), &df); err != nil {
			return nil, err
		}
		v.OpenDefects = max(v.OpenDefects-1, 0)
		if err := putJSON(tx.Bucket(bucketVehicles), []byte(vehicleID), v); err != nil {
			return nil, err
		}
		e := server.NewEvent(p, server.ActionDefectCertify, df.DefectID, now)
		e.Detail = "vehicle " + vehicleID + ", " + r.Resolution + ": " + r.Note
		if err := appendEvent(tx, e); err != nil {
			return nil, err
		}
		if err := d.publishVehicleStatus(tx, vehicleID, "", now); err != nil {
			return nil, err
		}
		view := defectView(&df)
		fit := v.OpenDefects == 0
		view.VehicleFit = &fit
		return &view, nil
	})
}

var _ server.VehicleService = (*DB)(nil)
