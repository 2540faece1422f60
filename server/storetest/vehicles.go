package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// vehicleBehaviours cover server.VehicleService.
var vehicleBehaviours = []behaviour{
	{"odometer readings out of order are judged by recorded_at, not arrival", odometerOutOfOrder},
	{"offline logs from two couriers build one history in time order", vehicleHistory},
	{"a failed inspection item opens a defect a supervisor certifies once", defectCertified},
	{"the first log registers an unknown vehicle, flagged, and registering claims it", vehicleRegisteredByLog},
	{"vehicles needing attention: defects, service due soon or overdue", vehiclesNeedingAttention},
	{"drivers of a vehicle get its status in their feed when its defects change", vehicleStatusFeed},
}

func (w *world) register(id string, km, days int64) *server.Vehicle {
	w.t.Helper()
	v, err := w.s.Vehicles.RegisterVehicle(w.ctx, w.sup, &server.NewVehicle{VehicleID: id, Kind: "van", ServiceIntervalKM: km, ServiceIntervalDays: days})
	if err != nil {
		w.t.Fatalf("RegisterVehicle(%s): %v", id, err)
	}
	return v
}

func serviceLog(vehicle string, km int64) map[string]any {
	return map[string]any{"vehicle_id": vehicle, "type": syncproto.LogService, "odometer_km": km}
}

