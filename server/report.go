package server

import (
	"context"
	"encoding/csv"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

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
	syncproto.QualityFigures

	// SatisfiedScores is how many scores were 4 or 5 (the share's
	// numerator); ClaimDecisionsDue and ClaimsDecidedOnTime are the
	// on-time share's base and numerator; not part of the wire figures.
	SatisfiedScores     int64 `json:"-"`
	ClaimDecisionsDue   int64 `json:"-"`
	ClaimsDecidedOnTime int64 `json:"-"`
}

// Finish computes the rates from the counts: complaint rate in per cent and
// per million pickups, satisfaction share and claims decided on time in
// per cent, each rounded to two decimals; a rate whose base is 0 is nil
// (null in JSON, "n/a" in CSV), never 0.
func (q *QualityFigures) Finish() {
	q.ComplaintRatePercent = ratio(q.Complaints, q.Pickups, 100)
	q.ComplaintsPerMillion = ratio(q.Complaints, q.Pickups, 1e6)
	q.SatisfactionSharePercent = ratio(q.SatisfiedScores, q.SatisfactionScores, 100)
	q.ClaimsDecidedOnTimePercent = ratio(q.ClaimsDecidedOnTime, q.ClaimDecisionsDue, 100)
}

// ratio returns n × scale ÷ base rounded to two decimals, or nil when base
// is 0.
func ratio(n, base int64, scale float64) *float64 {
	if base == 0 {
		return nil
	}
	x := math.Round(float64(n)*scale/float64(base)*100) / 100
	return &x
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

// ParseMonth parses "YYYY-MM" and returns the month's first instant and the
// next month's, in loc.
func ParseMonth(s string, loc *time.Location) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", s, loc)
	if err != nil || len(s) != 7 {
		return time.Time{}, time.Time{}, Invalid("month: YYYY-MM")
	}
	return t, t.AddDate(0, 1, 0), nil
}

// csvHeader names the CSV columns; rows follow in the same order.
var csvHeader = []string{"month", "courier_id", "pickups", "complaints", "complaint_rate_percent",
	"complaints_per_million", "satisfaction_scores", "satisfaction_share_percent", "complaints_past_due",
	"cod_past_due_count", "cod_past_due_cents", "vehicles_needing_attention", "claims_filed",
	"claims_paid_cents", "claims_decided_on_time_percent", "inspections_done", "inspection_items_checked",
	"inspection_failures", "corrective_actions_open", "corrective_actions_overdue"}

// WriteCSV writes the report as CSV: a header, the company line (empty
// courier_id), then one line per courier.
func (r *QualityReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	if err := cw.Write(csvRow(r.Month, "", &r.QualityFigures)); err != nil {
		return err
	}
	for i := range r.ByCourier {
		if err := cw.Write(csvRow(r.Month, r.ByCourier[i].CourierID, &r.ByCourier[i].QualityFigures)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(month, courier string, q *QualityFigures) []string {
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	f := func(x *float64) string {
		if x == nil {
			return "n/a"
		}
		return strconv.FormatFloat(*x, 'f', 2, 64)
	}
	return []string{month, courier, i(q.Pickups), i(q.Complaints), f(q.ComplaintRatePercent),
		f(q.ComplaintsPerMillion), i(q.SatisfactionScores), f(q.SatisfactionSharePercent), i(q.ComplaintsPastDue),
		i(q.CODPastDueCount), i(q.CODPastDueCents), i(q.VehiclesNeedingAttention), i(q.ClaimsFiled),
		i(q.ClaimsPaidCents), f(q.ClaimsDecidedOnTimePercent), i(q.InspectionsDone), i(q.InspectionItemsChecked),
		i(q.InspectionFailures), i(q.CorrectiveActionsOpen), i(q.CorrectiveActionsOverdue)}
}

// ReportService makes the monthly quality report.
type ReportService interface {
	// QualityReport returns the report of month ("YYYY-MM" in the company
	// time zone; "" for the current month). A malformed month or one in
	// the future → invalid_request.
	QualityReport(ctx context.Context, month string) (*QualityReport, error)
}
