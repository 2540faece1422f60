package server

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestCentsArithmeticIsCheckedAndSaturates(t *testing.T) {
	tests := []struct {
		a, b, sum, sat int64
		ok             bool
	}{
		{1, 2, 3, 3, true},
		{math.MaxInt64, 1, 0, math.MaxInt64, false},
		{math.MinInt64, -1, 0, math.MinInt64, false},
		{math.MaxInt64, -1, math.MaxInt64 - 1, math.MaxInt64 - 1, true},
		{-5, 0, -5, -5, true},
	}
	for _, tt := range tests {
		s, ok := AddCents(tt.a, tt.b)
		if ok != tt.ok || ok && s != tt.sum {
			t.Errorf("AddCents(%d, %d) = %d, %v", tt.a, tt.b, s, ok)
		}
		if got := SaturatingAddCents(tt.a, tt.b); got != tt.sat {
			t.Errorf("SaturatingAddCents(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.sat)
		}
	}
}

func TestCODSumsAddRefusesOverflowAndUnknownStatuses(t *testing.T) {
	var s CODSums
	if !s.Add(CODCollected, 1, 100) || !s.Add(CODSettled, 2, 50) {
		t.Fatal("plain adds refused")
	}
	if s.Add("lost", 1, 1) {
		t.Fatal("an unknown status was added")
	}
	if s.Add(CODCollected, 0, math.MaxInt64) {
		t.Fatal("an overflowing sum was added")
	}
	if n, c := s.Of(CODCollected); n != 1 || c != 100 {
		t.Fatalf("collected cells changed by a refusal: %d %d", n, c)
	}
	if n, c := s.Of("lost"); n != 0 || c != 0 {
		t.Fatal("an unknown status has cells")
	}
}

func TestCODTotalsBalanceAndRoom(t *testing.T) {
	var s CODSums
	s.Add(CODCollected, 2, 300)
	s.Add(CODHandedOver, 1, 200)
	s.Add(CODSettled, 1, 50)
	tests := []struct {
		name     string
		statuses []string
		want     LedgerTotals
	}{
		{"all", CODStatuses(), LedgerTotals{Count: 4, CollectedCents: 550, HandedOverCents: 250, InHandCents: 300,
			SettledCents: 50, OutstandingCents: 500, AwaitingSettlementCents: 200}},
		{"in hand only", []string{CODCollected}, LedgerTotals{Count: 2, CollectedCents: 300, InHandCents: 300, OutstandingCents: 300}},
		{"settled only", []string{CODSettled}, LedgerTotals{Count: 1, CollectedCents: 50, HandedOverCents: 50, SettledCents: 50}},
		{"none", nil, LedgerTotals{}},
	}
	for _, tt := range tests {
		if got := s.Totals(tt.statuses); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	b := s.Balance("u7", ledgerT0)
	if b.CourierID != "u7" || b.InHandCount != 2 || b.InHandCents != 300 || b.OutstandingCents != 500 || !b.AsOf.Equal(ledgerT0) {
		t.Fatalf("balance %+v", b)
	}
	if !s.HasRoom(math.MaxInt64-550) || s.HasRoom(math.MaxInt64-549) {
		t.Fatal("room is not the int64 left above the ledger's total")
	}
	var full CODSums
	full.Cents = [3]int64{math.MaxInt64, math.MaxInt64, 0}
	if full.HasRoom(0) {
		t.Fatal("a ledger past int64 has room")
	}
	if got := full.Totals(CODStatuses()); got.CollectedCents != math.MaxInt64 {
		t.Fatalf("totals wrap: %+v", got)
	}
}

func TestOverdueAndViewOfAnEntry(t *testing.T) {
	s := DefaultSettings() // one month, Shanghai
	collected := time.Date(2026, 1, 31, 10, 0, 0, 0, s.Location)
	due := time.Date(2026, 2, 28, 10, 0, 0, 0, s.Location)
	if !CODDue(s, collected).Equal(due) {
		t.Fatalf("due %s", CODDue(s, collected))
	}
	tests := []struct {
		name   string
		status string
		void   bool
		now    time.Time
		want   bool
	}{
		{"in hand, before due", CODCollected, false, due, false},
		{"in hand, past due", CODCollected, false, due.Add(time.Second), true},
		{"handed over, past due", CODHandedOver, false, due.AddDate(0, 1, 0), true},
		{"settled is never overdue", CODSettled, false, due.AddDate(1, 0, 0), false},
		{"void is never overdue", CODCollected, true, due.AddDate(1, 0, 0), false},
	}
	for _, tt := range tests {
		if got := CODOverdue(s, tt.status, tt.void, collected, tt.now); got != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
	e := &CODEntry{LedgerEntry: LedgerEntry{Kind: EntryReceipt, CollectedAt: collected.UTC(), Status: CODCollected, AgeDays: 99}}
	v := e.View(s, due.Add(50*time.Hour))
	if v.CollectedAt.Location() != s.Location || !v.DueBy.Equal(due) || v.AgeDays != 30 || v.DaysOverdue != 2 {
		t.Fatalf("view %+v", v)
	}
	if v := e.View(s, collected.Add(-time.Hour)); v.AgeDays != 0 || v.DaysOverdue != 0 {
		t.Fatalf("a device clock ahead: %+v", v)
	}
	e.ReversedBy = "le-2"
	if !e.Void() || e.View(s, due.AddDate(0, 1, 0)).DaysOverdue != 0 {
		t.Fatal("a reversed entry shows overdue")
	}
	if !CODVoid(EntryReversal, false) || CODVoid(EntryCorrection, false) {
		t.Fatal("void kinds")
	}
}

func TestOverdueDaysAcrossAMonthEnd(t *testing.T) {
	s := DefaultSettings()
	day := func(d int) (time.Time, time.Time) {
		start := time.Date(2026, 1, d, 0, 0, 0, 0, s.Location)
		return start, start.AddDate(0, 0, 1)
	}
	now := time.Date(2026, 2, 28, 12, 0, 0, 0, s.Location) // due 28 Feb 12:00 for 28–31 Jan
	tests := []struct {
		d         int
		all, none bool
	}{
		{27, true, false},  // due 27 Feb: all past
		{28, false, false}, // due 28 Feb: cut by the clock time
		{31, false, false}, // due 28 Feb too (shorter month)
	}
	for _, tt := range tests {
		start, end := day(tt.d)
		if all, none := CODOverdueDay(s, start, end, now); all != tt.all || none != tt.none {
			t.Errorf("31-%d Jan: all %v none %v", tt.d, all, none)
		}
	}
	start, end := day(29)
	if _, none := CODOverdueDay(s, start, end, time.Date(2026, 2, 27, 0, 0, 0, 0, s.Location)); !none {
		t.Error("a day not yet due has some overdue")
	}
}

func TestRetentionGuard(t *testing.T) {
	s := DefaultSettings()
	collected := time.Date(2025, 6, 1, 0, 0, 0, 0, s.Location)
	err := LedgerPurgeAllowed(s, collected.Add(s.CODRetention-time.Second), collected)
	if codeOf(err) != syncproto.CodeConflict || !strings.Contains(err.Error(), "2026-06-01T00:00:00+08:00") {
		t.Fatalf("young row: %v", err)
	}
	if err := LedgerPurgeAllowed(s, collected.Add(s.CODRetention), collected); err != nil {
		t.Fatalf("row past retention: %v", err)
	}
}

func TestLedgerFilterStatusesAndMatches(t *testing.T) {
	s := DefaultSettings()
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, s.Location)
	now := t0.AddDate(0, 2, 0)
	statuses := []struct {
		f    LedgerFilter
		want string
	}{
		{LedgerFilter{}, "collected handed_over settled"},
		{LedgerFilter{Overdue: true}, "collected handed_over"},
		{LedgerFilter{Status: CODSettled}, "settled"},
		{LedgerFilter{Status: CODSettled, Overdue: true}, ""},
	}
	for _, tt := range statuses {
		if got := strings.Join(tt.f.Statuses(), " "); got != tt.want {
			t.Errorf("%+v: %q", tt.f, got)
		}
	}
	e := &CODEntry{LedgerEntry: LedgerEntry{Kind: EntryReceipt, CourierID: "u7", CollectedAt: t0, Status: CODCollected}}
	matches := []struct {
		name string
		f    LedgerFilter
		want bool
	}{
		{"everything", LedgerFilter{}, true},
		{"its courier", LedgerFilter{CourierID: "u7"}, true},
		{"another courier", LedgerFilter{CourierID: "u8"}, false},
		{"its status", LedgerFilter{Status: CODCollected}, true},
		{"another status", LedgerFilter{Status: CODSettled}, false},
		{"from inclusive", LedgerFilter{From: t0}, true},
		{"before from", LedgerFilter{From: t0.Add(time.Nanosecond)}, false},
		{"to exclusive", LedgerFilter{To: t0}, false},
		{"before to", LedgerFilter{To: t0.Add(time.Nanosecond)}, true},
		{"overdue", LedgerFilter{Overdue: true}, true},
	}
	for _, tt := range matches {
		if got := tt.f.Matches(e, s, now); got != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
	if (&LedgerFilter{Overdue: true}).Matches(e, s, t0) {
		t.Error("an entry not yet due matches overdue")
	}
}

func TestHandoverFilterMatches(t *testing.T) {
	h := &Handover{CourierID: "u7", At: ledgerT0}
	tests := []struct {
		f    HandoverFilter
		want bool
	}{
		{HandoverFilter{}, true},
		{HandoverFilter{CourierID: "u7"}, true},
		{HandoverFilter{CourierID: "u8"}, false},
		{HandoverFilter{From: ledgerT0}, true},
		{HandoverFilter{From: ledgerT0.Add(1)}, false},
		{HandoverFilter{To: ledgerT0}, false},
		{HandoverFilter{To: ledgerT0.Add(1)}, true},
	}
	for _, tt := range tests {
		if got := tt.f.Matches(h); got != tt.want {
			t.Errorf("%+v: %v", tt.f, got)
		}
	}
}

func TestLedgerRequestsAreBounded(t *testing.T) {
	many := make([]string, MaxLedgerBatch+1)
	for i := range many {
		many[i] = "R" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('A'+i/26))
	}
	long := strings.Repeat("x", syncproto.MaxReceiptNoLen+1)
	t0 := ledgerT0
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"filter: all", (&LedgerFilter{}).Check(), true},
		{"filter: a status", (&LedgerFilter{Status: CODHandedOver, From: t0, To: t0.Add(1)}).Check(), true},
		{"filter: an unknown status", (&LedgerFilter{Status: "lost"}).Check(), false},
		{"filter: from after to", (&LedgerFilter{From: t0, To: t0}).Check(), false},
		{"hand-over: named", (&HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1"}, CountedCents: counted(0)}).Check(), true},
		{"hand-over: no courier", (&HandoverRequest{ReceiptNos: []string{"R1"}, CountedCents: counted(0)}).Check(), false},
		{"hand-over: no count", (&HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1"}}).Check(), false},
		{"hand-over: negative count", (&HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1"}, CountedCents: counted(-1)}).Check(), false},
		{"hand-over: bad expected", (&HandoverRequest{CourierID: "u7", AllInHand: true, CountedCents: counted(0), ExpectedCents: counted(-1)}).Check(), false},
		{"hand-over: both forms", (&HandoverRequest{CourierID: "u7", AllInHand: true, ReceiptNos: []string{"R1"}, CountedCents: counted(0)}).Check(), false},
		{"hand-over: neither form", (&HandoverRequest{CourierID: "u7", CountedCents: counted(0)}).Check(), false},
		{"hand-over: expected without all", (&HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1"}, CountedCents: counted(0), ExpectedCents: counted(0)}).Check(), false},
		{"hand-over: long note", (&HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1"}, CountedCents: counted(0), Note: strings.Repeat("x", syncproto.MaxTextRunes+1)}).Check(), false},
		{"hand-over: too many", (&HandoverRequest{CourierID: "u7", ReceiptNos: many, CountedCents: counted(0)}).Check(), false},
		{"hand-over: a receipt twice", (&HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1", "R1"}, CountedCents: counted(0)}).Check(), false},
		{"hand-over: a long receipt", (&HandoverRequest{CourierID: "u7", ReceiptNos: []string{long}, CountedCents: counted(0)}).Check(), false},
		{"settlement", (&SettlementRequest{ReceiptNos: []string{"R1"}, Reference: "bank"}).Check(), true},
		{"settlement: none", (&SettlementRequest{Reference: "bank"}).Check(), false},
		{"settlement: blank reference", (&SettlementRequest{ReceiptNos: []string{"R1"}, Reference: " "}).Check(), false},
		{"reversal", (&ReversalRequest{ReceiptNo: "R1", Reason: "typo", CorrectedAmountCents: counted(1)}).Check(), true},
		{"reversal: no receipt", (&ReversalRequest{Reason: "typo"}).Check(), false},
		{"reversal: no reason", (&ReversalRequest{ReceiptNo: "R1"}).Check(), false},
		{"reversal: zero correction", (&ReversalRequest{ReceiptNo: "R1", Reason: "typo", CorrectedAmountCents: counted(0)}).Check(), false},
	}
	for _, tt := range tests {
		if (tt.err == nil) != tt.ok || tt.err != nil && codeOf(tt.err) != syncproto.CodeInvalidRequest {
			t.Errorf("%s: %v", tt.name, tt.err)
		}
	}
}

func TestAVoidEntryAddsItsAmountButNoCount(t *testing.T) {
	var s CODSums
	receipt := &CODEntry{LedgerEntry: LedgerEntry{Kind: EntryReceipt, AmountCents: 1000, Status: CODCollected, ReversedBy: "le-2"}}
	reversal := &CODEntry{LedgerEntry: LedgerEntry{Kind: EntryReversal, AmountCents: -1000, Status: CODCollected}}
	correction := &CODEntry{LedgerEntry: LedgerEntry{Kind: EntryCorrection, AmountCents: 1200, Status: CODCollected}}
	for _, e := range []*CODEntry{receipt, reversal, correction} {
		if !s.AddEntry(e) {
			t.Fatal("refused")
		}
	}
	if n, c := s.Of(CODCollected); n != 1 || c != 1200 {
		t.Fatalf("count %d, cents %d", n, c)
	}
}
