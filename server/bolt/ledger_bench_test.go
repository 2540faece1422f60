package bolt_test

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
)

// BenchmarkDispatchQueries1M measures the ledger query and the quality
// report over a store of one million COD receipts and 50,000 complaints
// (two years of history, 500 couriers, 300 vehicles). Building the store
// takes a while; it is built once for all the sub-benchmarks.
//
//	go test ./server/bolt -run '^$' -bench DispatchQueries1M -benchtime 20x -cpu 2
func BenchmarkDispatchQueries1M(b *testing.B) {
	now := dsTime("2026-11-27T15:00:00+08:00")
	clock := newDSClock("2026-11-27T15:00:00+08:00")
	db := openDB(b, bolt.Options{Clock: clock.Now, NoSync: true})
	start := time.Now()
	if err := db.SeedDispatch(bolt.DispatchSeed{Receipts: 1_000_000, Complaints: 50_000, Couriers: 500, Vehicles: 300, Now: now}); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded in %s", time.Since(start).Round(time.Second))

	ledgerCases := []struct {
		name string
		f    server.LedgerFilter
	}{
		{"ledger/everything", server.LedgerFilter{}},
		{"ledger/one_courier", server.LedgerFilter{CourierID: "u17"}},
		{"ledger/overdue", server.LedgerFilter{Overdue: true}},
		{"ledger/overdue_one_courier", server.LedgerFilter{Overdue: true, CourierID: "u17"}},
		{"ledger/handed_over", server.LedgerFilter{Status: server.CODHandedOver}},
		{"ledger/one_month_cut_mid_day", server.LedgerFilter{From: dsTime("2026-03-10T13:00:00+08:00"), To: dsTime("2026-04-10T09:30:00+08:00")}},
		{"ledger/settled_one_courier_one_year", server.LedgerFilter{Status: server.CODSettled, CourierID: "u400", From: dsTime("2025-06-01T00:00:00+08:00"), To: dsTime("2026-06-01T00:00:00+08:00")}},
	}
	for _, tc := range ledgerCases {
		b.Run(tc.name, func(b *testing.B) {
			tc.f.Limit = 100
			var n int
			for b.Loop() {
				p, err := db.ListLedger(bg, tc.f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(p.Entries)
			}
			b.ReportMetric(float64(n), "entries/page")
		})
	}
	b.Run("ledger/page_50_via_cursor", func(b *testing.B) {
		f := server.LedgerFilter{Limit: 100}
		for range 50 {
			p, err := db.ListLedger(bg, f)
			if err != nil {
				b.Fatal(err)
			}
			f.Cursor = p.Cursor
		}
		for b.Loop() {
			if _, err := db.ListLedger(bg, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, month := range []string{"2026-11", "2026-02"} {
		b.Run("report/"+month, func(b *testing.B) {
			var rep *server.QualityReport
			for b.Loop() {
				var err error
				if rep, err = db.QualityReport(bg, month); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rep.CODPastDueCount), "cod_past_due")
			b.ReportMetric(float64(len(rep.ByCourier)), "couriers")
		})
	}
	b.Run("complaints/overdue", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ListComplaints(bg, server.ComplaintFilter{Overdue: true, Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
