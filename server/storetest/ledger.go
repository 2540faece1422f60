package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// ledgerBehaviours cover server.LedgerService: custody, balances, one-wins.
var ledgerBehaviours = []behaviour{
	{"receipts follow custody and the totals always balance", ledgerCustody},
	{"a refused hand-over or settlement changes nothing", refusedCustodyStepsChangeNothing},
	{"concurrent hand-overs of the same cash: exactly one wins", handoversOneWins},
	{"a reversal negates a receipt and a correction adds the right amount", reversalAndCorrection},
	{"discrepancies are recorded and listed, never dropped", discrepanciesListed},
	{"balances list per courier in courier id order", balancesPerCourier},
	{"overdue receipts are those past due_by and not settled", overdueReceipts},
	{"ledger pages follow the cursor and totals cover the whole filter", ledgerPaging},
}

// handoverLogBehaviours cover server.HandoverLog.
var handoverLogBehaviours = []behaviour{
	{"hand-overs list oldest first, by courier and time", handoversListed},
}

// balanced fails unless the totals obey the ledger's identities.
func balanced(t *testing.T, tot server.LedgerTotals) {
	t.Helper()
	if tot.CollectedCents != tot.InHandCents+tot.HandedOverCents || tot.HandedOverCents != tot.SettledCents+tot.AwaitingSettlementCents ||
		tot.OutstandingCents != tot.CollectedCents-tot.SettledCents {
		t.Fatalf("totals do not balance: %+v", tot)
	}
}

func wantTotals(t *testing.T, tot server.LedgerTotals, collected, handed, settled int64) {
	t.Helper()
	balanced(t, tot)
	if tot.CollectedCents != collected || tot.HandedOverCents != handed || tot.SettledCents != settled {
		t.Fatalf("totals %+v, want collected %d, handed over %d, settled %d", tot, collected, handed, settled)
	}
}

// collect has c pick up and collect each amount, receipts R1, R2, ...
// prefixed by prefix.
func collect(c *device, prefix string, amounts ...int64) {
	for i, cents := range amounts {
		wb := fmt.Sprintf("WB-%s-%04d", prefix, i+1)
		c.apply(syncproto.KindPickup, pickup(wb, cents))
		c.apply(syncproto.KindCODReceipt, receipt(wb, fmt.Sprintf("%s%d", prefix, i+1), cents))
	}
}

func (w *world) handOver(courierID string, counted int64, nos ...string) (*server.Handover, error) {
	return w.s.Ledger.HandOver(w.ctx, w.disp, &server.HandoverRequest{CourierID: courierID, ReceiptNos: nos, CountedCents: ptr(counted)})
}

func ledgerCustody(t *testing.T, w *world) {
	a, b := w.courier("wang"), w.courier("li")
	collect(a, "A", 1000, 2000, 3000, 4000)
	collect(b, "B", 5000)
	wantTotals(t, w.ledger(server.LedgerFilter{}).Totals, 15000, 0, 0)
	e := w.ledger(server.LedgerFilter{CourierID: a.p.UserID}).Entries
	if len(e) != 4 || e[0].Status != server.CODCollected || e[0].ReceiptNo != "A1" || !e[0].CollectedAt.Equal(w.now()) {
		t.Fatalf("a's entries %+v", e)
	}
	if want := time.Date(2026, 4, 2, 9, 0, 0, 0, Start.Location()); !e[0].DueBy.Equal(want) {
		t.Fatalf("due_by %s, want one calendar month after collection (%s)", e[0].DueBy, want)
	}
	h, err := w.handOver(a.p.UserID, 3000, "A1", "A2")
	if err != nil || h.TotalCents != 3000 || h.DiscrepancyCents != 0 || h.HandoverID == "" {
		t.Fatalf("HandOver = %+v, %v", h, err)
	}
	tot := w.ledger(server.LedgerFilter{}).Totals
	wantTotals(t, tot, 15000, 3000, 0)
	if tot.InHandCents != 12000 {
		t.Fatalf("in hand %d, want 12000", tot.InHandCents)
	}
	s, err := w.s.Ledger.Settle(w.ctx, w.sup, &server.SettlementRequest{ReceiptNos: []string{"A1"}, Reference: "BANK-0001"})
	if err != nil || s.TotalCents != 1000 || s.SettlementID == "" {
		t.Fatalf("Settle = %+v, %v", s, err)
	}
	tot = w.ledger(server.LedgerFilter{}).Totals
	wantTotals(t, tot, 15000, 3000, 1000)
	if tot.AwaitingSettlementCents != 2000 || tot.OutstandingCents != 14000 {
		t.Fatalf("totals %+v", tot)
	}
	for _, e := range w.ledger(server.LedgerFilter{CourierID: a.p.UserID}).Entries {
		want := map[string]string{"A1": server.CODSettled, "A2": server.CODHandedOver, "A3": server.CODCollected, "A4": server.CODCollected}[e.ReceiptNo]
		if e.Status != want {
			t.Fatalf("%s is %s, want %s", e.ReceiptNo, e.Status, want)
		}
	}
	if st := w.ledger(server.LedgerFilter{Status: server.CODHandedOver}).Entries; len(st) != 1 || st[0].ReceiptNo != "A2" {
		t.Fatalf("status filter handed_over: %+v", st)
	}
	if n := len(w.events(server.ActionCODHandover)) + len(w.events(server.ActionCODSettlement)); n != 2 {
		t.Fatalf("%d custody events, want a hand-over and a settlement", n)
	}
}

