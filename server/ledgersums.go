package server

import (
	"math"
	"time"
)

// Money arithmetic of the COD ledger: amounts are int64 minor units and
// every sum is checked. Each amount is at most syncproto.MaxCents (10^12),
// so 9.2 million of them fit in an int64; past that a sum refuses rather
// than wrap (a wrapped sum once showed a courier a balance of 0 after a
// real receipt).

// AddCents returns a+b and whether it did not overflow.
func AddCents(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

// SaturatingAddCents returns a+b, or the int64 bound it would pass.
func SaturatingAddCents(a, b int64) int64 {
	if s, ok := AddCents(a, b); ok {
		return s
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// codStatuses are the custody statuses in the order custody moves.
var codStatuses = [...]string{CODCollected, CODHandedOver, CODSettled}

// CODStatuses returns the custody statuses in the order custody moves.
func CODStatuses() []string { return codStatuses[:] }

func codStatusIndex(status string) int {
	for i, s := range codStatuses {
		if s == status {
			return i
		}
	}
	return -1
}

// CODSums hold, per custody status, the count of live entries and the sum
// of all entries' amounts (a reversed entry and its reversal cancel out in
// the sum, and neither counts).
type CODSums struct {
	Count [3]int64
	Cents [3]int64
}

// Add adds count and cents to status's cells; it reports false, and
// changes nothing, when either would overflow or the status is unknown.
func (s *CODSums) Add(status string, count, cents int64) bool {
	i := codStatusIndex(status)
	if i < 0 {
		return false
	}
	c, ok1 := AddCents(s.Count[i], count)
	m, ok2 := AddCents(s.Cents[i], cents)
	if !ok1 || !ok2 {
		return false
	}
	s.Count[i], s.Cents[i] = c, m
	return true
}

// Of returns the count and sum of status (zero for an unknown status).
func (s *CODSums) Of(status string) (count, cents int64) {
	if i := codStatusIndex(status); i >= 0 {
		return s.Count[i], s.Cents[i]
	}
	return 0, 0
}

// Totals turns per-status sums into the protocol's totals over statuses.
// Collected = in hand + handed over; handed over = settled + awaiting
// settlement; outstanding = collected − settled. Each status's sum is part
// of the ledger's total, which HasRoom keeps inside int64, so these sums
// cannot overflow; they saturate all the same rather than wrap.
func (s *CODSums) Totals(statuses []string) LedgerTotals {
	var t LedgerTotals
	for _, st := range statuses {
		count, cents := s.Of(st)
		t.Count = SaturatingAddCents(t.Count, count)
		t.CollectedCents = SaturatingAddCents(t.CollectedCents, cents)
		if st == CODHandedOver || st == CODSettled {
			t.HandedOverCents = SaturatingAddCents(t.HandedOverCents, cents)
		}
		if st == CODSettled {
			t.SettledCents = SaturatingAddCents(t.SettledCents, cents)
		}
	}
	t.InHandCents = SaturatingAddCents(t.CollectedCents, -t.HandedOverCents)
	t.OutstandingCents = SaturatingAddCents(t.CollectedCents, -t.SettledCents)
	t.AwaitingSettlementCents = SaturatingAddCents(t.HandedOverCents, -t.SettledCents)
	return t
}

// HasRoom reports whether amount can join a ledger whose sums (every
// courier, every status) are s without taking its total past int64;
// every partial sum (a courier, a day, a status) is part of that total,
// so none can overflow either. Writers ask before they write anything.
func (s *CODSums) HasRoom(amount int64) bool {
	total := amount
	for _, c := range s.Cents {
		var ok bool
		if total, ok = AddCents(total, c); !ok {
			return false
		}
	}
	return true
}

// Balance is a courier's custody position at now, from their sums.
func (s *CODSums) Balance(courierID string, now time.Time) CODBalance {
	t := s.Totals(CODStatuses())
	inHand, _ := s.Of(CODCollected)
	return CODBalance{CourierID: courierID, CollectedCents: t.CollectedCents, HandedOverCents: t.HandedOverCents,
		InHandCents: t.InHandCents, SettledCents: t.SettledCents, OutstandingCents: t.OutstandingCents,
		AwaitingSettlementCents: t.AwaitingSettlementCents, InHandCount: inHand, AsOf: now}
}

// AddEntry adds an entry to its status's cells: its amount always, a count
// only when it is not void (a reversed entry and its reversal cancel out
// in the sum and neither counts), as every total of the ledger does.
func (s *CODSums) AddEntry(e *CODEntry) bool {
	var n int64
	if !e.Void() {
		n = 1
	}
	return s.Add(e.Status, n, e.AmountCents)
}
