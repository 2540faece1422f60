package bolt_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestOdometerOutOfOrderFromTwoCouriersSharingAVan(t *testing.T) {
	db := openDB(t, bolt.Options{})
	a := courier(t, db, "driver-a", "dev-a")
	b := courier(t, db, "driver-b", "dev-b")
	base := time.Now().Add(-5 * time.Hour)
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }

	// Courier A syncs first with readings at hours 0 and 4.
	got := push(t, db, a, op("vehicle_log", 1, at(0), odometer("沪A-12345", 1000)), op("vehicle_log", 2, at(4), odometer("沪A-12345", 1400)))
	for _, r := range got {
		if codeOf(r) != "applied" {
			t.Fatalf("A's in-order readings: got %s", codeOf(r))
		}
	}
	// Courier B was offline; their logs of hours 1..3 arrive later.
	tests := []struct {
		name string
		hour int
		km   int64
		want string
	}{
		{"a reading between its neighbours in time is applied", 2, 1200, "applied"},
		{"a reading lower than an earlier one in time is refused", 3, 1100, "rejected:odometer_regression"},
		{"a reading higher than a later one in time is refused", 1, 1300, "rejected:odometer_regression"},
		{"a reading equal to its earlier neighbour is applied", 3, 1200, "applied"},
		{"a reading after everything may be any higher value", 5, 1500, "applied"},
		{"a reading before everything must not exceed the first", -1, 1001, "rejected:odometer_regression"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := push(t, db, b, op("vehicle_log", int64(10+i), at(tt.hour), odometer("沪A-12345", tt.km)))
			if got := codeOf(r[0]); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFirstLogRegistersAnUnknownVehicleAndFlagsIt(t *testing.T) {
	db := openDB(t, bolt.Options{})
	c := courier(t, db, "driver-c", "dev-c")
	r := push(t, db, c, op("vehicle_log", 1, time.Now(), odometer("京B-99999", 10)))
	if r[0].Status != "applied" || !contains(r[0].Flags, "vehicle_unregistered") {
		t.Fatalf("got %+v, want applied and flagged vehicle_unregistered", r[0])
	}
	r = push(t, db, c, op("vehicle_log", 2, time.Now(), odometer("京B-99999", 20)))
	if contains(r[0].Flags, "vehicle_unregistered") {
		t.Fatalf("second log flagged again: %+v", r[0])
	}
}

func TestFailedInspectionItemOpensADefect(t *testing.T) {
	db := openDB(t, bolt.Options{})
	c := courier(t, db, "driver-d", "dev-d")
	log := map[string]any{"vehicle_id": "粤C-55555", "type": "inspection", "odometer_km": 500,
		"items": []map[string]any{{"item": "brakes", "ok": true}, {"item": "lights", "ok": false, "note": "left indicator out"}}}
	r := push(t, db, c, op("vehicle_log", 1, time.Now(), log))
	if r[0].Status != "applied" || !contains(r[0].Flags, "defect_opened") {
		t.Fatalf("got %+v, want applied with defect_opened", r[0])
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func inspectionLog(vehicle string, km int64, failed ...string) map[string]any {
	items := []map[string]any{{"item": "brakes", "ok": true}}
	for _, f := range failed {
		items = append(items, map[string]any{"item": f, "ok": false, "note": f + " needs work"})
	}
	return map[string]any{"vehicle_id": vehicle, "type": "inspection", "odometer_km": km, "items": items}
}

func serviceLog(vehicle string, km int64) map[string]any {
	return map[string]any{"vehicle_id": vehicle, "type": "service", "odometer_km": km}
}

func register(tb testing.TB, db *bolt.DB, id string, km, days int64) *server.Vehicle {
	tb.Helper()
	v, err := db.RegisterVehicle(bg, dsSupervisor, &server.NewVehicle{VehicleID: id, Kind: "van", ServiceIntervalKM: km, ServiceIntervalDays: days})
	if err != nil {
		tb.Fatalf("RegisterVehicle(%s): %v", id, err)
	}
	return v
}

func TestOfflineLogsFromTwoCouriersBuildOneHistoryInTimeOrder(t *testing.T) {
	clock := newDSClock("2026-05-10T18:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	register(t, db, "沪A-77777", 5000, 90)
	a, b := newDSDevice(t, db, "morning"), newDSDevice(t, db, "evening")
	day := dsTime("2026-05-10T06:00:00+08:00")
	h := func(n int) time.Time { return day.Add(time.Duration(n) * time.Hour) }

	// A drives in the morning and syncs at once.
	a.push("vehicle_log", h(0), serviceLog("沪A-77777", 1000))
	a.push("vehicle_log", h(6), odometer("沪A-77777", 1300))
	// B drove in between, offline; their logs arrive after A's, newest first.
	b.push("vehicle_log", h(4), odometer("沪A-77777", 1200))
	b.push("vehicle_log", h(2), inspectionLog("沪A-77777", 1100, "left mirror"))
	b.seq++
	r := push(t, db, b.p, op("vehicle_log", b.seq, h(5), odometer("沪A-77777", 1350)))[0]
	if codeOf(r) != "rejected:odometer_regression" {
		t.Fatalf("a reading above A's later one: %s", codeOf(r))
	}

	t.Run("logs list in recorded_at order across couriers, page by page", func(t *testing.T) {
		var got []string
		cursor := ""
		for {
			l, err := db.VehicleLogs(bg, "沪A-77777", cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, lg := range l.Logs {
				who := "A"
				if lg.CourierID == b.p.UserID {
					who = "B"
				}
				got = append(got, fmt.Sprintf("%s:%s:%d", who, lg.Type, lg.OdometerKM))
			}
			if !l.HasMore {
				break
			}
			cursor = l.Cursor
		}
		want := "[A:service:1000 B:inspection:1100 B:odometer:1200 A:odometer:1300]"
		if fmt.Sprint(got) != want {
			t.Fatalf("logs %v, want %s", got, want)
		}
	})
	t.Run("the odometer is the latest reading in time, not the latest received", func(t *testing.T) {
		v, err := db.Vehicle(bg, "沪A-77777")
		if err != nil {
			t.Fatal(err)
		}
		if v.OdometerKM != 1300 || v.Fit || v.OpenDefects != 1 || *v.ServiceDueKM != 6000 {
			t.Fatalf("vehicle = %+v", v)
		}
		if !v.ServiceDueAt.Equal(h(0).AddDate(0, 0, 90)) {
			t.Fatalf("service due %s, want 90 days after the service log", v.ServiceDueAt)
		}
	})
	t.Run("the failed item opened a defect a supervisor certifies", func(t *testing.T) {
		l, err := db.VehicleDefects(bg, "沪A-77777", "", 10)
		if err != nil || len(l.Defects) != 1 || l.Defects[0].Status != server.DefectOpen || l.Defects[0].Item != "left mirror" {
			t.Fatalf("defects = %+v, %v", l, err)
		}
		id := l.Defects[0].DefectID
		_, err = db.CertifyDefect(bg, dsSupervisor, "沪A-77777", id, &server.CertifyDefect{Resolution: "fixed", Note: "x"})
		dsWantCode(t, err, syncproto.CodeInvalidRequest)
		_, err = db.CertifyDefect(bg, dsSupervisor, "沪A-77777", "df-999", &server.CertifyDefect{Resolution: "repaired", Note: "x"})
		dsWantCode(t, err, syncproto.CodeNotFound)
		_, err = db.CertifyDefect(bg, dsSupervisor, "京B-00000", id, &server.CertifyDefect{Resolution: "repaired", Note: "x"})
		dsWantCode(t, err, syncproto.CodeNotFound)
		d, err := db.CertifyDefect(bg, dsSupervisor, "沪A-77777", id, &server.CertifyDefect{Resolution: "repaired", Note: "mirror replaced"})
		if err != nil || d.Status != server.DefectCertified || d.VehicleFit == nil || !*d.VehicleFit || d.CertifiedBy != dsSupervisor.UserID {
			t.Fatalf("certify = %+v, %v", d, err)
		}
		_, err = db.CertifyDefect(bg, dsSupervisor, "沪A-77777", id, &server.CertifyDefect{Resolution: "not_needed", Note: "again"})
		dsWantCode(t, err, syncproto.CodeConflict)
		if v, _ := db.Vehicle(bg, "沪A-77777"); !v.Fit || v.OpenDefects != 0 {
			t.Fatalf("vehicle after certification = %+v", v)
		}
		ev, _ := db.ListEvents(bg, server.EventFilter{Action: server.ActionDefectCertify, Limit: 10})
		if len(ev.Events) != 1 || !strings.Contains(ev.Events[0].Detail, "mirror replaced") {
			t.Fatalf("certify events = %+v", ev.Events)
		}
	})
}

func TestVehiclesNeedingAttention(t *testing.T) {
	clock := newDSClock("2026-01-01T08:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	c := newDSDevice(t, db, "fleet")
	for _, id := range []string{"V-FINE", "V-KM", "V-DATE", "V-DEFECT", "V-OVERDUE"} {
		register(t, db, id, 10_000, 90)
		c.push("vehicle_log", clock.Now(), serviceLog(id, 20_000))
	}
	clock.Set(dsTime("2026-03-20T08:00:00+08:00")) // 78 days on
	now := clock.Now()
	c.push("vehicle_log", now, serviceLog("V-FINE", 25_000)) // serviced again: fine for 90 days
	c.push("vehicle_log", now, odometer("V-KM", 29_600))
	c.push("vehicle_log", now, serviceLog("V-DEFECT", 21_000))
	c.push("vehicle_log", now, inspectionLog("V-DEFECT", 21_000, "horn"))
	c.push("vehicle_log", now, odometer("V-OVERDUE", 30_001))
	c.push("vehicle_log", now, odometer("V-DATE", 21_000))
	clock.Set(dsTime("2026-03-26T08:00:00+08:00")) // 84 days: V-DATE's service (day 90) is 6 days off

	l, err := db.ListVehicles(bg, server.VehicleFilter{Attention: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range l.Vehicles {
		got[v.VehicleID] = strings.Join(v.Reasons, "+")
	}
	want := map[string]string{"V-KM": "service_due_soon", "V-DATE": "service_due_soon", "V-DEFECT": "open_defects", "V-OVERDUE": "service_overdue"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("attention = %v, want %v", got, want)
	}
	all, _ := db.ListVehicles(bg, server.VehicleFilter{Limit: 100})
	if len(all.Vehicles) != 5 {
		t.Fatalf("%d vehicles, want 5", len(all.Vehicles))
	}
}

func TestRegisteringClaimsAVehicleFirstSeenInALog(t *testing.T) {
	clock := newDSClock("2026-02-01T08:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	c := newDSDevice(t, db, "scout")
	c.push("vehicle_log", clock.Now(), odometer("苏E-12121", 500))
	v, err := db.Vehicle(bg, "苏E-12121")
	if err != nil || v.Registered || !contains(v.Flags, server.FlagRegisteredByLog) || v.ServiceIntervalKM != bolt.DefaultServiceIntervalKM {
		t.Fatalf("auto-registered vehicle = %+v, %v", v, err)
	}
	v = register(t, db, "苏E-12121", 8000, 60)
	if !v.Registered || v.Kind != "van" || v.ServiceIntervalKM != 8000 || v.OdometerKM != 500 || !contains(v.Flags, server.FlagRegisteredByLog) {
		t.Fatalf("claimed vehicle = %+v", v)
	}
	_, err = db.RegisterVehicle(bg, dsSupervisor, &server.NewVehicle{VehicleID: "苏E-12121", Kind: "van", ServiceIntervalKM: 1, ServiceIntervalDays: 1})
	dsWantCode(t, err, syncproto.CodeConflict)
	_, err = db.VehicleLogs(bg, "nope", "", 10)
	dsWantCode(t, err, syncproto.CodeNotFound)
	ev, _ := db.ListEvents(bg, server.EventFilter{Limit: 10})
	var actions []string
	for _, e := range ev.Events {
		actions = append(actions, e.Action)
	}
	if fmt.Sprint(actions) != "[vehicle.auto_register vehicle.register]" {
		t.Fatalf("events %v", actions)
	}
}
