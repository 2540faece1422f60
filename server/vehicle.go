package server

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Defect statuses and certification resolutions.
const (
	DefectOpen      = syncproto.DefectOpen
	DefectCertified = syncproto.DefectCertified

	ResolutionRepaired  = syncproto.ResolutionRepaired
	ResolutionNotNeeded = syncproto.ResolutionNotNeeded
)

// Reasons a vehicle needs attention.
const (
	ReasonOpenDefects    = syncproto.ReasonOpenDefects
	ReasonServiceOverdue = syncproto.ReasonServiceOverdue
	ReasonServiceDueSoon = syncproto.ReasonServiceDueSoon
)

// FlagRegisteredByLog marks a vehicle first seen in a courier's log: it got
// default service intervals until a supervisor registers it.
const FlagRegisteredByLog = syncproto.FlagRegisteredByLog

// Audit actions of the vehicle registry.
const (
	ActionVehicleRegister = "vehicle.register"
	ActionVehicleAutoAdd  = "vehicle.auto_register"
	ActionDefectOpen      = "defect.open"
	ActionDefectCertify   = "defect.certify"
)

// ServiceDue is when a vehicle's next service falls due: by date or by
// distance, whichever comes first.
type ServiceDue struct {
	DueAt   time.Time
	DueKM   int64
	Overdue bool
	DueSoon bool
}

// NextService works out the service due from the last service (or, before
// any, the vehicle's first sighting) at baseAt and baseKM, the intervals,
// the current odometer and now. DueSoon is within s.ServiceDueWithin or
// s.ServiceDueWithinKM of either limit without having reached it.
func NextService(baseAt time.Time, baseKM, intervalDays, intervalKM, odometer int64, now time.Time, s Settings) ServiceDue {
	sd := ServiceDue{DueAt: Encodable(baseAt.AddDate(0, 0, int(intervalDays))), DueKM: baseKM + intervalKM}
	sd.Overdue = !now.Before(sd.DueAt) || odometer >= sd.DueKM
	sd.DueSoon = !sd.Overdue && (sd.DueAt.Sub(now) <= s.ServiceDueWithin || sd.DueKM-odometer <= s.ServiceDueWithinKM)
	return sd
}

// NewVehicle is the body of POST /v1/vehicles.
type NewVehicle syncproto.NewVehicle

// Check validates the request.
func (r *NewVehicle) Check() error {
	switch {
	case r.VehicleID == "" || len(r.VehicleID) > syncproto.MaxVehicleIDLen || !utf8.ValidString(r.VehicleID) || strings.TrimSpace(r.VehicleID) != r.VehicleID:
		return Invalid("vehicle_id: 1–32 bytes, no surrounding spaces")
	case strings.TrimSpace(r.Kind) == "" || utf8.RuneCountInString(r.Kind) > 64 || !utf8.ValidString(r.Kind):
		return Invalid("kind: required, at most 64 characters")
	case r.ServiceIntervalKM < 1 || r.ServiceIntervalKM > 1_000_000:
		return Invalid("service_interval_km: 1 to 1000000")
	case r.ServiceIntervalDays < 1 || r.ServiceIntervalDays > 3650:
		return Invalid("service_interval_days: 1 to 3650")
	}
	return nil
}

// Vehicle is the supervisor's view of a vehicle.
type Vehicle = syncproto.Vehicle

// VehicleFilter selects vehicles; Attention keeps only those with a reason.
type VehicleFilter struct {
	Attention bool
	Cursor    string
	Limit     int
}

// VehicleList is the body of GET /v1/vehicles.
type VehicleList = syncproto.VehicleList

// VehicleLog is one log of a vehicle's history.
type VehicleLog = syncproto.VehicleLogView

// VehicleLogList is the body of GET /v1/vehicles/{id}/logs.
type VehicleLogList = syncproto.VehicleLogList

// Defect is an inspection item that failed, and its certification.
type Defect = syncproto.Defect

// DefectList is the body of GET /v1/vehicles/{id}/defects.
type DefectList = syncproto.DefectList

// CertifyDefect is the body of POST …/defects/{defect_id}/certify.
type CertifyDefect syncproto.CertifyDefect

// Check validates the request.
func (r *CertifyDefect) Check() error {
	if r.Resolution != ResolutionRepaired && r.Resolution != ResolutionNotNeeded {
		return Invalid("resolution: one of repaired, not_needed")
	}
	if strings.TrimSpace(r.Note) == "" || !utf8.ValidString(r.Note) || utf8.RuneCountInString(r.Note) > syncproto.MaxTextRunes {
		return Invalid("note: required, at most 2000 characters")
	}
	return nil
}

// VehicleService is the vehicle registry and the defect loop.
type VehicleService interface {
	// RegisterVehicle registers a vehicle. An id already registered →
	// conflict; a vehicle first seen in a log (registered_by_log, not yet
	// registered) is claimed: it takes the kind and intervals given.
	RegisterVehicle(ctx context.Context, p Principal, r *NewVehicle) (*Vehicle, error)
	// Vehicle returns one vehicle; unknown → not_found.
	Vehicle(ctx context.Context, id string) (*Vehicle, error)
	// ListVehicles lists vehicles in id order.
	ListVehicles(ctx context.Context, f VehicleFilter) (*VehicleList, error)
	// VehicleLogs lists a vehicle's logs in recorded_at order; unknown
	// vehicle → not_found, malformed cursor → invalid_request.
	VehicleLogs(ctx context.Context, id, cursor string, limit int) (*VehicleLogList, error)
	// VehicleDefects lists a vehicle's defects oldest first.
	VehicleDefects(ctx context.Context, id, cursor string, limit int) (*DefectList, error)
	// CertifyDefect certifies a defect repaired or not needing repair.
	// Unknown → not_found; already certified → conflict.
	CertifyDefect(ctx context.Context, p Principal, vehicleID, defectID string, r *CertifyDefect) (*Defect, error)
}
