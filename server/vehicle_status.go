package server

import (
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// HintVehicleStatus is the wake-up hint of a vehicle_status change: a
// vehicle the courier drove turned unfit, or fit again.
const HintVehicleStatus = "vehicle_status"

// DefaultVehicleStatusWindow is how long after a courier's last log of a
// vehicle they are still sent its status changes.
const DefaultVehicleStatusWindow = 30 * 24 * time.Hour

// VehicleStatusWindow returns s.VehicleStatusWindow, or the default when
// it is not set.
func VehicleStatusWindow(s Settings) time.Duration {
	if s.VehicleStatusWindow > 0 {
		return s.VehicleStatusWindow
	}
	return DefaultVehicleStatusWindow
}

// DriverLoggedAt is the time a vehicle log counts for its driver: when it
// was recorded, but never later than the server's now, so that a fast
// device clock cannot keep a courier subscribed past the window.
func DriverLoggedAt(recordedAt, now time.Time) time.Time {
	if recordedAt.After(now) {
		return now
	}
	return recordedAt
}

// RecentDriver reports whether a courier whose latest log of a vehicle is
// at last is still told the vehicle's status at now.
func RecentDriver(last, now time.Time, s Settings) bool {
	return now.Sub(last) <= VehicleStatusWindow(s)
}

// VehicleStatusOf is the vehicle_status change of a vehicle whose open
// defects are open (oldest first): fit exactly when none is open. Only
// the defect's id, item and time go out: never its note. At most
// syncproto.MaxStatusDefects are listed.
func VehicleStatusOf(vehicleID string, open []Defect) *syncproto.VehicleStatus {
	st := &syncproto.VehicleStatus{VehicleID: vehicleID, Fit: len(open) == 0, OpenDefects: []syncproto.StatusDefect{}}
	for _, d := range open {
		if len(st.OpenDefects) == syncproto.MaxStatusDefects {
			break
		}
		st.OpenDefects = append(st.OpenDefects, syncproto.StatusDefect{DefectID: d.DefectID, Item: d.Item, OpenedAt: d.OpenedAt})
	}
	return st
}
