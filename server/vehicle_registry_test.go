package server_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

var supervisor = server.Principal{UserID: "s1", Role: syncproto.RoleSupervisor}

func codeOf(err error) syncproto.Code {
	var e *syncproto.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestRegisterVehicle(t *testing.T) {
	van := &server.NewVehicle{VehicleID: "V1", Kind: "van", ServiceIntervalKM: 5000, ServiceIntervalDays: 90}
	t.Run("a new vehicle is registered with the kind and intervals given", func(t *testing.T) {
		m := newMemVehicles()
		v, err := server.RegisterVehicle(m, supervisor, van, vday)
		if err != nil || !v.Registered || v.RegisteredBy != "s1" || v.Kind != "van" || v.ServiceIntervalKM != 5000 || !v.CreatedAt.Equal(vday) {
			t.Fatalf("%+v %v", v, err)
		}
		if len(m.audit) != 1 || m.audit[0].Action != server.ActionVehicleRegister || m.audit[0].Detail != "" {
			t.Fatalf("audit %+v", m.audit)
		}
	})
	t.Run("a vehicle a log registered is claimed: it keeps its history and flag", func(t *testing.T) {
		m := newMemVehicles()
		m.apply("u1", syncproto.LogOdometer, 100, vday.Add(-time.Hour), vday.Add(-time.Hour))
		m.audit = nil
		v, err := server.RegisterVehicle(m, supervisor, van, vday)
		if err != nil || !v.Registered || !v.CreatedAt.Equal(vday.Add(-time.Hour)) || v.Flags[0] != server.FlagRegisteredByLog {
			t.Fatalf("%+v %v", v, err)
		}
		if !strings.Contains(m.audit[0].Detail, "claimed") {
			t.Fatalf("audit %+v", m.audit)
		}
	})
	t.Run("a vehicle registered already is a conflict", func(t *testing.T) {
		m := newMemVehicles()
		server.RegisterVehicle(m, supervisor, van, vday)
		if _, err := server.RegisterVehicle(m, supervisor, van, vday); codeOf(err) != syncproto.CodeConflict {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a bad request and a store failure are errors", func(t *testing.T) {
		m := newMemVehicles()
		if _, err := server.RegisterVehicle(m, supervisor, &server.NewVehicle{VehicleID: "V1"}, vday); codeOf(err) != syncproto.CodeInvalidRequest {
			t.Fatalf("err %v", err)
		}
		for _, f := range []string{"Vehicle", "PutVehicle"} {
			m.fail = f
			if _, err := server.RegisterVehicle(m, supervisor, van, vday); !errors.Is(err, errBoom) {
				t.Fatalf("%s: %v", f, err)
			}
		}
	})
}

func TestNewVehicleChecks(t *testing.T) {
	ok := server.NewVehicle{VehicleID: "沪A-12345", Kind: "van", ServiceIntervalKM: 1, ServiceIntervalDays: 3650}
	for _, tt := range []struct {
		name string
		edit func(*server.NewVehicle)
		want string
	}{
		{"a plate with spaces around", func(r *server.NewVehicle) { r.VehicleID = " V1" }, "vehicle_id"},
		{"a plate too long", func(r *server.NewVehicle) { r.VehicleID = strings.Repeat("V", 33) }, "vehicle_id"},
		{"no kind", func(r *server.NewVehicle) { r.Kind = " " }, "kind"},
		{"no distance interval", func(r *server.NewVehicle) { r.ServiceIntervalKM = 0 }, "service_interval_km"},
		{"an interval over ten years", func(r *server.NewVehicle) { r.ServiceIntervalDays = 3651 }, "service_interval_days"},
	} {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			r := ok
			tt.edit(&r)
			if err := r.Check(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v", err)
			}
		})
	}
	if err := ok.Check(); err != nil {
		t.Fatalf("a good request: %v", err)
	}
}

