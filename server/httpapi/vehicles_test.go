package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"net/url"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestVehiclesOverHTTP(t *testing.T) {
	h := newHarness(t)
	a, b := h.courier(t, "driver-a"), h.courier(t, "driver-b")
	sup := h.user(t, "sup", syncproto.RoleSupervisor)
	const plate = "沪A-12345"
	path := "/v1/vehicles/" + url.PathEscape(plate)
	var v server.Vehicle
	h.do(t, "POST", "/v1/vehicles", sup.access, map[string]any{"vehicle_id": plate, "kind": "van", "service_interval_km": 10000, "service_interval_days": 180}).decode(t, 201, &v)
	if !v.Registered || !v.Fit {
		t.Fatalf("registered = %s", show(v))
	}
	h.do(t, "POST", "/v1/vehicles", sup.access, map[string]any{"vehicle_id": plate, "kind": "van", "service_interval_km": 1, "service_interval_days": 1}).wantError(t, 409, syncproto.CodeConflict)

	// B was offline: their earlier inspection (a failed item) arrives after
	// A's later reading.
	now := h.clock.Now()
	applied(t, a.pushOK(t, makeOp("vehicle_log", 1, now, vehicleLog(plate, 1500)))[0])
	applied(t, b.pushOK(t, makeOp("vehicle_log", 1, now.Add(-2*time.Hour), inspection(plate, 1400, false)))[0])
	rejected(t, b.pushOK(t, makeOp("vehicle_log", 2, now.Add(-time.Hour), vehicleLog(plate, 1600)))[0], syncproto.CodeOdometerRegression)

	var logs server.VehicleLogList
	h.do(t, "GET", path+"/logs?limit=1", sup.access, nil).decode(t, 200, &logs)
	if len(logs.Logs) != 1 || logs.Logs[0].CourierID != b.userID || logs.Logs[0].Type != "inspection" || !logs.HasMore {
		t.Fatalf("first page = %s", show(logs))
	}
	h.do(t, "GET", path+"/logs?limit=1&cursor="+logs.Cursor, sup.access, nil).decode(t, 200, &logs)
	if len(logs.Logs) != 1 || logs.Logs[0].CourierID != a.userID || logs.Logs[0].OdometerKM != 1500 || logs.HasMore {
		t.Fatalf("second page = %s", show(logs))
	}

	var vl server.VehicleList
	h.do(t, "GET", "/v1/vehicles?attention=true", sup.access, nil).decode(t, 200, &vl)
	if len(vl.Vehicles) != 1 || vl.Vehicles[0].Fit || vl.Vehicles[0].OpenDefects != 1 || vl.Vehicles[0].OdometerKM != 1500 {
		t.Fatalf("attention = %s", show(vl))
	}
	var dl server.DefectList
	h.do(t, "GET", path+"/defects", sup.access, nil).decode(t, 200, &dl)
	if len(dl.Defects) != 1 || dl.Defects[0].Status != "open" || dl.Defects[0].Item != "left rear tyre" {
		t.Fatalf("defects = %s", show(dl))
	}
	certify := path + "/defects/" + dl.Defects[0].DefectID + "/certify"
	h.do(t, "POST", certify, sup.access, map[string]any{"resolution": "repaired"}).wantError(t, 400, syncproto.CodeInvalidRequest)
	var d server.Defect
	h.do(t, "POST", certify, sup.access, map[string]any{"resolution": "repaired", "note": "tyre replaced"}).decode(t, 200, &d)
	if d.Status != "certified" || d.VehicleFit == nil || !*d.VehicleFit {
		t.Fatalf("certified = %s", show(d))
	}
	h.do(t, "POST", certify, sup.access, map[string]any{"resolution": "repaired", "note": "again"}).wantError(t, 409, syncproto.CodeConflict)
	h.do(t, "GET", "/v1/vehicles?attention=true", sup.access, nil).decode(t, 200, &vl)
	if len(vl.Vehicles) != 0 {
		t.Fatalf("attention after certification = %s", show(vl))
	}
	h.do(t, "GET", "/v1/vehicles/"+url.PathEscape("京X-00000")+"/logs", sup.access, nil).wantError(t, 404, syncproto.CodeNotFound)
}

func TestQualityReportOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "reporter")
	sup := h.user(t, "sup", syncproto.RoleSupervisor)
	c.pushOK(t, c.op("pickup", pickup(waybill())), c.op("pickup", pickup(waybill())), c.op("complaint", complaint(h.clock.Now())))
	month := h.clock.Now().In(shanghai).Format("2006-01")
	var rep server.QualityReport
	h.do(t, "GET", "/v1/reports/quality?month="+month, sup.access, nil).decode(t, 200, &rep)
	if rep.Pickups != 2 || rep.Complaints != 1 || rep.ComplaintRatePercent == nil || *rep.ComplaintRatePercent != 50 || *rep.ComplaintsPerMillion != 500_000 || len(rep.ByCourier) != 1 {
		t.Fatalf("report = %s", show(rep))
	}
	r := h.do(t, "GET", "/v1/reports/quality?format=csv&month="+month, sup.access, nil)
	if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv answer %d %q", r.status, r.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "month" || rows[1][2] != "2" || rows[2][1] != c.userID {
		t.Fatalf("csv = %q, %v", rows, err)
	}
	h.do(t, "GET", "/v1/reports/quality?month=2026-1", sup.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
	h.do(t, "GET", "/v1/reports/quality?format=xls", sup.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
}
