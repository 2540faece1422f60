package server_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

var vday = time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)

func courierP(id string) server.Principal {
	return server.Principal{UserID: id, Role: syncproto.RoleCourier, DeviceID: "pda-" + id}
}

func okItem(item string, ok bool) syncproto.InspectionItem {
	return syncproto.InspectionItem{Item: item, OK: &ok, Note: "note of " + item}
}

// apply applies one log of vehicle "V1" by courier, recorded at at, at now.
func (m *memVehicles) apply(courier, typ string, km int64, at, now time.Time, items ...syncproto.InspectionItem) (string, []string, *syncproto.Error, error) {
	m.curVehicle, m.curAt, m.curKM = "V1", at, km
	log := &syncproto.VehicleLog{VehicleID: "V1", Type: typ, OdometerKM: &km, Items: items, Photos: []string{"sha-1"}}
	return server.ApplyVehicleLog(m, server.VehicleLogApply{Courier: courierP(courier), OpID: "op-" + courier,
		Log: log, RecordedAt: at, Now: now, Settings: server.DefaultSettings()})
}

func TestApplyVehicleLog(t *testing.T) {
	t.Run("a first log registers the unknown vehicle with default intervals, flags it and tells its driver", func(t *testing.T) {
		m := newMemVehicles()
		ref, flags, refusal, err := m.apply("u1", syncproto.LogOdometer, 100, vday, vday)
		if err != nil || refusal != nil || ref != "vl-1" {
			t.Fatalf("ref %q refusal %v err %v", ref, refusal, err)
		}
		v := m.vehicles["V1"]
		if !slices.Equal(flags, []string{syncproto.FlagVehicleUnregistered}) || v == nil || v.Registered ||
			v.ServiceIntervalKM != server.DefaultServiceIntervalKM || v.ServiceIntervalDays != server.DefaultServiceIntervalDays ||
			!slices.Equal(v.Flags, []string{server.FlagRegisteredByLog}) || !v.CreatedAt.Equal(vday) {
			t.Fatalf("flags %v vehicle %+v", flags, v)
		}
		if len(m.audit) != 1 || m.audit[0].Action != server.ActionVehicleAutoAdd || m.audit[0].Actor != "u1" {
			t.Fatalf("audit %+v", m.audit)
		}
		if len(m.changes) != 1 || m.changes[0].courier != "u1" || m.changes[0].typ != syncproto.ChangeVehicleStatus || len(m.wakes) != 0 {
			t.Fatalf("a new driver is told the status once, without a wake-up (they are syncing): %+v %v", m.changes, m.wakes)
		}
		if !slices.Equal(m.blobs, []string{"sha-1"}) || !slices.Equal(m.month, []string{"V1"}) {
			t.Fatalf("blobs %v month %v", m.blobs, m.month)
		}
	})
	t.Run("a driver already told is not told again by a plain log", func(t *testing.T) {
		m := newMemVehicles()
		m.apply("u1", syncproto.LogOdometer, 100, vday, vday)
		m.apply("u1", syncproto.LogOdometer, 110, vday.Add(time.Hour), vday.Add(time.Hour))
		if len(m.changes) != 1 {
			t.Fatalf("changes %d", len(m.changes))
		}
	})
	t.Run("an older log of a recent driver changes nothing of their subscription", func(t *testing.T) {
		m := newMemVehicles()
		m.apply("u1", syncproto.LogOdometer, 100, vday, vday)
		m.apply("u1", syncproto.LogOdometer, 90, vday.Add(-time.Hour), vday.Add(time.Hour))
		if got := m.drivers["V1"]["u1"]; !got.Equal(vday) || len(m.changes) != 1 {
			t.Fatalf("last log %v changes %d", got, len(m.changes))
		}
	})
	t.Run("a driver back after the window is told again", func(t *testing.T) {
		m := newMemVehicles()
		m.apply("u1", syncproto.LogOdometer, 100, vday, vday)
		later := vday.Add(40 * 24 * time.Hour)
		m.apply("u1", syncproto.LogOdometer, 200, later, later)
		if len(m.changes) != 2 {
			t.Fatalf("changes %d", len(m.changes))
		}
	})
	t.Run("a service log resets the service clock", func(t *testing.T) {
		m := newMemVehicles()
		m.apply("u1", syncproto.LogService, 100, vday, vday)
		if !slices.Equal(m.services, []int64{100}) {
			t.Fatalf("services %v", m.services)
		}
	})
	t.Run("failed inspection items open defects and every recent driver learns it", func(t *testing.T) {
		m := newMemVehicles()
		m.apply("u1", syncproto.LogOdometer, 100, vday, vday)
		m.apply("u2", syncproto.LogOdometer, 110, vday.Add(time.Hour), vday.Add(time.Hour))
		m.drivers["V1"]["u9"] = vday.Add(-60 * 24 * time.Hour) // long gone
		m.changes, m.audit = nil, nil
		at := vday.Add(2 * time.Hour)
		_, flags, refusal, err := m.apply("u2", syncproto.LogInspection, 120, at, at, okItem("brakes", false), okItem("horn", true), okItem("lights", false))
		if err != nil || refusal != nil || !slices.Equal(flags, []string{syncproto.FlagDefectOpened}) {
			t.Fatalf("flags %v refusal %v err %v", flags, refusal, err)
		}
		if len(m.defects) != 2 || m.defects[0].Item != "brakes" || m.defects[1].Item != "lights" ||
			m.defects[0].Status != server.DefectOpen || !m.defects[0].OpenedAt.Equal(at) || m.defects[0].OpID != "op-u2" {
			t.Fatalf("defects %+v", m.defects)
		}
		if m.vehicles["V1"].OpenDefects != 2 {
			t.Fatalf("open count %d", m.vehicles["V1"].OpenDefects)
		}
		if len(m.audit) != 2 || m.audit[0].Action != server.ActionDefectOpen || m.audit[0].Detail != "vehicle V1, item brakes" {
			t.Fatalf("audit %+v", m.audit)
		}
		if got := m.couriersTold(); !slices.Equal(got, []string{"u1", "u2"}) {
			t.Fatalf("told %v", got)
		}
		if !slices.Equal(m.wakes, []string{"u1:" + server.HintVehicleStatus}) {
			t.Fatalf("woken %v: the logging courier learns it from their own push", m.wakes)
		}
		if _, ok := m.drivers["V1"]["u9"]; ok {
			t.Fatal("a driver past the window is not forgotten")
		}
		st := m.changes[0].data.(*syncproto.VehicleStatus)
		if st.Fit || len(st.OpenDefects) != 2 {
			t.Fatalf("status %+v", st)
		}
	})
	t.Run("a passed inspection opens nothing", func(t *testing.T) {
		m := newMemVehicles()
		_, flags, _, _ := m.apply("u1", syncproto.LogInspection, 100, vday, vday, okItem("horn", true))
		if len(m.defects) != 0 || slices.Contains(flags, syncproto.FlagDefectOpened) {
			t.Fatalf("defects %v flags %v", m.defects, flags)
		}
	})
}