func odometerOutOfOrder(t *testing.T, w *world) {
	a, b := w.courier("driver-a"), w.courier("driver-b")
	base := w.now().Add(-5 * time.Hour)
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	a.applyAt(syncproto.KindVehicleLog, at(0), odometer("沪A-12345", 1000))
	a.applyAt(syncproto.KindVehicleLog, at(4), odometer("沪A-12345", 1400))
	for _, tt := range []struct {
		name string
		hour int
		km   int64
		want string
	}{
		{"between its neighbours in time", 2, 1200, "applied"},
		{"lower than an earlier one", 3, 1100, "rejected:odometer_regression"},
		{"higher than a later one", 1, 1300, "rejected:odometer_regression"},
		{"equal to its earlier neighbour", 3, 1200, "applied"},
		{"after everything, any higher value", 5, 1500, "applied"},
		{"before everything, above the first", -1, 1001, "rejected:odometer_regression"},
	} {
		if got := outcome(b.send(b.op(syncproto.KindVehicleLog, at(tt.hour), odometer("沪A-12345", tt.km)))[0]); got != tt.want {
			t.Fatalf("a reading %s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	v, err := w.s.Vehicles.Vehicle(w.ctx, "沪A-12345")
	if err != nil || v.OdometerKM != 1500 {
		t.Fatalf("vehicle %+v, %v; want odometer 1500", v, err)
	}
}

func vehicleHistory(t *testing.T, w *world) {
	w.register("沪A-77777", 5000, 90)
	a, b := w.courier("morning"), w.courier("evening")
	day := w.now().Add(-8 * time.Hour)
	h := func(n int) time.Time { return day.Add(time.Duration(n) * time.Hour) }
	a.applyAt(syncproto.KindVehicleLog, h(0), serviceLog("沪A-77777", 1000))
	a.applyAt(syncproto.KindVehicleLog, h(6), odometer("沪A-77777", 1300))
	b.applyAt(syncproto.KindVehicleLog, h(4), odometer("沪A-77777", 1200))
	b.applyAt(syncproto.KindVehicleLog, h(2), inspectionLog("沪A-77777", 1100, "left mirror"))
	var got []string
	cursor := ""
	for {
		l, err := w.s.Vehicles.VehicleLogs(w.ctx, "沪A-77777", cursor, 3)
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
	if want := "[A:service:1000 B:inspection:1100 B:odometer:1200 A:odometer:1300]"; fmt.Sprint(got) != want {
		t.Fatalf("logs %v, want %s", got, want)
	}
	v, err := w.s.Vehicles.Vehicle(w.ctx, "沪A-77777")
	if err != nil || v.OdometerKM != 1300 || v.Fit || v.OpenDefects != 1 || v.ServiceDueKM == nil || *v.ServiceDueKM != 6000 {
		t.Fatalf("vehicle %+v, %v", v, err)
	}
	if v.ServiceDueAt == nil || !v.ServiceDueAt.Equal(h(0).AddDate(0, 0, 90)) {
		t.Fatalf("service due %v, want 90 days after the service log", v.ServiceDueAt)
	}
	_, err = w.s.Vehicles.VehicleLogs(w.ctx, "沪A-00000", "", 10)
	wantCode(t, err, syncproto.CodeNotFound)
	_, err = w.s.Vehicles.VehicleLogs(w.ctx, "沪A-77777", "%%bad%%", 10)
	wantCode(t, err, syncproto.CodeInvalidRequest)
}

func defectCertified(t *testing.T, w *world) {
	c := w.courier("driver-d")
	r := c.apply(syncproto.KindVehicleLog, inspectionLog("粤C-55555", 500, "lights"))
	if !contains(r.Flags, "defect_opened") {
		t.Fatalf("result %+v, want flagged defect_opened", r)
	}
	l, err := w.s.Vehicles.VehicleDefects(w.ctx, "粤C-55555", "", 10)
	if err != nil || len(l.Defects) != 1 || l.Defects[0].Status != syncproto.DefectOpen || l.Defects[0].Item != "lights" {
		t.Fatalf("defects %+v, %v", l, err)
	}
	id := l.Defects[0].DefectID
	certify := func(vehicle, defect, resolution string) (*server.Defect, error) {
		return w.s.Vehicles.CertifyDefect(w.ctx, w.sup, vehicle, defect, &server.CertifyDefect{Resolution: resolution, Note: "bulb replaced"})
	}
	_, err = certify("粤C-55555", id, "fixed")
	wantCode(t, err, syncproto.CodeInvalidRequest)
	_, err = certify("粤C-55555", "df-999", syncproto.ResolutionRepaired)
	wantCode(t, err, syncproto.CodeNotFound)
	_, err = certify("京B-00000", id, syncproto.ResolutionRepaired)
	wantCode(t, err, syncproto.CodeNotFound)
	d, err := certify("粤C-55555", id, syncproto.ResolutionRepaired)
	if err != nil || d.Status != syncproto.DefectCertified || d.VehicleFit == nil || !*d.VehicleFit || d.CertifiedBy != w.sup.UserID {
		t.Fatalf("certify %+v, %v", d, err)
	}
	_, err = certify("粤C-55555", id, syncproto.ResolutionNotNeeded)
	wantCode(t, err, syncproto.CodeConflict)
	if v, err := w.s.Vehicles.Vehicle(w.ctx, "粤C-55555"); err != nil || !v.Fit || v.OpenDefects != 0 {
		t.Fatalf("vehicle after certification %+v, %v", v, err)
	}
	if ev := w.events(server.ActionDefectCertify); len(ev) != 1 || !strings.Contains(ev[0].Detail, "bulb replaced") {
		t.Fatalf("certify events %+v", ev)
	}
}

func vehicleRegisteredByLog(t *testing.T, w *world) {
	c := w.courier("scout")
	r := c.apply(syncproto.KindVehicleLog, odometer("苏E-12121", 500))
	if !contains(r.Flags, "vehicle_unregistered") {
		t.Fatalf("first log %+v, want flagged vehicle_unregistered", r)
	}
	if r := c.apply(syncproto.KindVehicleLog, odometer("苏E-12121", 600)); contains(r.Flags, "vehicle_unregistered") {
		t.Fatalf("second log flagged again: %+v", r)
	}
	v, err := w.s.Vehicles.Vehicle(w.ctx, "苏E-12121")
	if err != nil || v.Registered || !contains(v.Flags, server.FlagRegisteredByLog) || v.ServiceIntervalKM <= 0 {
		t.Fatalf("auto-registered vehicle %+v, %v", v, err)
	}
	v = w.register("苏E-12121", 8000, 60)
	if !v.Registered || v.Kind != "van" || v.ServiceIntervalKM != 8000 || v.OdometerKM != 600 {
		t.Fatalf("claimed vehicle %+v", v)
	}
	_, err = w.s.Vehicles.RegisterVehicle(w.ctx, w.sup, &server.NewVehicle{VehicleID: "苏E-12121", Kind: "van", ServiceIntervalKM: 1, ServiceIntervalDays: 1})
	wantCode(t, err, syncproto.CodeConflict)
	_, err = w.s.Vehicles.Vehicle(w.ctx, "nope")
	wantCode(t, err, syncproto.CodeNotFound)
	if n := len(w.events(server.ActionVehicleAutoAdd)) + len(w.events(server.ActionVehicleRegister)); n != 2 {
		t.Fatalf("%d registration events, want an auto-registration and a registration", n)
	}
}

func vehiclesNeedingAttention(t *testing.T, w *world) {
	c := w.courier("fleet")
	for _, id := range []string{"V-DATE", "V-DEFECT", "V-FINE", "V-KM", "V-OVERDUE"} {
		w.register(id, 10_000, 90)
		c.apply(syncproto.KindVehicleLog, serviceLog(id, 20_000))
	}
	w.clock.Advance(78 * 24 * time.Hour)
	c.apply(syncproto.KindVehicleLog, serviceLog("V-FINE", 25_000))
	c.apply(syncproto.KindVehicleLog, odometer("V-KM", 29_600))
	c.apply(syncproto.KindVehicleLog, serviceLog("V-DEFECT", 21_000))
	c.apply(syncproto.KindVehicleLog, inspectionLog("V-DEFECT", 21_000, "horn"))
	c.apply(syncproto.KindVehicleLog, odometer("V-OVERDUE", 30_001))
	c.apply(syncproto.KindVehicleLog, odometer("V-DATE", 21_000))
	w.clock.Advance(6 * 24 * time.Hour) // day 84: V-DATE's service (day 90) is 6 days off
	l, err := w.s.Vehicles.ListVehicles(w.ctx, server.VehicleFilter{Attention: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range l.Vehicles {
		got = append(got, v.VehicleID+":"+strings.Join(v.Reasons, "+"))
	}
	if want := "[V-DATE:service_due_soon V-DEFECT:open_defects V-KM:service_due_soon V-OVERDUE:service_overdue]"; fmt.Sprint(got) != want {
		t.Fatalf("attention %v, want %s (id order)", got, want)
	}
	var ids []string
	cursor := ""
	for {
		page, err := w.s.Vehicles.ListVehicles(w.ctx, server.VehicleFilter{Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Vehicles {
			ids = append(ids, v.VehicleID)
		}
		if !page.HasMore {
			break
		}
		cursor = page.Cursor
	}
	if fmt.Sprint(ids) != "[V-DATE V-DEFECT V-FINE V-KM V-OVERDUE]" {
		t.Fatalf("all vehicles, paged: %v", ids)
	}
}

func vehicleStatusFeed(t *testing.T, w *world) {
	a, b := w.courier("driver-a"), w.courier("other")
	a.apply(syncproto.KindVehicleLog, inspectionLog("浙A-11111", 100, "tyres"))
	st := changesOf[syncproto.VehicleStatus](w, a.p, syncproto.ChangeVehicleStatus)
	if len(st) == 0 || st[len(st)-1].Fit || len(st[len(st)-1].OpenDefects) != 1 {
		t.Fatalf("the driver's vehicle_status changes %+v, want unfit with one defect", st)
	}
	l, err := w.s.Vehicles.VehicleDefects(w.ctx, "浙A-11111", "", 10)
	if err != nil || len(l.Defects) != 1 {
		t.Fatalf("defects %+v, %v", l, err)
	}
	if _, err := w.s.Vehicles.CertifyDefect(w.ctx, w.sup, "浙A-11111", l.Defects[0].DefectID, &server.CertifyDefect{Resolution: syncproto.ResolutionRepaired, Note: "new tyre"}); err != nil {
		t.Fatal(err)
	}
	st = changesOf[syncproto.VehicleStatus](w, a.p, syncproto.ChangeVehicleStatus)
	if last := st[len(st)-1]; !last.Fit || len(last.OpenDefects) != 0 || last.VehicleID != "浙A-11111" {
		t.Fatalf("after certification the driver's feed ends with %+v", last)
	}
	if n := len(changesOf[syncproto.VehicleStatus](w, b.p, syncproto.ChangeVehicleStatus)); n != 0 {
		t.Fatalf("a courier who never drove it got %d vehicle_status changes", n)
	}
}
