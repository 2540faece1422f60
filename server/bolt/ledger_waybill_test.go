package bolt_test

import (
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
)

// TestAParcelLedgerCountsLikeTheWholeLedger: listing one waybill's rows
// must total them as any ledger page does, where a reversed receipt and
// its reversal cancel out and neither counts (a parcel page once counted
// three entries for one receipt reversed and corrected).
func TestAParcelLedgerCountsLikeTheWholeLedger(t *testing.T) {
	clock := newDSClock("2026-04-01T10:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a := newDSDevice(t, db, "qian")
	now := clock.Now()
	a.push("pickup", now, dsPickup("WB-W-0001", 1200))
	a.push("cod_receipt", now, dsReceipt("WB-W-0001", "W1", 1000))
	if _, err := db.Reverse(bg, dsDispatcher, &server.ReversalRequest{ReceiptNo: "W1", Reason: "typed", CorrectedAmountCents: i64p(1200)}); err != nil {
		t.Fatal(err)
	}
	whole := listLedger(t, db, server.LedgerFilter{CourierID: a.p.UserID}).Totals
	parcel := listLedger(t, db, server.LedgerFilter{Waybill: "WB-W-0001"})
	if len(parcel.Entries) != 3 {
		t.Fatalf("the parcel's rows: %+v", parcel.Entries)
	}
	if parcel.Totals != whole || whole.Count != 1 || whole.CollectedCents != 1200 {
		t.Fatalf("parcel totals %+v, courier totals %+v", parcel.Totals, whole)
	}
}