func refusedCustodyStepsChangeNothing(t *testing.T, w *world) {
	a, b := w.courier("zhou"), w.courier("wu")
	collect(a, "A", 100, 200, 300)
	collect(b, "B", 400)
	if _, err := w.handOver(a.p.UserID, 100, "A1"); err != nil {
		t.Fatal(err)
	}
	before := w.ledger(server.LedgerFilter{}).Totals
	for name, nos := range map[string][]string{
		"one already handed over": {"A2", "A1"},
		"another courier's":       {"A2", "B1"},
		"an unknown receipt":      {"A2", "A404"},
	} {
		_, err := w.handOver(a.p.UserID, 0, nos...)
		wantCode(t, err, syncproto.CodeConflict)
		if after := w.ledger(server.LedgerFilter{}).Totals; after != before {
			t.Fatalf("%s: totals moved from %+v to %+v", name, before, after)
		}
	}
	_, err := w.handOver(a.p.UserID, 0, "A2", "A2")
	wantCode(t, err, syncproto.CodeInvalidRequest) // a receipt named twice is a malformed request
	if after := w.ledger(server.LedgerFilter{}).Totals; after != before {
		t.Fatal("a malformed hand-over moved the totals")
	}
	if _, err := w.s.Ledger.Settle(w.ctx, w.sup, &server.SettlementRequest{ReceiptNos: []string{"A1"}, Reference: "first"}); err != nil {
		t.Fatal(err)
	}
	before = w.ledger(server.LedgerFilter{}).Totals
	for name, nos := range map[string][]string{"settled already": {"A1"}, "not handed over": {"A2"}, "unknown": {"A404"}} {
		_, err := w.s.Ledger.Settle(w.ctx, w.sup, &server.SettlementRequest{ReceiptNos: nos, Reference: "again"})
		wantCode(t, err, syncproto.CodeConflict)
		if after := w.ledger(server.LedgerFilter{}).Totals; after != before {
			t.Fatalf("settle %s: totals moved", name)
		}
	}
	if n := len(w.events(server.ActionCODHandover)); n != 1 {
		t.Fatalf("%d hand-over events, want only the one that went through", n)
	}
}

func handoversOneWins(t *testing.T, w *world) {
	a := w.courier("sun")
	const rounds = 6
	for i := 0; i < rounds*2; i++ {
		a.apply(syncproto.KindCODReceipt, receipt(fmt.Sprintf("WB-C-%04d", i), fmt.Sprintf("C%d", i), 100))
	}
	for round := 0; round < rounds; round++ {
		req := &server.HandoverRequest{CourierID: a.p.UserID, ReceiptNos: []string{fmt.Sprintf("C%d", 2*round), fmt.Sprintf("C%d", 2*round+1)}, CountedCents: ptr(int64(200))}
		if round == rounds-1 { // the whole balance, the other form of hand-over
			req = &server.HandoverRequest{CourierID: a.p.UserID, AllInHand: true, ExpectedCents: ptr(int64(200)), CountedCents: ptr(int64(200))}
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := *req
				_, errs[i] = w.s.Ledger.HandOver(w.ctx, server.Principal{UserID: w.disp.UserID, Role: syncproto.RoleDispatcher, DeviceID: fmt.Sprintf("console-%d", i)}, &r)
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				wantCode(t, err, syncproto.CodeConflict)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d hand-overs succeeded (%v), want exactly 1", round, won, errs)
		}
	}
	wantTotals(t, w.ledger(server.LedgerFilter{}).Totals, rounds*200, rounds*200, 0)
	l, err := w.s.Handovers.ListHandovers(w.ctx, server.HandoverFilter{Limit: 100})
	if err != nil || len(l.Handovers) != rounds {
		t.Fatalf("hand-overs %+v, %v; want %d", l, err, rounds)
	}
}

