package bolt_test

import (
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
)

func TestOneWaybillCollectedTwiceIsItsOwnDiscrepancy(t *testing.T) {
	clock := newDSClock("2026-05-02T09:00:00+08:00")
	db := openDB(t, bolt.Options{Clock: clock.Now})
	a, b := newDSDevice(t, db, "zhao"), newDSDevice(t, db, "qian")
	now := clock.Now()
	a.push("pickup", now, dsPickup("WB-DUP-001", 8800))
	first := a.push("cod_receipt", now, dsReceipt("WB-DUP-001", "DUP-1", 8800))
	second := b.push("cod_receipt", now, dsReceipt("WB-DUP-001", "DUP-2", 8800))
	if contains(first.Flags, "cod_discrepancy") || !contains(second.Flags, "cod_discrepancy") {
		t.Fatalf("flags: first %v, second %v", first.Flags, second.Flags)
	}
	list, err := db.ListCODDiscrepancies(bg, "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Discrepancies) != 1 {
		t.Fatalf("discrepancies = %+v", list.Discrepancies)
	}
	d := list.Discrepancies[0]
	if d.Code != server.DiscrepancyDuplicateCollection || d.ReceiptNo != "DUP-2" || d.DiscrepancyCents != 8800 || d.CourierID != b.p.UserID {
		t.Fatalf("discrepancy = %+v", d)
	}
	e := listLedger(t, db, server.LedgerFilter{}).Entries
	if len(e) != 2 || e[1].Discrepancy == nil || e[1].Discrepancy.Code != server.DiscrepancyDuplicateCollection {
		t.Fatalf("ledger = %+v", e)
	}
}
