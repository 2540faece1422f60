package server

import (
	"context"
	"time"
)

// PhotoState is one photo of a record and whether its blob has arrived.
type PhotoState struct {
	SHA256 string `json:"sha256"`
	State  string `json:"state"`
}

// DamageReport is the dispatcher's view of a damage report: which evidence
// has arrived ("stored"), is missing or processing ("pending"), or could not
// be processed ("unprocessable").
type DamageReport struct {
	ReportID      string       `json:"report_id"`
	Waybill       string       `json:"waybill"`
	CourierID     string       `json:"courier_id"`
	Stage         string       `json:"stage"`
	Severity      string       `json:"severity"`
	Description   string       `json:"description"`
	Photos        []PhotoState `json:"photos"`
	PhotosPending bool         `json:"photos_pending"`
	RecordedAt    time.Time    `json:"recorded_at"`
	// RecordedAtCorrected is recorded_at corrected by the device's
	// measured clock skew, when its push carried sent_at.
	RecordedAtCorrected *time.Time `json:"recorded_at_corrected,omitempty"`
}

// DamageFilter selects damage reports.
type DamageFilter struct {
	Waybill   string
	CourierID string
	Cursor    string
	Limit     int
}

// DamageReportList is a page of damage reports.
type DamageReportList struct {
	Reports []DamageReport `json:"reports"`
	Cursor  string         `json:"cursor"`
	HasMore bool           `json:"has_more"`
}

// DamageReports lists damage reports with the state of their photos.
type DamageReports interface {
	// ListDamageReports returns reports oldest first; a malformed cursor →
	// invalid_request.
	ListDamageReports(ctx context.Context, f DamageFilter) (*DamageReportList, error)
}
