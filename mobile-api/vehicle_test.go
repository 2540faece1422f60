package mobileapi

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func (f *fakeServer) addVehicleStatus(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		f.t.Fatal(err)
	}
	f.addChange(syncproto.ChangeVehicleStatus, data)
}

func TestVehicleStatus(t *testing.T) {
	opened := time.Date(2026, 12, 6, 7, 30, 0, 0, time.UTC)
	unfit := syncproto.VehicleStatus{VehicleID: "沪A-1", OpenDefects: []syncproto.StatusDefect{
		{DefectID: "df-2", Item: "lights", OpenedAt: opened.Add(time.Hour)}, {DefectID: "df-1", Item: "brakes", OpenedAt: opened}}}

	t.Run("the latest status of each vehicle is kept, defects oldest first, and read offline", func(t *testing.T) {
		f := newFakeServer(t)
		f.addVehicleStatus(syncproto.VehicleStatus{VehicleID: "沪A-1", Fit: true, OpenDefects: []syncproto.StatusDefect{}})
		f.addVehicleStatus(unfit)
		f.addVehicleStatus(syncproto.VehicleStatus{VehicleID: "沪A-2", Fit: true, OpenDefects: []syncproto.StatusDefect{}})
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if _, err := o.VehicleStatus("沪A-1"); !errors.Is(err, ErrUnknownVehicle) {
			t.Fatalf("before a pull: %v, want ErrUnknownVehicle", err)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		st, err := o.VehicleStatus("沪A-1")
		if err != nil {
			t.Fatal(err)
		}
		if st.Fit || len(st.OpenDefects) != 2 || st.OpenDefects[0].Item != "brakes" || st.OpenDefects[1].DefectID != "df-2" ||
			st.OpenDefects[0].OpenedAt != "2026-12-06T07:30:00Z" {
			t.Fatalf("status %+v %+v", st, st.OpenDefects)
		}
		all, err := o.VehicleStatuses()
		if err != nil || len(all) != 2 || all[1].VehicleID != "沪A-2" || !all[1].Fit {
			t.Fatalf("all: %v %+v", err, all)
		}
	})
	t.Run("a malformed status fails the pull and keeps the cursor", func(t *testing.T) {
		for _, bad := range []any{
			map[string]any{"fit": true, "open_defects": []any{}},
			syncproto.VehicleStatus{VehicleID: "沪A-1", Fit: true, OpenDefects: unfit.OpenDefects},
		} {
			f := newFakeServer(t)
			f.addVehicleStatus(bad)
			o, _ := openTest(t, tempDB(t), testOptions(f))
			if err := o.Sync(t.Context()); !errors.Is(err, ErrProtocol) {
				t.Fatalf("got %v, want ErrProtocol", err)
			}
			if st, _ := o.Status(); st.Cursor != "" {
				t.Fatalf("cursor moved past a malformed change: %q", st.Cursor)
			}
		}
	})
}
