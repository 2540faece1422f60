package syncproto

import "time"

// ChangeVehicleStatus carries a vehicle's fitness and open safety defects
// to every courier who logged it recently. Added to v1 (2026-12-06).
const ChangeVehicleStatus = "vehicle_status"

// MaxStatusDefects bounds the open defects one vehicle_status change lists;
// a vehicle with more is unfit all the same.
const MaxStatusDefects = 100

// VehicleStatus is the data of a "vehicle_status" change: whether the
// vehicle is fit to drive and the safety defects still open on it (no
// notes, no names: the item and when it was found). A vehicle's later
// change in the feed replaces its earlier ones.
type VehicleStatus struct {
	VehicleID   string         `json:"vehicle_id"`
	Fit         bool           `json:"fit"`
	OpenDefects []StatusDefect `json:"open_defects"`
	AsOf        time.Time      `json:"as_of"`
}

// StatusDefect is one open defect of a VehicleStatus.
type StatusDefect struct {
	DefectID string    `json:"defect_id"`
	Item     string    `json:"item"`
	OpenedAt time.Time `json:"opened_at"`
}
