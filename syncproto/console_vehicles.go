package syncproto

import "time"

// NewVehicle is the body of POST /v1/vehicles.
type NewVehicle struct {
	VehicleID           string `json:"vehicle_id"`
	Kind                string `json:"kind"`
	ServiceIntervalKM   int64  `json:"service_interval_km"`
	ServiceIntervalDays int64  `json:"service_interval_days"`
}

// Vehicle is the supervisor's view of a vehicle.
type Vehicle struct {
	VehicleID           string     `json:"vehicle_id"`
	Kind                string     `json:"kind"`
	ServiceIntervalKM   int64      `json:"service_interval_km"`
	ServiceIntervalDays int64      `json:"service_interval_days"`
	Registered          bool       `json:"registered"`
	Fit                 bool       `json:"fit"`
	OdometerKM          int64      `json:"odometer_km"`
	OpenDefects         int        `json:"open_defects"`
	LastServiceAt       *time.Time `json:"last_service_at,omitempty"`
	ServiceDueAt        *time.Time `json:"service_due_at,omitempty"`
	ServiceDueKM        *int64     `json:"service_due_km,omitempty"`
	Reasons             []string   `json:"reasons"`
	Flags               []string   `json:"flags"`
	CreatedAt           time.Time  `json:"created_at"`
}

// VehicleList is the body of GET /v1/vehicles.
type VehicleList struct {
	Vehicles []Vehicle `json:"vehicles"`
	Cursor   string    `json:"cursor"`
	HasMore  bool      `json:"has_more"`
}

// VehicleLogView is one log of a vehicle's history.
type VehicleLogView struct {
	LogID      string           `json:"log_id"`
	OpID       string           `json:"op_id"`
	Type       string           `json:"type"`
	OdometerKM int64            `json:"odometer_km"`
	RecordedAt time.Time        `json:"recorded_at"`
	CourierID  string           `json:"courier_id"`
	Items      []InspectionItem `json:"items,omitempty"`
	Note       string           `json:"note,omitempty"`
	Photos     []string         `json:"photos,omitempty"`
}

// VehicleLogList is the body of GET /v1/vehicles/{id}/logs.
type VehicleLogList struct {
	Logs    []VehicleLogView `json:"logs"`
	Cursor  string           `json:"cursor"`
	HasMore bool             `json:"has_more"`
}

// Defect is an inspection item that failed, and its certification.
type Defect struct {
	DefectID    string     `json:"defect_id"`
	VehicleID   string     `json:"vehicle_id"`
	Item        string     `json:"item"`
	Note        string     `json:"note"`
	OpenedAt    time.Time  `json:"opened_at"`
	OpID        string     `json:"op_id"`
	Status      string     `json:"status"`
	Resolution  string     `json:"resolution,omitempty"`
	CertifyNote string     `json:"certify_note,omitempty"`
	CertifiedBy string     `json:"certified_by,omitempty"`
	CertifiedAt *time.Time `json:"certified_at,omitempty"`
	// VehicleFit is whether the vehicle is fit after this certification
	// (only in the certify answer).
	VehicleFit *bool `json:"vehicle_fit,omitempty"`
}

// DefectList is the body of GET /v1/vehicles/{id}/defects.
type DefectList struct {
	Defects []Defect `json:"defects"`
	Cursor  string   `json:"cursor"`
	HasMore bool     `json:"has_more"`
}

// CertifyDefect is the body of POST …/defects/{defect_id}/certify.
type CertifyDefect struct {
	Resolution string `json:"resolution"`
	Note       string `json:"note"`
}
