package bolt_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

// dsClock is a server.Clock the tests move by hand.
type dsClock struct {
	mu sync.Mutex
	t  time.Time
}

func newDSClock(s string) *dsClock { return &dsClock{t: dsTime(s)} }

func (c *dsClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *dsClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *dsClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func dsTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	bg           = context.Background()
	dsDispatcher = server.Principal{UserID: "u-disp", Role: syncproto.RoleDispatcher, DeviceID: "console-1"}
	dsSupervisor = server.Principal{UserID: "u-sup", Role: syncproto.RoleSupervisor, DeviceID: "console-2"}
)

func dsPickup(waybill string, cents int64) map[string]any {
	p := pickup(waybill)
	p["cod_amount_cents"] = cents
	return p
}

func dsReceipt(waybill, no string, cents int64) map[string]any {
	return map[string]any{"waybill": waybill, "receipt_no": no, "amount_cents": cents, "currency": "CNY", "method": "cash"}
}

// dsDevice pushes ops for one courier with increasing seqs.
type dsDevice struct {
	tb  testing.TB
	db  *bolt.DB
	p   server.Principal
	seq int64
}

func newDSDevice(tb testing.TB, db *bolt.DB, name string) *dsDevice {
	return &dsDevice{tb: tb, db: db, p: courier(tb, db, name, "dev-"+name)}
}

func (d *dsDevice) push(kind string, at time.Time, payload any) syncproto.PushResult {
	d.tb.Helper()
	d.seq++
	r := push(d.tb, d.db, d.p, op(kind, d.seq, at, payload))[0]
	if r.Status != syncproto.StatusApplied {
		d.tb.Fatalf("%s op: %s", kind, codeOf(r))
	}
	return r
}

func listLedger(tb testing.TB, db *bolt.DB, f server.LedgerFilter) *server.LedgerPage {
	tb.Helper()
	if f.Limit == 0 {
		f.Limit = 500
	}
	page, err := db.ListLedger(bg, f)
	if err != nil {
		tb.Fatalf("ListLedger(%+v): %v", f, err)
	}
	return page
}

// dsBalanced fails unless the totals obey the ledger's identities.
func dsBalanced(tb testing.TB, t server.LedgerTotals) {
	tb.Helper()
	if t.CollectedCents != t.InHandCents+t.HandedOverCents {
		tb.Fatalf("collected %d ≠ in hand %d + handed over %d", t.CollectedCents, t.InHandCents, t.HandedOverCents)
	}
	if t.HandedOverCents != t.SettledCents+t.AwaitingSettlementCents {
		tb.Fatalf("handed over %d ≠ settled %d + awaiting %d", t.HandedOverCents, t.SettledCents, t.AwaitingSettlementCents)
	}
	if t.OutstandingCents != t.CollectedCents-t.SettledCents {
		tb.Fatalf("outstanding %d ≠ collected %d − settled %d", t.OutstandingCents, t.CollectedCents, t.SettledCents)
	}
}

func dsTotals(tb testing.TB, got server.LedgerTotals, collected, handed, settled int64) {
	tb.Helper()
	dsBalanced(tb, got)
	if got.CollectedCents != collected || got.HandedOverCents != handed || got.SettledCents != settled {
		tb.Fatalf("totals = %+v, want collected %d, handed over %d, settled %d", got, collected, handed, settled)
	}
}

func dsWantCode(tb testing.TB, err error, code syncproto.Code) {
	tb.Helper()
	var pe *syncproto.Error
	if !errors.As(err, &pe) || pe.Code != code {
		tb.Fatalf("err = %v, want %s", err, code)
	}
}

