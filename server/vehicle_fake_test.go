package server_test

import (
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/server"
)

var errBoom = errors.New("store failed")

type fedChange struct {
	courier, typ string
	data         any
}

type storedLog struct {
	vehicle string
	at      time.Time
	km      int64
	flags   []string
}

// memVehicles is an in-memory store of the vehicle rules' transaction
// interfaces; fail names a method that returns errBoom.
type memVehicles struct {
	fail     string
	vehicles map[string]*server.VehicleRecord
	defects  []server.Defect
	drivers  map[string]map[string]time.Time
	changes  []fedChange
	wakes    []string
	audit    []server.AuditEvent
	logs     []storedLog
	services []int64
	month    []string
	blobs    []string
	// the log being applied
	curVehicle string
	curAt      time.Time
	curKM      int64
}

func newMemVehicles() *memVehicles {
	return &memVehicles{vehicles: map[string]*server.VehicleRecord{}, drivers: map[string]map[string]time.Time{}}
}

func (m *memVehicles) err(name string) error {
	if m.fail == name {
		return errBoom
	}
	return nil
}

func (m *memVehicles) Vehicle(id string) (*server.VehicleRecord, error) {
	if v := m.vehicles[id]; v != nil {
		c := *v
		return &c, m.err("Vehicle")
	}
	return nil, m.err("Vehicle")
}

func (m *memVehicles) PutVehicle(v *server.VehicleRecord) error {
	c := *v
	m.vehicles[v.VehicleID] = &c
	return m.err("PutVehicle")
}

func (m *memVehicles) Defect(vehicleID, defectID string) (*server.Defect, error) {
	for _, d := range m.defects {
		if d.VehicleID == vehicleID && d.DefectID == defectID {
			return &d, m.err("Defect")
		}
	}
	return nil, m.err("Defect")
}

func (m *memVehicles) PutDefect(d *server.Defect) error {
	for i := range m.defects {
		if m.defects[i].DefectID == d.DefectID {
			m.defects[i] = *d
		}
	}
	return m.err("PutDefect")
}

func (m *memVehicles) Defects(vehicleID string) ([]server.Defect, error) {
	var out []server.Defect
	for _, d := range m.defects {
		if d.VehicleID == vehicleID {
			out = append(out, d)
		}
	}
	return out, m.err("Defects")
}

func (m *memVehicles) Drivers(vehicleID string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for k, v := range m.drivers[vehicleID] {
		out[k] = v
	}
	return out, m.err("Drivers")
}

func (m *memVehicles) ForgetDriver(vehicleID, courier string) error {
	delete(m.drivers[vehicleID], courier)
	return m.err("ForgetDriver")
}

func (m *memVehicles) AppendChange(courier, typ string, data any) error {
	m.changes = append(m.changes, fedChange{courier, typ, data})
	return m.err("AppendChange")
}

func (m *memVehicles) WakeUp(courier, hint string) error {
	m.wakes = append(m.wakes, courier+":"+hint)
	return m.err("WakeUp")
}

func (m *memVehicles) Audit(e server.AuditEvent) error {
	m.audit = append(m.audit, e)
	return m.err("Audit")
}

func (m *memVehicles) ReadingsAround() (*int64, *int64, error) {
	var before, after *int64
	var beforeAt, afterAt time.Time
	for _, l := range m.logs {
		if l.vehicle != m.curVehicle {
			continue
		}
		km := l.km
		if !l.at.After(m.curAt) && (before == nil || !l.at.Before(beforeAt)) {
			before, beforeAt = &km, l.at
		}
		if l.at.After(m.curAt) && (after == nil || l.at.Before(afterAt)) {
			after, afterAt = &km, l.at
		}
	}
	return before, after, m.err("ReadingsAround")
}

func (m *memVehicles) InsertDefect(d *server.Defect) error {
	d.DefectID = "df-" + strconv.Itoa(len(m.defects)+1)
	m.defects = append(m.defects, *d)
	return m.err("InsertDefect")
}

func (m *memVehicles) PutService(km int64) error {
	m.services = append(m.services, km)
	return m.err("PutService")
}

func (m *memVehicles) NoteMonthDriver() error {
	m.month = append(m.month, m.curVehicle)
	return m.err("NoteMonthDriver")
}

func (m *memVehicles) DriverLastLog(courier string) (time.Time, error) {
	return m.drivers[m.curVehicle][courier], m.err("DriverLastLog")
}

func (m *memVehicles) PutDriverLastLog(courier string, at time.Time) error {
	if m.drivers[m.curVehicle] == nil {
		m.drivers[m.curVehicle] = map[string]time.Time{}
	}
	m.drivers[m.curVehicle][courier] = at
	return m.err("PutDriverLastLog")
}

func (m *memVehicles) ReferBlobs(digests []string) error {
	m.blobs = append(m.blobs, digests...)
	return m.err("ReferBlobs")
}

func (m *memVehicles) PutLog(flags []string) (string, error) {
	m.logs = append(m.logs, storedLog{vehicle: m.curVehicle, at: m.curAt, km: m.curKM, flags: flags})
	return "vl-" + strconv.Itoa(len(m.logs)), m.err("PutLog")
}

// couriersTold lists the couriers fed a change, sorted.
func (m *memVehicles) couriersTold() []string {
	var out []string
	for _, c := range m.changes {
		out = append(out, c.courier)
	}
	sort.Strings(out)
	return out
}
