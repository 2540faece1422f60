package bolt

import (
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// bucketVehicleRecent: <vehicle id>/ courier id → tkey(latest log) of every
// courier who logged the vehicle, for the vehicle_status fan-out. Entries
// past the window are dropped when the vehicle's status is next published.
var bucketVehicleRecent = []byte("vehicle_recent_drivers")

// vehicleTx is the vehicle rules' view of one write transaction
// (server.VehicleTx): it stores, the rules decide.
type vehicleTx struct {
	tx  *bbolt.Tx
	now time.Time
}

// Vehicle implements server.VehicleTx.
func (t vehicleTx) Vehicle(id string) (*server.VehicleRecord, error) { return getVehicle(t.tx, id) }

// PutVehicle implements server.VehicleTx.
func (t vehicleTx) PutVehicle(v *server.VehicleRecord) error {
	return putJSON(t.tx.Bucket(bucketVehicles), []byte(v.VehicleID), v)
}

// Defect implements server.VehicleTx.
func (t vehicleTx) Defect(vehicleID, defectID string) (*server.Defect, error) {
	seq, ok := idSeq(defectID, "df-")
	b := t.tx.Bucket(bucketDefects).Bucket([]byte(vehicleID))
	if !ok || b == nil {
		return nil, nil
	}
	raw := b.Get(u64(seq))
	if raw == nil {
		return nil, nil
	}
	var df defectRecord
	if err := json.Unmarshal(raw, &df); err != nil {
		return nil, err
	}
	view := defectView(&df)
	return &view, nil
}

// PutDefect implements server.VehicleTx.
func (t vehicleTx) PutDefect(d *server.Defect) error {
	seq, _ := idSeq(d.DefectID, "df-")
	b, err := t.tx.Bucket(bucketDefects).CreateBucketIfNotExists([]byte(d.VehicleID))
	if err != nil {
		return err
	}
	return putJSON(b, u64(seq), defectRecordOf(d))
}

// Defects implements server.VehicleTx.
func (t vehicleTx) Defects(vehicleID string) ([]server.Defect, error) {
	return defectsOf(t.tx, vehicleID)
}

// defectsOf reads every defect of a vehicle, oldest first.
func defectsOf(tx *bbolt.Tx, vehicleID string) ([]server.Defect, error) {
	var all []server.Defect
	b := tx.Bucket(bucketDefects).Bucket([]byte(vehicleID))
	if b == nil {
		return nil, nil
	}
	err := b.ForEach(func(_, v []byte) error {
		var df defectRecord
		if err := json.Unmarshal(v, &df); err != nil {
			return err
		}
		all = append(all, defectView(&df))
		return nil
	})
	return all, err
}

// Drivers implements server.VehicleTx.
func (t vehicleTx) Drivers(vehicleID string) (map[string]time.Time, error) {
	b := t.tx.Bucket(bucketVehicleRecent).Bucket([]byte(vehicleID))
	if b == nil {
		return nil, nil
	}
	out := map[string]time.Time{}
	err := b.ForEach(func(k, v []byte) error {
		out[string(k)] = time.Time{}
		if len(v) == 8 {
			out[string(k)] = fromTkey(v)
		}
		return nil
	})
	return out, err
}

// ForgetDriver implements server.VehicleTx.
func (t vehicleTx) ForgetDriver(vehicleID, courier string) error {
	if b := t.tx.Bucket(bucketVehicleRecent).Bucket([]byte(vehicleID)); b != nil {
		return b.Delete([]byte(courier))
	}
	return nil
}

// AppendChange implements server.VehicleTx.
func (t vehicleTx) AppendChange(courier, typ string, data any) error {
	return appendChange(t.tx, courier, typ, data)
}

// WakeUp implements server.VehicleTx.
func (t vehicleTx) WakeUp(courier, hint string) error {
	return queueWakeUps(t.tx, courier, hint, "", t.now)
}

// Audit implements server.VehicleTx.
func (t vehicleTx) Audit(e server.AuditEvent) error { return appendEvent(t.tx, e) }

// DriverLastLog implements server.VehicleLogTx.
func (t *vehicleLogTx) DriverLastLog(courier string) (time.Time, error) {
	if b := t.tx.Bucket(bucketVehicleRecent).Bucket([]byte(t.log.VehicleID)); b != nil {
		if v := b.Get([]byte(courier)); len(v) == 8 {
			return fromTkey(v), nil
		}
	}
	return time.Time{}, nil
}

// PutDriverLastLog implements server.VehicleLogTx.
func (t *vehicleLogTx) PutDriverLastLog(courier string, at time.Time) error {
	b, err := t.tx.Bucket(bucketVehicleRecent).CreateBucketIfNotExists([]byte(t.log.VehicleID))
	if err != nil {
		return err
	}
	return b.Put([]byte(courier), tkey(at))
}

var (
	_ server.VehicleTx    = vehicleTx{}
	_ server.VehicleLogTx = (*vehicleLogTx)(nil)
)
