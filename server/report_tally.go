package server

import (
	"math"
	"slices"
	"strings"
	"time"
)

// QualityTally collects the figures of the quality report: the store
// reads its indexes and hands each fact to the tally, which decides what
// counts, for the company and for which courier.
type QualityTally struct {
	total     QualityFigures
	byCourier map[string]*QualityFigures
	attention map[string]bool // vehicles needing attention at as_of

	// Month is the report's month "YYYY-MM"; Start and End bound it;
	// AsOf is the time of the past-due snapshot: now for the current
	// month (Current), the month's end for an earlier one.
	Month      string
	Start, End time.Time
	AsOf       time.Time
	Current    bool

	loc   *time.Location
	index int // MonthIndex of the month
}

// NewQualityTally starts the report of month ("" for the current month in
// s.Location) at now: a malformed month, or one in the future →
// invalid_request.
func NewQualityTally(month string, now time.Time, loc *time.Location) (*QualityTally, error) {
	if month == "" {
		month = now.In(loc).Format("2006-01")
	}
	start, end, err := ParseMonth(month, loc)
	if err != nil {
		return nil, err
	}
	if start.After(now) {
		return nil, Invalid("month: in the future")
	}
	q := &QualityTally{byCourier: map[string]*QualityFigures{}, attention: map[string]bool{},
		Month: month, Start: start, End: end, AsOf: end, loc: loc, index: MonthIndex(start, loc)}
	if now.Before(end) {
		q.AsOf, q.Current = now, true
	}
	return q, nil
}

func (q *QualityTally) courier(id string) *QualityFigures {
	f := q.byCourier[id]
	if f == nil {
		f = &QualityFigures{}
		q.byCourier[id] = f
	}
	return f
}

// each applies add to the company's figures and, when the fact names a
// courier it counts against, to the courier's.
func (q *QualityTally) each(courier string, add func(*QualityFigures)) {
	add(&q.total)
	if courier != "" {
		add(q.courier(courier))
	}
}

// both applies add to the company's figures and the courier's line, even
// one without an id (inspection items and actions always name one).
func (q *QualityTally) both(courier string, add func(*QualityFigures)) {
	add(&q.total)
	add(q.courier(courier))
}

// AddPickups counts n pickups of a courier in the month.
func (q *QualityTally) AddPickups(courier string, n int64) {
	q.total.Pickups += n
	q.courier(courier).Pickups += n
}

// AddScores counts a courier's satisfaction scores of the month, satisfied
// of them 4 or 5.
func (q *QualityTally) AddScores(courier string, scores, satisfied int64) {
	q.total.SatisfactionScores += scores
	q.total.SatisfiedScores += satisfied
	f := q.courier(courier)
	f.SatisfactionScores += scores
	f.SatisfiedScores += satisfied
}

// exemptOr is "" when the courier was exempted from a complaint: it then
// counts for the company only.
func exemptOr(courier string, exempt bool) string {
	if exempt {
		return ""
	}
	return courier
}

// AddComplaint counts a complaint received in the month.
func (q *QualityTally) AddComplaint(courier string, exempt bool) {
	q.each(exemptOr(courier, exempt), func(f *QualityFigures) { f.Complaints++ })
}

// AddComplaintPastDue counts a complaint due before as_of and not closed
// (closedAt zero) or closed after as_of. A complaint closed by as_of does
// not count.
func (q *QualityTally) AddComplaintPastDue(courier string, exempt bool, dueBy, closedAt time.Time) {
	if !dueBy.Before(q.AsOf) || (!closedAt.IsZero() && !closedAt.After(q.AsOf)) {
		return
	}
	q.each(exemptOr(courier, exempt), func(f *QualityFigures) { f.ComplaintsPastDue++ })
}

// ReadsClosedComplaints says whether complaints closed already can count
// past due: only for an earlier month, whose as_of (its end) may precede
// their closing; for the current month as_of is now.
func (q *QualityTally) ReadsClosedComplaints() bool { return !q.Current }

// addCents adds amounts without wrapping: a sum past the int64 range stays
// at its bound.
func addCents(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// AddCODPastDue counts n COD receipts of a courier, of cents in all, past
// due and not settled at as_of.
func (q *QualityTally) AddCODPastDue(courier string, n, cents int64) {
	q.each(courier, func(f *QualityFigures) {
		f.CODPastDueCount += n
		f.CODPastDueCents = addCents(f.CODPastDueCents, cents)
	})
}

// CourierQualityOrder orders courier ids such as "u2" before "u10".
func CourierQualityOrder(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// Report finishes the figures: rates computed, couriers in id order;
// inspected says the month has a completed inspection.
func (q *QualityTally) Report(inspected bool, loc *time.Location) *QualityReport {
	rep := &QualityReport{Month: q.Month, QualityFigures: q.total, From: q.Start, To: q.End, AsOf: q.AsOf.In(loc),
		ByCourier: make([]CourierQuality, 0, len(q.byCourier)), InspectionMissing: !inspected}
	rep.Finish()
	for id, f := range q.byCourier {
		f.Finish()
		rep.ByCourier = append(rep.ByCourier, CourierQuality{CourierID: id, QualityFigures: *f})
	}
	slices.SortFunc(rep.ByCourier, func(a, b CourierQuality) int { return CourierQualityOrder(a.CourierID, b.CourierID) })
	return rep
}
