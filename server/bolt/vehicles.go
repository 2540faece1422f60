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
	DefaultServiceIntervalKM   = server.DefaultServiceIntervalKM
	DefaultServiceIntervalDays = server.DefaultServiceIntervalDays
)

// vehicleRecord is a vehicle of the registry, stored as the rules keep it.
type vehicleRecord = server.VehicleRecord

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

// vehicleLog applies a vehicle log: server.ApplyVehicleLog decides, the
// log's place in the vehicle's history is its timeKey(recorded_at, seq).
func (a *applier) vehicleLog(po *pendingOp, p *syncproto.VehicleLog) (string, []string, *syncproto.Error, error) {
	logs, err := a.tx.Bucket(bucketVehicleLogs).CreateBucketIfNotExists([]byte(p.VehicleID))
	if err != nil {
		return "", nil, nil, err
	}
	seq, err := a.tx.Bucket(bucketVehicleLogs).NextSequence()
	if err != nil {
		return "", nil, nil, err
	}
	tx := &vehicleLogTx{vehicleTx: vehicleTx{tx: a.tx, now: a.now}, a: a, po: po, log: p, logs: logs,
		key: timeKey(po.recordedAt, seq), seq: seq}
	courier := server.Principal{UserID: a.courier, Role: syncproto.RoleCourier, DeviceID: a.device}
	return server.ApplyVehicleLog(tx, server.VehicleLogApply{Courier: courier, OpID: po.op.OpID, Log: p,
		RecordedAt: po.recordedAt, Now: a.now, Settings: a.db.opts.Settings})
}

// vehicleLogTx is the vehicle log rule's view of the push's transaction,
// for one log.
type vehicleLogTx struct {
	vehicleTx
	a    *applier
	po   *pendingOp
	log  *syncproto.VehicleLog
	logs *bbolt.Bucket
	key  []byte
	seq  uint64
}

// ReadingsAround implements server.VehicleLogTx: the log's key sorts after
// every log recorded at the same time (its seq is the newest).
func (t *vehicleLogTx) ReadingsAround() (*int64, *int64, error) {
	var before, after *int64
	c := t.logs.Cursor()
	k, v := c.Seek(t.key)
	if k != nil {
		km, err := odometerOf(v)
		if err != nil {
			return nil, nil, err
		}
		after = &km
		k, v = c.Prev()
	} else {
		k, v = c.Last()
	}
	if k != nil {
		km, err := odometerOf(v)
		if err != nil {
			return nil, nil, err
		}
		before = &km
	}
	return before, after, nil
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

// InsertDefect implements server.VehicleLogTx: "df-N" under u64(N) in the
// vehicle's bucket of defects.
func (t *vehicleLogTx) InsertDefect(d *server.Defect) error {
	all := t.tx.Bucket(bucketDefects)
	b, err := all.CreateBucketIfNotExists([]byte(d.VehicleID))
	if err != nil {
		return err
	}
	id, seq, err := nextRef(all, "df")
	if err != nil {
		return err
	}
	d.DefectID = id
	return putJSON(b, u64(seq), defectRecordOf(d))
}

// PutService implements server.VehicleLogTx.
func (t *vehicleLogTx) PutService(km int64) error {
	svc, err := t.tx.Bucket(bucketVehicleServices).CreateBucketIfNotExists([]byte(t.log.VehicleID))
	if err != nil {
		return err
	}
	return svc.Put(t.key, u64(uint64(km)))
}

// NoteMonthDriver implements server.VehicleLogTx.
func (t *vehicleLogTx) NoteMonthDriver() error {
	month := monthNum(t.po.recordedAt, t.a.db.opts.Settings.Location)
	driver := append(append(append(u32(month), t.a.courier...), 0), t.log.VehicleID...)
	return t.tx.Bucket(bucketVehicleDrivers).Put(driver, nil)
}

// ReferBlobs implements server.VehicleLogTx.
func (t *vehicleLogTx) ReferBlobs(digests []string) error { return t.a.referBlobs(digests) }

// PutLog implements server.VehicleLogTx.
func (t *vehicleLogTx) PutLog(flags []string) (string, error) {
	ref := "vl-" + strconv.FormatUint(t.seq, 10)
	return ref, putJSON(t.logs, t.key, &vehicleLogRecord{recordMeta: t.a.meta(t.po, ref, flags...), Log: t.log})
}
