package server

import "time"

// MonthIndex numbers the calendar month of t in loc: year × 12 + month − 1.
func MonthIndex(t time.Time, loc *time.Location) int {
	y, m, _ := t.In(loc).Date()
	return y*12 + int(m) - 1
}

// MonthOfIndex is the first instant of month index n in loc.
func MonthOfIndex(n int, loc *time.Location) time.Time {
	return time.Date(n/12, time.Month(n%12+1), 1, 0, 0, 0, 0, loc)
}

// CODPastDueScan says what the COD past-due figure reads. A receipt's
// deadline falls in the month s.CODDueMonths after its collection's, so
// every receipt collected in a month up to LastWholeMonth was due by
// as_of: those unsettled count (AddCODPastDue), and for an earlier report
// month those settled after it too (AddCODSettledLater). For the current
// month the receipts collected in [From, To), whose deadlines fall in it,
// are read one by one against as_of (AddCODEntry).
type CODPastDueScan struct {
	LastWholeMonth int
	Entries        bool
	From, To       time.Time
}

// CODPastDueScan is the scan of the report's COD past-due figure.
func (q *QualityTally) CODPastDueScan(s Settings) CODPastDueScan {
	last := q.index - s.CODDueMonths
	if !q.Current {
		return CODPastDueScan{LastWholeMonth: last}
	}
	last-- // the month after "last" is due this month: read entry by entry
	return CODPastDueScan{LastWholeMonth: last, Entries: true,
		From: MonthOfIndex(last+1, q.loc), To: MonthOfIndex(last+2, q.loc)}
}

// AddCODSettledLater counts n receipts (cents in all) collected in a
// whole month of the scan and settled in month index settled: past due
// at as_of when settled after the report's month.
func (q *QualityTally) AddCODSettledLater(settled int, courier string, n, cents int64) {
	if settled > q.index {
		q.AddCODPastDue(courier, n, cents)
	}
}

// AddCODEntry counts one unsettled receipt collected at collected: past
// due when its deadline is before as_of; a voided one never counts.
func (q *QualityTally) AddCODEntry(collected time.Time, void bool, courier string, cents int64, s Settings) {
	if void || !CODDueBy(collected, s.CODDueMonths, s.Location).Before(q.AsOf) {
		return
	}
	q.AddCODPastDue(courier, 1, cents)
}