func TestOdometerReadingsOutOfOrder(t *testing.T) {
	km := func(n int64) *int64 { return &n }
	for _, tt := range []struct {
		name          string
		before, after *int64
		reading       int64
		fits          bool
	}{
		{"the first reading fits", nil, nil, 5, true},
		{"a reading above the one before fits", km(5), nil, 6, true},
		{"an equal reading fits", km(5), km(5), 5, true},
		{"a reading below the one before regresses", km(5), nil, 4, false},
		{"a late log between two readings fits", km(5), km(9), 7, true},
		{"a late log above a later reading regresses", km(5), km(9), 10, false},
		{"a late log below the only later reading fits", nil, km(9), 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := server.OdometerFits(tt.before, tt.after, tt.reading); got != tt.fits {
				t.Fatalf("got %v", got)
			}
		})
	}
	t.Run("a log arriving late is judged against the readings around its time, and a refusal writes nothing", func(t *testing.T) {
		m := newMemVehicles()
		m.apply("u1", syncproto.LogOdometer, 100, vday, vday)
		m.apply("u2", syncproto.LogOdometer, 300, vday.Add(2*time.Hour), vday.Add(2*time.Hour))
		if _, _, refusal, err := m.apply("u1", syncproto.LogOdometer, 200, vday.Add(time.Hour), vday.Add(3*time.Hour)); refusal != nil || err != nil {
			t.Fatalf("in between: %v %v", refusal, err)
		}
		logs, audit := len(m.logs), len(m.audit)
		_, _, refusal, err := m.apply("u1", syncproto.LogOdometer, 350, vday.Add(90*time.Minute), vday.Add(3*time.Hour))
		if err != nil || refusal == nil || refusal.Code != syncproto.CodeOdometerRegression {
			t.Fatalf("refusal %v err %v", refusal, err)
		}
		if len(m.logs) != logs || len(m.audit) != audit {
			t.Fatal("a refused log wrote something")
		}
	})
}

func TestApplyVehicleLogStopsAtTheFirstStoreError(t *testing.T) {
	for _, method := range []string{"ReadingsAround", "Vehicle", "Audit", "InsertDefect", "PutService", "NoteMonthDriver",
		"PutVehicle", "ReferBlobs", "DriverLastLog", "PutDriverLastLog", "Drivers", "Defects", "ForgetDriver",
		"AppendChange", "WakeUp", "PutLog"} {
		t.Run(method, func(t *testing.T) {
			m := newMemVehicles()
			m.apply("u1", syncproto.LogOdometer, 100, vday, vday)
			m.apply("u2", syncproto.LogOdometer, 101, vday, vday)
			m.drivers["V1"]["u9"] = time.Time{}
			m.fail = method
			typ := syncproto.LogInspection
			if method == "PutService" {
				typ = syncproto.LogService
			}
			if method == "Vehicle" || method == "Audit" {
				delete(m.vehicles, "V1")
			}
			if method == "Defects" || method == "AppendChange" {
				m.drivers["V1"] = nil // a fresh driver is told alone
				typ = syncproto.LogOdometer
			}
			_, _, _, err := m.apply("u1", typ, 150, vday.Add(time.Hour), vday.Add(time.Hour), okItem("brakes", false))
			if !errors.Is(err, errBoom) {
				t.Fatalf("err %v", err)
			}
		})
	}
}
