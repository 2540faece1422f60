package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The ledger's listings: balances, overdue receipts, pages, hand-overs.

func balancesPerCourier(t *testing.T, w *world) {
	a, b := w.courier("bal-a"), w.courier("bal-b")
	collect(a, "A", 1000, 2000)
	collect(b, "B", 5000)
	if _, err := w.handOver(a.p.UserID, 1000, "A1"); err != nil {
		t.Fatal(err)
	}
	bl, err := w.s.Ledger.CODBalances(w.ctx, "", "", 100)
	if err != nil || len(bl.Balances) != 2 {
		t.Fatalf("balances %+v, %v", bl, err)
	}
	first, second := bl.Balances[0], bl.Balances[1]
	if first.CourierID > second.CourierID {
		t.Fatalf("balances not in courier id order: %s, %s", first.CourierID, second.CourierID)
	}
	if first.CourierID != a.p.UserID {
		first, second = second, first
	}
	if first.CollectedCents != 3000 || first.InHandCents != 2000 || first.HandedOverCents != 1000 || first.InHandCount != 1 || second.InHandCents != 5000 {
		t.Fatalf("balances a %+v, b %+v", first, second)
	}
	one, err := w.s.Ledger.CODBalances(w.ctx, b.p.UserID, "", 100)
	if err != nil || len(one.Balances) != 1 || one.Balances[0].CourierID != b.p.UserID {
		t.Fatalf("b's balance %+v, %v", one, err)
	}
	fed := changesOf[server.CODBalance](w, a.p, server.ChangeCODBalance)
	if len(fed) == 0 || fed[len(fed)-1].InHandCents != 2000 || fed[len(fed)-1].HandedOverCents != 1000 {
		t.Fatalf("a's feed carries the latest balance: %+v", fed)
	}
}

func overdueReceipts(t *testing.T, w *world) {
	a := w.courier("overdue")
	collect(a, "O", 100, 200)
	w.clock.Advance(40 * 24 * time.Hour)
	collect(a, "N", 300)
	if _, err := w.handOver(a.p.UserID, 100, "O1"); err != nil {
		t.Fatal(err)
	}
	od := w.ledger(server.LedgerFilter{Overdue: true})
	if len(od.Entries) != 2 || od.Totals.CollectedCents != 300 {
		t.Fatalf("overdue %+v, want O1 (handed over, not settled) and O2", od)
	}
	for _, e := range od.Entries {
		if e.DaysOverdue < 9 || e.AgeDays != 40 {
			t.Fatalf("overdue entry %s: age %d, days overdue %d", e.ReceiptNo, e.AgeDays, e.DaysOverdue)
		}
	}
	if _, err := w.s.Ledger.Settle(w.ctx, w.sup, &server.SettlementRequest{ReceiptNos: []string{"O1"}, Reference: "late"}); err != nil {
		t.Fatal(err)
	}
	if od := w.ledger(server.LedgerFilter{Overdue: true}); len(od.Entries) != 1 || od.Entries[0].ReceiptNo != "O2" {
		t.Fatalf("after settling O1: %+v", od.Entries)
	}
	from := w.ledger(server.LedgerFilter{From: w.now().Add(-time.Hour)})
	if len(from.Entries) != 1 || from.Entries[0].ReceiptNo != "N1" {
		t.Fatalf("from bounds collected_at: %+v", from.Entries)
	}
}

func ledgerPaging(t *testing.T, w *world) {
	a := w.courier("pages")
	collect(a, "P", 100, 200, 300, 400, 500)
	var nos []string
	cursor := ""
	for {
		page, err := w.s.Ledger.ListLedger(w.ctx, server.LedgerFilter{Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if page.Totals.CollectedCents != 1500 || page.Totals.Count != 5 {
			t.Fatalf("page totals %+v, want the whole filter's", page.Totals)
		}
		for _, e := range page.Entries {
			nos = append(nos, e.ReceiptNo)
		}
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	if fmt.Sprint(nos) != "[P1 P2 P3 P4 P5]" {
		t.Fatalf("pages gave %v, want collection order", nos)
	}
	_, err := w.s.Ledger.ListLedger(w.ctx, server.LedgerFilter{Cursor: "%%bad%%", Limit: 2})
	wantCode(t, err, syncproto.CodeInvalidRequest)
}

func handoversListed(t *testing.T, w *world) {
	a, b := w.courier("ho-a"), w.courier("ho-b")
	collect(a, "A", 100, 200)
	collect(b, "B", 300)
	h1, err := w.handOver(a.p.UserID, 100, "A1")
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Hour)
	if _, err := w.handOver(b.p.UserID, 300, "B1"); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Hour)
	h3, err := w.handOver(a.p.UserID, 250, "A2")
	if err != nil {
		t.Fatal(err)
	}
	l, err := w.s.Handovers.ListHandovers(w.ctx, server.HandoverFilter{CourierID: a.p.UserID, Limit: 10})
	if err != nil || len(l.Handovers) != 2 || l.Handovers[0].HandoverID != h1.HandoverID || l.Handovers[1].HandoverID != h3.HandoverID {
		t.Fatalf("a's hand-overs %+v, %v", l, err)
	}
	if h := l.Handovers[1]; h.CountedCents != 250 || h.TotalCents != 200 || h.DiscrepancyCents != 50 || h.By != w.disp.UserID {
		t.Fatalf("hand-over %+v", h)
	}
	win, err := w.s.Handovers.ListHandovers(w.ctx, server.HandoverFilter{From: Start.Add(30 * time.Minute), To: Start.Add(90 * time.Minute), Limit: 10})
	if err != nil || len(win.Handovers) != 1 || win.Handovers[0].CourierID != b.p.UserID {
		t.Fatalf("hand-overs between from and to: %+v, %v", win, err)
	}
	page, err := w.s.Handovers.ListHandovers(w.ctx, server.HandoverFilter{Limit: 2})
	if err != nil || len(page.Handovers) != 2 || !page.HasMore {
		t.Fatalf("first page %+v, %v", page, err)
	}
	rest, err := w.s.Handovers.ListHandovers(w.ctx, server.HandoverFilter{Cursor: page.Cursor, Limit: 2})
	if err != nil || len(rest.Handovers) != 1 || rest.HasMore || rest.Handovers[0].HandoverID != h3.HandoverID {
		t.Fatalf("second page %+v, %v", rest, err)
	}
}