func reversalAndCorrection(t *testing.T, w *world) {
	a := w.courier("zhao")
	collect(a, "R", 3000, 1000)
	rv, err := w.s.Ledger.Reverse(w.ctx, w.sup, &server.ReversalRequest{ReceiptNo: "R1", Reason: "typed 3000 for 2500", CorrectedAmountCents: ptr(int64(2500))})
	if err != nil {
		t.Fatal(err)
	}
	if rv.Reversal.AmountCents != -3000 || rv.Reversal.Kind != server.EntryReversal || rv.Correction == nil || rv.Correction.AmountCents != 2500 {
		t.Fatalf("reversal %+v", rv)
	}
	if rv.Correction.Discrepancy == nil || rv.Correction.Discrepancy.Code != server.DiscrepancyAmountMismatch {
		t.Fatalf("a correction off the pickup's COD amount is flagged: %+v", rv.Correction)
	}
	wantTotals(t, w.ledger(server.LedgerFilter{}).Totals, 3500, 0, 0)
	rows := w.ledger(server.LedgerFilter{}).Entries
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4 (2 receipts, a reversal, a correction): rows are append-only", len(rows))
	}
	for _, e := range rows {
		if e.ReceiptNo == "R1" && e.Kind == server.EntryReceipt && (e.AmountCents != 3000 || e.ReversedBy != rv.Reversal.EntryID) {
			t.Fatalf("the original row is kept as it was, marked reversed: %+v", e)
		}
	}
	_, err = w.s.Ledger.Reverse(w.ctx, w.sup, &server.ReversalRequest{ReceiptNo: "R404", Reason: "nope"})
	wantCode(t, err, syncproto.CodeNotFound)
	if _, err := w.handOver(a.p.UserID, 1000, "R2"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Ledger.Settle(w.ctx, w.sup, &server.SettlementRequest{ReceiptNos: []string{"R2"}, Reference: "paid"}); err != nil {
		t.Fatal(err)
	}
	_, err = w.s.Ledger.Reverse(w.ctx, w.sup, &server.ReversalRequest{ReceiptNo: "R2", Reason: "settled"})
	wantCode(t, err, syncproto.CodeConflict)
	h, err := w.s.Ledger.HandOver(w.ctx, w.disp, &server.HandoverRequest{CourierID: a.p.UserID, AllInHand: true, ExpectedCents: ptr(int64(2500)), CountedCents: ptr(int64(2400))})
	if err != nil || h.TotalCents != 2500 || h.DiscrepancyCents != -100 {
		t.Fatalf("the corrected receipt is handed over at its corrected amount: %+v, %v", h, err)
	}
}

func discrepanciesListed(t *testing.T, w *world) {
	a := w.courier("qian")
	a.apply(syncproto.KindPickup, pickup("WB-D-0001", 8800))
	r1 := a.apply(syncproto.KindCODReceipt, receipt("WB-D-0001", "D1", 8000))
	r2 := a.apply(syncproto.KindCODReceipt, receipt("WB-UNKNOWN-9", "D2", 1200))
	for _, r := range []syncproto.PushResult{r1, r2} {
		if !contains(r.Flags, "cod_discrepancy") {
			t.Fatalf("result %+v not flagged cod_discrepancy", r)
		}
	}
	if _, err := w.handOver(a.p.UserID, 9000, "D1", "D2"); err != nil {
		t.Fatal(err)
	}
	l, err := w.s.Ledger.ListCODDiscrepancies(w.ctx, "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		code  string
		cents int64
	}{{server.DiscrepancyAmountMismatch, -800}, {server.DiscrepancyUnknownWaybill, 0}, {server.DiscrepancyHandoverCount, -200}}
	if len(l.Discrepancies) != len(want) {
		t.Fatalf("discrepancies %+v", l.Discrepancies)
	}
	for i, x := range want {
		if d := l.Discrepancies[i]; d.Code != x.code || d.DiscrepancyCents != x.cents || d.CourierID != a.p.UserID {
			t.Fatalf("discrepancy %d = %+v, want %s %d", i, d, x.code, x.cents)
		}
	}
	wantTotals(t, w.ledger(server.LedgerFilter{}).Totals, 9200, 9200, 0)
	if e := w.ledger(server.LedgerFilter{}).Entries; e[0].Discrepancy == nil || e[0].Discrepancy.ExpectedCents == nil || *e[0].Discrepancy.ExpectedCents != 8800 {
		t.Fatalf("entry %+v", e[0])
	}
	other, err := w.s.Ledger.ListCODDiscrepancies(w.ctx, w.disp.UserID, "", 100)
	if err != nil || len(other.Discrepancies) != 0 {
		t.Fatalf("another courier's discrepancies: %+v, %v", other, err)
	}
}