func TestLedgerFollowsCustodyAndTotalsAlwaysBalance(t *testing.T) {
	clock := newDSClock("2026-03-10T10:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a, b := newDSDevice(t, db, "wang"), newDSDevice(t, db, "li")
	now := clock.Now()
	for i, cents := range []int64{1000, 2000, 3000, 4000} {
		wb := fmt.Sprintf("WB-A-%04d", i+1)
		a.push("pickup", now, dsPickup(wb, cents))
		a.push("cod_receipt", now, dsReceipt(wb, fmt.Sprintf("R%d", i+1), cents))
	}
	b.push("pickup", now, dsPickup("WB-B-0005", 5000))
	b.push("cod_receipt", now, dsReceipt("WB-B-0005", "R5", 5000))

	t.Run("every receipt is collected and in the courier's hands", func(t *testing.T) {
		dsTotals(t, listLedger(t, db, server.LedgerFilter{}).Totals, 15000, 0, 0)
		e := listLedger(t, db, server.LedgerFilter{CourierID: a.p.UserID}).Entries
		if len(e) != 4 || e[0].Status != server.CODCollected || e[0].Sender == nil || e[0].Sender.NameMasked != "王*" {
			t.Fatalf("courier's entries = %+v", e)
		}
		if !e[0].CollectedAt.Equal(now) || !e[0].DueBy.Equal(dsTime("2026-04-10T10:00:00+08:00")) {
			t.Fatalf("collected_at %s due_by %s", e[0].CollectedAt, e[0].DueBy)
		}
	})
	t.Run("a hand-over moves cash from the courier to the station", func(t *testing.T) {
		h, err := db.HandOver(bg, dsDispatcher, &server.HandoverRequest{CourierID: a.p.UserID, ReceiptNos: []string{"R1", "R2"}, CountedCents: i64p(3000)})
		if err != nil || h.TotalCents != 3000 || h.DiscrepancyCents != 0 {
			t.Fatalf("HandOver = %+v, %v", h, err)
		}
		got := listLedger(t, db, server.LedgerFilter{}).Totals
		dsTotals(t, got, 15000, 3000, 0)
		if got.InHandCents != 12000 {
			t.Fatalf("in hand = %d, want 12000", got.InHandCents)
		}
	})
	t.Run("refused hand-overs change nothing", func(t *testing.T) {
		before := listLedger(t, db, server.LedgerFilter{}).Totals
		for name, nos := range map[string][]string{
			"one already handed over": {"R3", "R1"},
			"another courier's":       {"R3", "R5"},
			"an unknown receipt":      {"R3", "R404"},
		} {
			_, err := db.HandOver(bg, dsDispatcher, &server.HandoverRequest{CourierID: a.p.UserID, ReceiptNos: nos, CountedCents: i64p(0)})
			dsWantCode(t, err, syncproto.CodeConflict)
			if after := listLedger(t, db, server.LedgerFilter{}).Totals; after != before {
				t.Fatalf("%s: totals moved from %+v to %+v", name, before, after)
			}
		}
	})
	t.Run("a settlement pays handed-over receipts out to senders", func(t *testing.T) {
		s, err := db.Settle(bg, dsSupervisor, &server.SettlementRequest{ReceiptNos: []string{"R1"}, Reference: "BANK-2026-0001"})
		if err != nil || s.TotalCents != 1000 {
			t.Fatalf("Settle = %+v, %v", s, err)
		}
		got := listLedger(t, db, server.LedgerFilter{}).Totals
		dsTotals(t, got, 15000, 3000, 1000)
		if got.AwaitingSettlementCents != 2000 || got.OutstandingCents != 14000 {
			t.Fatalf("totals = %+v", got)
		}
		for _, nos := range [][]string{{"R1"}, {"R3"}, {"R404"}} {
			_, err := db.Settle(bg, dsSupervisor, &server.SettlementRequest{ReceiptNos: nos, Reference: "again"})
			dsWantCode(t, err, syncproto.CodeConflict)
		}
	})
	t.Run("a reversal negates a wrong receipt and a correction adds the right amount", func(t *testing.T) {
		rv, err := db.Reverse(bg, dsSupervisor, &server.ReversalRequest{ReceiptNo: "R3", Reason: "typed 3000 for 2500", CorrectedAmountCents: i64p(2500)})
		if err != nil {
			t.Fatal(err)
		}
		if rv.Reversal.AmountCents != -3000 || rv.Reversal.Kind != server.EntryReversal || rv.Correction == nil || rv.Correction.AmountCents != 2500 {
			t.Fatalf("reversal = %+v", rv)
		}
		if rv.Correction.Discrepancy == nil || rv.Correction.Discrepancy.Code != server.DiscrepancyAmountMismatch {
			t.Fatalf("a correction off the pickup's COD amount is flagged: %+v", rv.Correction.Discrepancy)
		}
		dsTotals(t, listLedger(t, db, server.LedgerFilter{}).Totals, 14500, 3000, 1000)
		rows := listLedger(t, db, server.LedgerFilter{CourierID: a.p.UserID}).Entries
		var orig server.LedgerEntry
		for _, e := range rows {
			if e.ReceiptNo == "R3" && e.Kind == server.EntryReceipt {
				orig = e
			}
		}
		if orig.AmountCents != 3000 || orig.ReversedBy != rv.Reversal.EntryID {
			t.Fatalf("the original row is kept as it was, marked reversed: %+v", orig)
		}
		if len(rows) != 6 {
			t.Fatalf("%d rows, want 6 (4 receipts, a reversal, a correction)", len(rows))
		}
		_, err = db.Reverse(bg, dsSupervisor, &server.ReversalRequest{ReceiptNo: "R1", Reason: "settled"})
		dsWantCode(t, err, syncproto.CodeConflict)
		_, err = db.Reverse(bg, dsSupervisor, &server.ReversalRequest{ReceiptNo: "R404", Reason: "nope"})
		dsWantCode(t, err, syncproto.CodeNotFound)
	})
	t.Run("the corrected receipt is handed over at its corrected amount", func(t *testing.T) {
		h, err := db.HandOver(bg, dsDispatcher, &server.HandoverRequest{CourierID: a.p.UserID, AllInHand: true, ExpectedCents: i64p(6500), CountedCents: i64p(6400)})
		if err != nil || h.TotalCents != 6500 || h.DiscrepancyCents != -100 || len(h.ReceiptNos) != 2 {
			t.Fatalf("HandOver(all in hand) = %+v, %v", h, err)
		}
		dsTotals(t, listLedger(t, db, server.LedgerFilter{}).Totals, 14500, 9500, 1000)
	})
	t.Run("balances per courier", func(t *testing.T) {
		bl, err := db.CODBalances(bg, "", "", 100)
		if err != nil || len(bl.Balances) != 2 {
			t.Fatalf("balances = %+v, %v", bl, err)
		}
		wa := bl.Balances[0]
		if wa.CourierID != a.p.UserID || wa.CollectedCents != 9500 || wa.InHandCents != 0 || wa.SettledCents != 1000 || wa.OutstandingCents != 8500 {
			t.Fatalf("wang's balance = %+v", wa)
		}
		if lb := bl.Balances[1]; lb.InHandCents != 5000 || lb.InHandCount != 1 {
			t.Fatalf("li's balance = %+v", lb)
		}
	})
	t.Run("the courier's feed carries their latest balance", func(t *testing.T) {
		resp, err := db.Pull(bg, a.p, "", 500)
		if err != nil {
			t.Fatal(err)
		}
		var last *server.CODBalance
		for _, ch := range resp.Changes {
			if ch.Type == server.ChangeCODBalance {
				last = new(server.CODBalance)
				if err := json.Unmarshal(ch.Data, last); err != nil {
					t.Fatal(err)
				}
			}
		}
		if last == nil || last.InHandCents != 0 || last.HandedOverCents != 9500 || last.CourierID != a.p.UserID {
			t.Fatalf("last cod_balance change = %+v", last)
		}
	})
	t.Run("every custody step is in the audit trail", func(t *testing.T) {
		ev, err := db.ListEvents(bg, server.EventFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, e := range ev.Events {
			n[e.Action]++
		}
		if n[server.ActionCODHandover] != 2 || n[server.ActionCODSettlement] != 1 || n[server.ActionCODReversal] != 1 {
			t.Fatalf("audit actions = %v", n)
		}
	})
}

func i64p(v int64) *int64 { return &v }

// futureHistory is the skew limit of fixtures that record a history ahead
// of the store's clock and then move the clock through it: the limit is
// also how far into the future a device time may lie (push_bounds_test.go
// tests that bound).
const futureHistory = 400 * 24 * time.Hour

func TestDiscrepanciesAreListedNeverDropped(t *testing.T) {
	clock := newDSClock("2026-05-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "zhao")
	now := clock.Now()
	a.push("pickup", now, dsPickup("WB-D-0001", 8800))
	r1 := a.push("cod_receipt", now, dsReceipt("WB-D-0001", "D1", 8000))
	r2 := a.push("cod_receipt", now, dsReceipt("WB-UNKNOWN-9", "D2", 1200))
	for _, r := range []syncproto.PushResult{r1, r2} {
		if !contains(r.Flags, "cod_discrepancy") {
			t.Fatalf("result %+v not flagged cod_discrepancy", r)
		}
	}
	if _, err := db.HandOver(bg, dsDispatcher, &server.HandoverRequest{CourierID: a.p.UserID, ReceiptNos: []string{"D1", "D2"}, CountedCents: i64p(9000)}); err != nil {
		t.Fatal(err)
	}
	list, err := db.ListCODDiscrepancies(bg, "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		code  string
		cents int64
	}{{server.DiscrepancyAmountMismatch, -800}, {server.DiscrepancyUnknownWaybill, 0}, {server.DiscrepancyHandoverCount, -200}}
	if len(list.Discrepancies) != len(want) {
		t.Fatalf("discrepancies = %+v", list.Discrepancies)
	}
	for i, w := range want {
		if d := list.Discrepancies[i]; d.Code != w.code || d.DiscrepancyCents != w.cents || d.CourierID != a.p.UserID {
			t.Errorf("discrepancy %d = %+v, want %s %d", i, d, w.code, w.cents)
		}
	}
	t.Run("the money was recorded anyway", func(t *testing.T) {
		dsTotals(t, listLedger(t, db, server.LedgerFilter{}).Totals, 9200, 9200, 0)
		e := listLedger(t, db, server.LedgerFilter{}).Entries
		if e[0].Discrepancy == nil || *e[0].Discrepancy.ExpectedCents != 8800 {
			t.Fatalf("entry = %+v", e[0])
		}
	})
}

func TestTwoDispatchersConfirmingTheSameReceiptsOneWins(t *testing.T) {
	clock := newDSClock("2026-06-01T12:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "sun")
	const rounds = 20
	for i := 0; i < rounds*2; i++ {
		a.push("cod_receipt", clock.Now(), dsReceipt(fmt.Sprintf("WB-C-%04d", i), fmt.Sprintf("C%d", i), 100))
	}
	for round := 0; round < rounds; round++ {
		req := func() *server.HandoverRequest {
			return &server.HandoverRequest{CourierID: a.p.UserID, ReceiptNos: []string{fmt.Sprintf("C%d", 2*round), fmt.Sprintf("C%d", 2*round+1)}, CountedCents: i64p(200)}
		}
		if round%2 == 1 { // the whole balance, as the other form of hand-over
			req = func() *server.HandoverRequest {
				return &server.HandoverRequest{CourierID: a.p.UserID, AllInHand: true, ExpectedCents: i64p(int64(rounds*200 - 200*round)), CountedCents: i64p(200)}
			}
		}
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = db.HandOver(bg, server.Principal{UserID: fmt.Sprintf("disp-%d", i), Role: syncproto.RoleDispatcher}, req())
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			dsWantCode(t, err, syncproto.CodeConflict)
		}
		if won != 1 {
			t.Fatalf("round %d: %d hand-overs succeeded (%v), want exactly 1", round, won, errs)
		}
		if round%2 == 1 {
			break // the whole balance went in one
		}
	}
	tot := listLedger(t, db, server.LedgerFilter{}).Totals
	dsTotals(t, tot, rounds*200, rounds*200, 0)
	for _, e := range listLedger(t, db, server.LedgerFilter{}).Entries {
		if e.HandoverID == "" {
			t.Fatalf("receipt %s was never handed over", e.ReceiptNo)
		}
	}
}

func TestRetentionGuardKeepsLedgerRowsForAYear(t *testing.T) {
	clock := newDSClock("2026-05-01T10:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "qian")
	old, young := dsTime("2026-05-01T10:00:00+08:00"), dsTime("2026-07-01T10:00:00+08:00")
	a.push("pickup", old, dsPickup("WB-OLD-001", 500))
	a.push("cod_receipt", old, dsReceipt("WB-OLD-001", "OLD", 500))
	clock.Set(young)
	a.push("pickup", young, dsPickup("WB-NEW-001", 700))
	a.push("cod_receipt", young, dsReceipt("WB-NEW-001", "NEW", 700))
	clock.Set(dsTime("2027-06-01T10:00:00+08:00"))

	t.Run("a row younger than a year may not be purged", func(t *testing.T) {
		dsWantCode(t, db.LedgerPurgeAllowed(young), syncproto.CodeConflict)
		if err := db.LedgerPurgeAllowed(old); err != nil {
			t.Fatalf("a row of 13 months: %v", err)
		}
	})
	t.Run("a purge reaching a younger row is refused whole", func(t *testing.T) {
		_, err := db.PurgeLedgerParties(bg, dsSupervisor, dsTime("2026-08-01T00:00:00+08:00"))
		dsWantCode(t, err, syncproto.CodeConflict)
		for _, e := range listLedger(t, db, server.LedgerFilter{}).Entries {
			if e.Sender == nil {
				t.Fatalf("row %s was purged by a refused purge", e.ReceiptNo)
			}
		}
	})
	t.Run("a purge of old rows leaves young ones and the money alone", func(t *testing.T) {
		n, err := db.PurgeLedgerParties(bg, dsSupervisor, dsTime("2026-06-01T00:00:00+08:00"))
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want 1", n, err)
		}
		e := listLedger(t, db, server.LedgerFilter{}).Entries
		if e[0].ReceiptNo != "OLD" || e[0].Sender != nil || e[0].AmountCents != 500 {
			t.Fatalf("old row = %+v", e[0])
		}
		if e[1].ReceiptNo != "NEW" || e[1].Sender == nil {
			t.Fatalf("young row = %+v", e[1])
		}
		dsTotals(t, listLedger(t, db, server.LedgerFilter{}).Totals, 1200, 0, 0)
	})
	t.Run("a year later the young row may go too", func(t *testing.T) {
		clock.Set(young.Add(366 * 24 * time.Hour))
		if err := db.LedgerPurgeAllowed(young); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOverdueReceiptsAcrossAMonthEndInShanghai(t *testing.T) {
	clock := newDSClock("2026-01-31T10:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now, SkewLimit: futureHistory})
	a := newDSDevice(t, db, "zhou")
	for _, r := range []struct{ no, at string }{
		{"J31", "2026-01-31T23:30:00+08:00"},
		{"F01a", "2026-02-01T00:10:00+08:00"}, // still 31 January in UTC
		{"F01b", "2026-02-01T01:00:00+08:00"},
		{"D15", "2025-12-15T09:00:00+08:00"},
		{"F20", "2026-02-20T09:00:00+08:00"},
	} {
		a.push("cod_receipt", dsTime(r.at), dsReceipt("WB-"+r.no+"-00", r.no, 1000))
	}
	if _, err := db.HandOver(bg, dsDispatcher, &server.HandoverRequest{CourierID: a.p.UserID, ReceiptNos: []string{"D15"}, CountedCents: i64p(1000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Settle(bg, dsSupervisor, &server.SettlementRequest{ReceiptNos: []string{"D15"}, Reference: "S-1"}); err != nil {
		t.Fatal(err)
	}
	overdue := func() []string {
		page := listLedger(t, db, server.LedgerFilter{Overdue: true})
		var nos []string
		for _, e := range page.Entries {
			nos = append(nos, e.ReceiptNo)
			if e.DaysOverdue < 0 || e.Status == server.CODSettled {
				t.Fatalf("overdue entry %+v", e)
			}
		}
		if page.Totals.CollectedCents != int64(1000*len(nos)) || page.Totals.Count != int64(len(nos)) {
			t.Fatalf("overdue totals %+v for %v", page.Totals, nos)
		}
		dsBalanced(t, page.Totals)
		return nos
	}
	tests := []struct {
		now  string
		want string
	}{
		{"2026-02-28T23:00:00+08:00", "[]"},
		{"2026-02-28T23:45:00+08:00", "[J31]"},
		{"2026-03-01T00:30:00+08:00", "[J31 F01a]"},
		{"2026-03-01T01:00:01+08:00", "[J31 F01a F01b]"},
		{"2026-03-25T00:00:00+08:00", "[J31 F01a F01b F20]"},
	}
	for _, tt := range tests {
		t.Run("at "+tt.now, func(t *testing.T) {
			clock.Set(dsTime(tt.now))
			if got := fmt.Sprint(overdue()); got != tt.want {
				t.Fatalf("overdue = %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("the age of an overdue receipt is shown", func(t *testing.T) {
		clock.Set(dsTime("2026-03-10T12:00:00+08:00"))
		e := listLedger(t, db, server.LedgerFilter{Overdue: true}).Entries[0]
		if e.ReceiptNo != "J31" || e.AgeDays != 37 || e.DaysOverdue != 9 {
			t.Fatalf("J31: age %d, overdue %d days; want 37 and 9", e.AgeDays, e.DaysOverdue)
		}
	})
	t.Run("from and to bound collected_at in the company's time", func(t *testing.T) {
		page := listLedger(t, db, server.LedgerFilter{From: dsTime("2026-02-01T00:00:00+08:00"), To: dsTime("2026-03-01T00:00:00+08:00")})
		if len(page.Entries) != 3 || page.Totals.CollectedCents != 3000 {
			t.Fatalf("February = %d entries, totals %+v", len(page.Entries), page.Totals)
		}
	})
}
