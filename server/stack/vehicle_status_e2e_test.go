package stack_test

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// handheld opens a real outbox for a courier account made on ts.
func (ts *testServer) handheld(t *testing.T, name string) *mobileapi.Outbox {
	t.Helper()
	ts.root.mustJSON(t, "POST", "/v1/admin/users", syncproto.CreateUserRequest{Username: name, Password: name + "-password", Role: syncproto.RoleCourier}, 201, nil)
	o, err := mobileapi.Open(filepath.Join(t.TempDir(), name+".db"), &mobileapi.Options{
		ServerURL: ts.url, DeviceID: "pda-" + name, Username: name, Password: name + "-password",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func syncOnce(t *testing.T, o *mobileapi.Outbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := o.Sync(ctx); err != nil {
		t.Fatal(err)
	}
}

func logVehicle(t *testing.T, o *mobileapi.Outbox, v *mobileapi.VehicleLog) {
	t.Helper()
	if _, err := o.RecordVehicleLog(v); err != nil {
		t.Fatal(err)
	}
}

func wantStatus(t *testing.T, o *mobileapi.Outbox, vehicle string, fit bool, items ...string) {
	t.Helper()
	st, err := o.VehicleStatus(vehicle)
	if err != nil {
		t.Fatalf("VehicleStatus(%q): %v", vehicle, err)
	}
	got := []string{}
	for _, d := range st.OpenDefects {
		got = append(got, d.Item)
		if d.DefectID == "" || d.OpenedAt == "" {
			t.Errorf("defect without id or time: %+v", d)
		}
	}
	if st.Fit != fit || len(got) != len(items) {
		t.Fatalf("vehicle %s: fit %v, defects %v; want fit %v, defects %v", vehicle, st.Fit, got, fit, items)
	}
	for i := range items {
		if got[i] != items[i] {
			t.Fatalf("vehicle %s: defects %v, want %v", vehicle, got, items)
		}
	}
}

func TestAnUnfitVansDefectReachesEveryRecentDriverAfterOneSync(t *testing.T) {
	ts := startStack(t, stack.Config{})
	const van = "沪A-D4711"
	prev := ts.handheld(t, "vs-prev")   // drove the van yesterday
	insp := ts.handheld(t, "vs-insp")   // inspects it this morning
	next := ts.handheld(t, "vs-next")   // takes it over today, never logged it
	other := ts.handheld(t, "vs-other") // drives another van

	logVehicle(t, prev, &mobileapi.VehicleLog{VehicleID: van, Type: syncproto.LogOdometer, OdometerKM: 1000,
		RecordedAt: time.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)})
	syncOnce(t, prev)
	wantStatus(t, prev, van, true)

	logVehicle(t, other, &mobileapi.VehicleLog{VehicleID: "沪A-00001", Type: syncproto.LogOdometer, OdometerKM: 5})
	syncOnce(t, other)

	logVehicle(t, insp, &mobileapi.VehicleLog{VehicleID: van, Type: syncproto.LogInspection, OdometerKM: 1010,
		Items: []mobileapi.InspectionItem{{Item: "brakes", OK: false, Note: "pedal goes to the floor"}, {Item: "tyres", OK: true}}})
	syncOnce(t, insp)
	wantStatus(t, insp, van, false, "brakes")

	t.Run("the courier who drove it yesterday sees the defect after one sync", func(t *testing.T) {
		syncOnce(t, prev)
		wantStatus(t, prev, van, false, "brakes")
	})
	t.Run("the next courier sees it in the sync that sends their first log of the van", func(t *testing.T) {
		if _, err := next.VehicleStatus(van); !errors.Is(err, mobileapi.ErrUnknownVehicle) {
			t.Fatalf("before any log: %v, want ErrUnknownVehicle", err)
		}
		logVehicle(t, next, &mobileapi.VehicleLog{VehicleID: van, Type: syncproto.LogOdometer, OdometerKM: 1012})
		syncOnce(t, next)
		wantStatus(t, next, van, false, "brakes")
	})
	t.Run("a courier who never drove it is not told", func(t *testing.T) {
		syncOnce(t, other)
		if _, err := other.VehicleStatus(van); !errors.Is(err, mobileapi.ErrUnknownVehicle) {
			t.Fatalf("got %v, want ErrUnknownVehicle", err)
		}
	})
	t.Run("certifying the defect makes the van fit again on every handheld", func(t *testing.T) {
		sup := ts.user(t, "vs-sup", syncproto.RoleSupervisor, "console-s")
		var defects server.DefectList
		sup.mustJSON(t, "GET", "/v1/vehicles/"+url.PathEscape(van)+"/defects", nil, 200, &defects)
		if len(defects.Defects) != 1 {
			t.Fatalf("defects: %+v", defects)
		}
		sup.mustJSON(t, "POST", "/v1/vehicles/"+url.PathEscape(van)+"/defects/"+defects.Defects[0].DefectID+"/certify",
			server.CertifyDefect{Resolution: server.ResolutionRepaired, Note: "brake line replaced"}, 200, nil)
		for _, o := range []*mobileapi.Outbox{prev, insp, next} {
			syncOnce(t, o)
			wantStatus(t, o, van, true)
		}
	})
}
