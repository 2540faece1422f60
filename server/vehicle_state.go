package server

import (
	"math"
	"time"
)

// VehicleFacts are what the store reads of a vehicle's history for its
// state at a time (see VehicleReadAt): the odometer of the last log then,
// the first log ever (if any), the last service then (if any) and, for a
// past state, all the vehicle's defects.
type VehicleFacts struct {
	OdometerKM    int64
	FirstLogAt    *time.Time
	FirstLogKM    int64
	LastServiceAt *time.Time
	LastServiceKM int64
	Defects       []Defect
}

// VehicleReadAt is the time up to which the store reads a vehicle's
// history for its state at t: t itself, or when current the latest log
// whatever its time (a fast device clock may date a log ahead of now).
func VehicleReadAt(t time.Time, current bool) time.Time {
	if current {
		return time.Unix(0, math.MaxInt64)
	}
	return t
}

// KnownAt reports whether the vehicle was in the registry at t: created by
// then, or logged by then (a log's device time may precede the sighting).
func (v *VehicleRecord) KnownAt(firstLogAt *time.Time, t time.Time) bool {
	return !v.CreatedAt.After(t) || (firstLogAt != nil && !firstLogAt.After(t))
}

// VehicleAt is the state of a vehicle at t: its odometer then, its next
// service, its open defects and why it needs attention. current says t is
// now, so open defects come from the registry's count, not the defects.
func VehicleAt(v *VehicleRecord, f VehicleFacts, t time.Time, current bool, s Settings) Vehicle {
	out := Vehicle{VehicleID: v.VehicleID, Kind: v.Kind, ServiceIntervalKM: v.ServiceIntervalKM,
		ServiceIntervalDays: v.ServiceIntervalDays, Registered: v.Registered, CreatedAt: v.CreatedAt,
		OpenDefects: v.OpenDefects, OdometerKM: f.OdometerKM, Flags: append([]string{}, v.Flags...), Reasons: []string{}}
	readAt := VehicleReadAt(t, current)
	baseAt, baseKM := v.CreatedAt, int64(0)
	if f.FirstLogAt != nil && !f.FirstLogAt.After(readAt) {
		baseKM = f.FirstLogKM
	}
	if f.LastServiceAt != nil {
		at := *f.LastServiceAt
		out.LastServiceAt = &at
		baseAt, baseKM = at, f.LastServiceKM
	}
	if !current {
		out.OpenDefects = 0
		for i := range f.Defects {
			if DefectOpenAt(&f.Defects[i], t) {
				out.OpenDefects++
			}
		}
	}
	sd := NextService(baseAt, baseKM, v.ServiceIntervalDays, v.ServiceIntervalKM, out.OdometerKM, t, s)
	out.ServiceDueAt, out.ServiceDueKM = &sd.DueAt, &sd.DueKM
	out.Fit = out.OpenDefects == 0
	if out.OpenDefects > 0 {
		out.Reasons = append(out.Reasons, ReasonOpenDefects)
	}
	if sd.Overdue {
		out.Reasons = append(out.Reasons, ReasonServiceOverdue)
	}
	if sd.DueSoon {
		out.Reasons = append(out.Reasons, ReasonServiceDueSoon)
	}
	return out
}
