package syncproto

import "time"

// QualityFigures are the monthly quality figures, for the company or for
// one courier.
//
// Pickups count by recorded_at and complaints by received_at within the
// month. SatisfactionScores counts callback scores given in the month
// (by the outcome's recorded_at), SatisfactionSharePercent the share of
// them that are 4 or 5. The past-due figures are a snapshot "as of" the
// report's as_of time (now for the current month, the month's end for
// earlier ones): complaints past due_by and not closed at that time,
// COD receipts past due_by and not settled at that time, vehicles that
// needed attention at that time.
type QualityFigures struct {
	Pickups                    int64    `json:"pickups"`
	Complaints                 int64    `json:"complaints"`
	ComplaintRatePercent       *float64 `json:"complaint_rate_percent"`
	ComplaintsPerMillion       *float64 `json:"complaints_per_million"`
	SatisfactionScores         int64    `json:"satisfaction_scores"`
	SatisfactionSharePercent   *float64 `json:"satisfaction_share_percent"`
	ComplaintsPastDue          int64    `json:"complaints_past_due"`
	CODPastDueCount            int64    `json:"cod_past_due_count"`
	CODPastDueCents            int64    `json:"cod_past_due_cents"`
	VehiclesNeedingAttention   int64    `json:"vehicles_needing_attention"`
	ClaimsFiled                int64    `json:"claims_filed"`
	ClaimsPaidCents            int64    `json:"claims_paid_cents"`
	ClaimsDecidedOnTimePercent *float64 `json:"claims_decided_on_time_percent"`
	// Inspection figures: completed inspections of the month (for a
	// courier: those whose sample covered them), items marked, items
	// failed, and corrective actions open and overdue at as_of (of any
	// inspection, so an action shows until it is closed).
	InspectionsDone          int64 `json:"inspections_done"`
	InspectionItemsChecked   int64 `json:"inspection_items_checked"`
	InspectionFailures       int64 `json:"inspection_failures"`
	CorrectiveActionsOpen    int64 `json:"corrective_actions_open"`
	CorrectiveActionsOverdue int64 `json:"corrective_actions_overdue"`
}

// CourierQuality is one courier's line of the report. Complaints the
// courier was exempted from do not count against them (the company line
// still counts them).
type CourierQuality struct {
	CourierID string `json:"courier_id"`
	QualityFigures
}

// QualityReport is the body of GET /v1/reports/quality.
type QualityReport struct {
	Month string `json:"month"`
	QualityFigures
	ByCourier []CourierQuality `json:"by_courier"`
	// From and To bound the month in the company time zone; AsOf is the
	// time of the past-due snapshot.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	AsOf time.Time `json:"as_of"`
	// InspectionMissing flags a month without a completed inspection.
	InspectionMissing bool `json:"inspection_missing"`
}
