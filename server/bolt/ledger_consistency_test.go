package bolt_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

// TestLedgerIndexesAgreeWithTheRows builds a ledger by random custody
// moves, then checks, for many random filters, that the totals the
// indexes give and the pages they list are what a plain walk over every
// row gives.
func TestLedgerIndexesAgreeWithTheRows(t *testing.T) {
	clock := newDSClock("2026-01-10T08:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now, SkewLimit: futureHistory})
	rng := rand.New(rand.NewPCG(7, 11))
	couriers := []*dsDevice{newDSDevice(t, db, "c-one"), newDSDevice(t, db, "c-two"), newDSDevice(t, db, "c-three")}
	first := clock.Now()
	span := dsTime("2026-02-25T20:00:00+08:00").Sub(first)
	batches := make([][]syncproto.Op, len(couriers))
	for i := 0; i < 420; i++ {
		ci := rng.IntN(len(couriers))
		c := couriers[ci]
		at := first.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Minute)
		wb := fmt.Sprintf("WB-R-%05d", i)
		cents := int64(100 * (1 + rng.IntN(50)))
		if rng.IntN(4) > 0 {
			want := cents
			if rng.IntN(6) == 0 {
				want += 100
			}
			c.seq++
			batches[ci] = append(batches[ci], op("pickup", c.seq, at, dsPickup(wb, want)))
		}
		c.seq++
		batches[ci] = append(batches[ci], op("cod_receipt", c.seq, at, dsReceipt(wb, "RR"+strconv.Itoa(i), cents)))
	}
	for ci, ops := range batches {
		for _, r := range push(t, db, couriers[ci].p, ops...) {
			if r.Status != syncproto.StatusApplied {
				t.Fatalf("seeding: %s", codeOf(r))
			}
		}
	}
	clock.Set(dsTime("2026-03-15T12:00:00+08:00"))
	all := pageAll(t, db, server.LedgerFilter{}, 50)
	for step := 0; step < 45; step++ {
		switch rng.IntN(3) {
		case 0: // hand over some of one courier's cash
			c := couriers[rng.IntN(len(couriers))]
			var nos []string
			for _, e := range all {
				if e.CourierID == c.p.UserID && e.Status == server.CODCollected && e.ReversedBy == "" && e.Kind != server.EntryReversal && rng.IntN(3) == 0 {
					nos = append(nos, e.ReceiptNo)
				}
			}
			if len(nos) > 0 {
				if _, err := db.HandOver(bg, dsDispatcher, &server.HandoverRequest{CourierID: c.p.UserID, ReceiptNos: nos, CountedCents: i64p(int64(rng.IntN(5000)))}); err != nil {
					t.Fatal(err)
				}
			}
		case 1: // settle some handed-over receipts
			var nos []string
			for _, e := range all {
				if e.Status == server.CODHandedOver && e.ReversedBy == "" && e.Kind != server.EntryReversal && rng.IntN(3) == 0 {
					nos = append(nos, e.ReceiptNo)
				}
			}
			if len(nos) > 0 {
				if _, err := db.Settle(bg, dsSupervisor, &server.SettlementRequest{ReceiptNos: nos, Reference: "S"}); err != nil {
					t.Fatal(err)
				}
			}
		case 2: // reverse one, sometimes with a correction
			for _, e := range all {
				if e.Status != server.CODSettled && e.ReversedBy == "" && e.Kind != server.EntryReversal && rng.IntN(20) == 0 {
					r := &server.ReversalRequest{ReceiptNo: e.ReceiptNo, Reason: "wrong"}
					if rng.IntN(2) == 0 {
						r.CorrectedAmountCents = i64p(e.AmountCents + 50)
					}
					if _, err := db.Reverse(bg, dsSupervisor, r); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
		}
		all = pageAll(t, db, server.LedgerFilter{}, 500)
	}
	now := clock.Now()
	// Cuts at day boundaries (one written in UTC) and within days; the
	// overdue line (due_by < now) falls within 15 February.
	times := []time.Time{{}, dsTime("2026-01-20T13:37:00+08:00"), dsTime("2026-01-31T16:00:00Z"), dsTime("2026-02-01T00:00:00+08:00"),
		dsTime("2026-02-15T06:00:00+08:00"), dsTime("2026-02-20T18:45:00+08:00")}
	for i := 0; i < 200; i++ {
		f := server.LedgerFilter{Overdue: rng.IntN(3) == 0}
		if rng.IntN(2) == 0 {
			f.CourierID = couriers[rng.IntN(len(couriers))].p.UserID
		}
		if s := rng.IntN(5); s < 3 {
			f.Status = []string{server.CODCollected, server.CODHandedOver, server.CODSettled}[s]
		}
		f.From = times[rng.IntN(len(times))]
		if to := times[rng.IntN(len(times))]; !to.IsZero() && (f.From.IsZero() || to.After(f.From)) {
			f.To = to
		}
		if f.Overdue && f.Status == server.CODSettled {
			f.Status = ""
		}
		name := fmt.Sprintf("filter %d %+v", i, f)
		var want server.LedgerTotals
		var wantIDs []string
		for _, e := range all {
			void := e.ReversedBy != "" || e.Kind == server.EntryReversal
			switch {
			case f.CourierID != "" && e.CourierID != f.CourierID:
			case f.Status != "" && e.Status != f.Status:
			case !f.From.IsZero() && e.CollectedAt.Before(f.From):
			case !f.To.IsZero() && !e.CollectedAt.Before(f.To):
			case f.Overdue && (e.Status == server.CODSettled || !e.DueBy.Before(now)):
			default:
				if !void {
					want.Count++
				}
				want.CollectedCents += e.AmountCents
				if e.Status != server.CODCollected {
					want.HandedOverCents += e.AmountCents
				}
				if e.Status == server.CODSettled {
					want.SettledCents += e.AmountCents
				}
				if !(f.Overdue && void) {
					wantIDs = append(wantIDs, e.EntryID)
				}
			}
		}
		want.InHandCents = want.CollectedCents - want.HandedOverCents
		want.OutstandingCents = want.CollectedCents - want.SettledCents
		want.AwaitingSettlementCents = want.HandedOverCents - want.SettledCents
		got := pageAll(t, db, f, 37)
		page := listLedger(t, db, f)
		if page.Totals != want {
			t.Fatalf("%s: totals %+v, want %+v", name, page.Totals, want)
		}
		var gotIDs []string
		for _, e := range got {
			gotIDs = append(gotIDs, e.EntryID)
		}
		if strings.Join(gotIDs, ",") != strings.Join(wantIDs, ",") {
			t.Fatalf("%s: listed %v, want %v", name, gotIDs, wantIDs)
		}
	}
	t.Run("balances agree with the rows", func(t *testing.T) {
		for _, c := range couriers {
			bl, err := db.CODBalances(bg, c.p.UserID, "", 1)
			if err != nil || len(bl.Balances) != 1 {
				t.Fatalf("balance of %s: %+v, %v", c.p.UserID, bl, err)
			}
			tot := listLedger(t, db, server.LedgerFilter{CourierID: c.p.UserID}).Totals
			b := bl.Balances[0]
			if b.CollectedCents != tot.CollectedCents || b.InHandCents != tot.InHandCents || b.SettledCents != tot.SettledCents {
				t.Fatalf("balance %+v, ledger totals %+v", b, tot)
			}
		}
	})
}

// pageAll walks every page of a filtered ledger, checking the order.
func pageAll(tb testing.TB, db *bolt.DB, f server.LedgerFilter, limit int) []server.LedgerEntry {
	tb.Helper()
	var out []server.LedgerEntry
	f.Limit = limit
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			tb.Fatal("ledger pages never end")
		}
		p := listLedger(tb, db, f)
		for _, e := range p.Entries {
			if n := len(out); n > 0 && e.CollectedAt.Before(out[n-1].CollectedAt) {
				tb.Fatalf("%s listed after %s: not in collection order", e.EntryID, out[n-1].EntryID)
			}
		}
		out = append(out, p.Entries...)
		if !p.HasMore {
			return out
		}
		f.Cursor = p.Cursor
	}
}
