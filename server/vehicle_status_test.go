package server_test

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestVehicleStatusRules(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	s := server.DefaultSettings()
	t.Run("a driver stays told for 30 days after their last log, not a day more", func(t *testing.T) {
		if !server.RecentDriver(now.Add(-30*24*time.Hour), now, s) || server.RecentDriver(now.Add(-31*24*time.Hour), now, s) {
			t.Fatal("window is not 30 days")
		}
		s.VehicleStatusWindow = 24 * time.Hour
		if server.RecentDriver(now.Add(-25*time.Hour), now, s) {
			t.Fatal("the setting is ignored")
		}
	})
	t.Run("a fast device clock cannot stretch the window", func(t *testing.T) {
		if got := server.DriverLoggedAt(now.Add(365*24*time.Hour), now); !got.Equal(now) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("the status lists items and times, never notes, and is unfit with any open defect", func(t *testing.T) {
		st := server.VehicleStatusOf("V1", []server.Defect{{DefectID: "df-1", Item: "brakes", Note: "customer Zhang's gate", OpenedAt: now}})
		if st.Fit || len(st.OpenDefects) != 1 || st.OpenDefects[0] != (syncproto.StatusDefect{DefectID: "df-1", Item: "brakes", OpenedAt: now}) {
			t.Fatalf("got %+v", st)
		}
		if ok := server.VehicleStatusOf("V1", nil); !ok.Fit || ok.OpenDefects == nil {
			t.Fatalf("got %+v: want fit with an empty (not null) list", ok)
		}
		many := make([]server.Defect, syncproto.MaxStatusDefects+5)
		if got := server.VehicleStatusOf("V1", many); len(got.OpenDefects) != syncproto.MaxStatusDefects || got.Fit {
			t.Fatalf("cap: %d", len(got.OpenDefects))
		}
	})
}
