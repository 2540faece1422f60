package server

import (
	"context"

	"github.com/courier-sync/courier-sync/syncproto"
)

// PhotoState is one photo of a record and whether its blob has arrived.
type PhotoState = syncproto.PhotoState

// DamageReport is the dispatcher's view of a damage report: which evidence
// has arrived ("stored"), is missing or processing ("pending"), or could not
// be processed ("unprocessable").
type DamageReport = syncproto.DamageReportView

// DamageFilter selects damage reports.
type DamageFilter struct {
	Waybill   string
	CourierID string
	Cursor    string
	Limit     int
}

// DamageReportList is a page of damage reports.
type DamageReportList = syncproto.DamageReportList

// DamageReports lists damage reports with the state of their photos.
type DamageReports interface {
	// ListDamageReports returns reports oldest first; a malformed cursor →
	// invalid_request.
	ListDamageReports(ctx context.Context, f DamageFilter) (*DamageReportList, error)
}