func TestCertifyVehicleDefect(t *testing.T) {
	repaired := &server.CertifyDefect{Resolution: server.ResolutionRepaired, Note: "new pads"}
	open := func() *memVehicles {
		m := newMemVehicles()
		m.apply("u1", syncproto.LogInspection, 100, vday, vday, okItem("brakes", false), okItem("lights", false))
		m.changes, m.wakes, m.audit = nil, nil, nil
		return m
	}
	t.Run("certifying one of two defects leaves the vehicle unfit and tells its drivers", func(t *testing.T) {
		m := open()
		now := vday.Add(time.Hour)
		d, err := server.CertifyVehicleDefect(m, supervisor, "V1", "df-1", repaired, now, server.DefaultSettings())
		if err != nil || d.Status != server.DefectCertified || d.CertifiedBy != "s1" || !d.CertifiedAt.Equal(now) || *d.VehicleFit {
			t.Fatalf("%+v %v", d, err)
		}
		if m.vehicles["V1"].OpenDefects != 1 || m.defects[0].Status != server.DefectCertified {
			t.Fatalf("stored %+v %+v", m.vehicles["V1"], m.defects[0])
		}
		if m.audit[0].Action != server.ActionDefectCertify || m.audit[0].Detail != "vehicle V1, repaired: new pads" {
			t.Fatalf("audit %+v", m.audit)
		}
		if len(m.changes) != 1 || len(m.wakes) != 1 {
			t.Fatalf("the driver is told and woken: %v %v", m.changes, m.wakes)
		}
	})
	t.Run("the last certification makes it fit", func(t *testing.T) {
		m := open()
		server.CertifyVehicleDefect(m, supervisor, "V1", "df-1", repaired, vday, server.DefaultSettings())
		d, err := server.CertifyVehicleDefect(m, supervisor, "V1", "df-2", repaired, vday, server.DefaultSettings())
		if err != nil || !*d.VehicleFit {
			t.Fatalf("%+v %v", d, err)
		}
		if st := m.changes[len(m.changes)-1].data.(*syncproto.VehicleStatus); !st.Fit {
			t.Fatalf("status %+v", st)
		}
	})
	for _, tt := range []struct {
		name, vehicle, defect string
		code                  syncproto.Code
		req                   *server.CertifyDefect
	}{
		{"an unknown vehicle is not found", "V2", "df-1", syncproto.CodeNotFound, repaired},
		{"an unknown defect is not found", "V1", "df-9", syncproto.CodeNotFound, repaired},
		{"a bad resolution is invalid", "V1", "df-1", syncproto.CodeInvalidRequest, &server.CertifyDefect{Resolution: "fixed", Note: "x"}},
		{"an empty note is invalid", "V1", "df-1", syncproto.CodeInvalidRequest, &server.CertifyDefect{Resolution: server.ResolutionNotNeeded}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := server.CertifyVehicleDefect(open(), supervisor, tt.vehicle, tt.defect, tt.req, vday, server.DefaultSettings()); codeOf(err) != tt.code {
				t.Fatalf("err %v", err)
			}
		})
	}
	t.Run("a defect certified already is a conflict", func(t *testing.T) {
		m := open()
		server.CertifyVehicleDefect(m, supervisor, "V1", "df-1", repaired, vday, server.DefaultSettings())
		if _, err := server.CertifyVehicleDefect(m, supervisor, "V1", "df-1", repaired, vday, server.DefaultSettings()); codeOf(err) != syncproto.CodeConflict {
			t.Fatalf("err %v", err)
		}
	})
	for _, f := range []string{"Vehicle", "Defect", "PutDefect", "PutVehicle", "Audit", "Drivers"} {
		t.Run("a store failure in "+f+" is an error", func(t *testing.T) {
			m := open()
			m.fail = f
			if _, err := server.CertifyVehicleDefect(m, supervisor, "V1", "df-1", repaired, vday, server.DefaultSettings()); !errors.Is(err, errBoom) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestVehicleAt(t *testing.T) {
	s := server.DefaultSettings()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := &server.VehicleRecord{VehicleID: "V1", Kind: "van", ServiceIntervalKM: 10_000, ServiceIntervalDays: 180,
		Registered: true, CreatedAt: created, OpenDefects: 1, Flags: []string{server.FlagRegisteredByLog}}
	at := func(d int) *time.Time { x := created.AddDate(0, 0, d); return &x }
	certified := created.AddDate(0, 0, 20)
	defects := []server.Defect{
		{DefectID: "df-1", OpenedAt: created.AddDate(0, 0, 5), CertifiedAt: &certified, Status: server.DefectCertified},
		{DefectID: "df-2", OpenedAt: created.AddDate(0, 0, 30), Status: server.DefectOpen},
	}
	for _, tt := range []struct {
		name    string
		f       server.VehicleFacts
		t       time.Time
		current bool
		open    int
		reasons []string
		dueKM   int64
	}{
		{"now, the registry's count of open defects counts", server.VehicleFacts{OdometerKM: 500}, created.AddDate(0, 0, 10), true, 1,
			[]string{server.ReasonOpenDefects}, 10_000},
		{"in the past, the defects open then count", server.VehicleFacts{OdometerKM: 500, Defects: defects}, created.AddDate(0, 0, 10), false, 1,
			[]string{server.ReasonOpenDefects}, 10_000},
		{"between two defects, none is open", server.VehicleFacts{Defects: defects}, created.AddDate(0, 0, 25), false, 0, []string{}, 10_000},
		{"the first log's reading starts the distance", server.VehicleFacts{OdometerKM: 20_500, FirstLogAt: at(1), FirstLogKM: 20_000},
			created.AddDate(0, 0, 10), false, 0, []string{}, 30_000},
		{"near the distance, the service is due soon", server.VehicleFacts{OdometerKM: 29_900, FirstLogAt: at(1), FirstLogKM: 20_000},
			created.AddDate(0, 0, 10), false, 0, []string{server.ReasonServiceDueSoon}, 30_000},
		{"a first log after the time does not count in the past", server.VehicleFacts{FirstLogAt: at(50), FirstLogKM: 20_000},
			created.AddDate(0, 0, 10), false, 0, []string{}, 10_000},
		{"the last service resets both clocks", server.VehicleFacts{OdometerKM: 12_000, LastServiceAt: at(100), LastServiceKM: 11_000},
			created.AddDate(0, 0, 110), false, 0, []string{}, 21_000},
		{"past the distance, the service is overdue", server.VehicleFacts{OdometerKM: 10_000}, created.AddDate(0, 0, 10), false, 0,
			[]string{server.ReasonServiceOverdue}, 10_000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := server.VehicleAt(v, tt.f, tt.t, tt.current, s)
			if got.OpenDefects != tt.open || got.Fit != (tt.open == 0) || strings.Join(got.Reasons, ",") != strings.Join(tt.reasons, ",") ||
				*got.ServiceDueKM != tt.dueKM || got.Reasons == nil || got.Flags[0] != server.FlagRegisteredByLog {
				t.Fatalf("got %+v (due km %d)", got, *got.ServiceDueKM)
			}
			if (tt.f.LastServiceAt == nil) != (got.LastServiceAt == nil) {
				t.Fatalf("last service %v", got.LastServiceAt)
			}
		})
	}
	t.Run("a vehicle is known from its creation or from its first log, whichever is earlier", func(t *testing.T) {
		if v.KnownAt(nil, created.Add(-time.Second)) || !v.KnownAt(nil, created) || !v.KnownAt(at(-3), created.AddDate(0, 0, -2)) {
			t.Fatal("wrong")
		}
	})
	t.Run("the current state reads the latest log whatever its time", func(t *testing.T) {
		if got := server.VehicleReadAt(created, true); !got.After(created.AddDate(100, 0, 0)) {
			t.Fatalf("got %v", got)
		}
		if got := server.VehicleReadAt(created, false); !got.Equal(created) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("open defects are those still open, in order", func(t *testing.T) {
		if got := server.OpenDefects(defects); len(got) != 1 || got[0].DefectID != "df-2" {
			t.Fatalf("got %+v", got)
		}
	})
}
