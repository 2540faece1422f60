package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestReverseNegatesInTheSameCustodyAndCorrects(t *testing.T) {
	s := DefaultSettings()
	m := newMemLedger()
	m.pickups["WB1"] = &CODPickup{ExpectedCents: counted(1200)}
	collect(t, m, "u7", receipt("WB1", "R1", 1000))
	if _, err := HandOverCOD(m, dispatcher, &HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1"}, CountedCents: counted(1000)}, ledgerT0); err != nil {
		t.Fatal(err)
	}
	out, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R1", Reason: "typed 1000", CorrectedAmountCents: counted(1200)}, s, ledgerT0)
	if err != nil {
		t.Fatal(err)
	}
	if r := out.Reversal; r.Kind != EntryReversal || r.AmountCents != -1000 || r.Status != CODHandedOver || r.HandoverID != "ho-1" || r.Reverses != "le-1" {
		t.Fatalf("reversal %+v", r)
	}
	c := out.Correction
	if c == nil || c.Kind != EntryCorrection || c.AmountCents != 1200 || c.Status != CODHandedOver || c.Discrepancy != nil || c.EntryID != "le-3" {
		t.Fatalf("correction %+v", c)
	}
	if m.entries[0].ReversedBy != "le-2" {
		t.Fatalf("the wrong row is not marked: %+v", m.entries[0])
	}
	if live, _ := m.Entry("R1"); live.EntryID != "le-3" {
		t.Fatalf("live entry %s", live.EntryID)
	}
	sums, _ := m.Sums("u7")
	if tot := sums.Totals(CODStatuses()); tot.HandedOverCents != 1200 || tot.Count != 1 {
		t.Fatalf("totals %+v", tot)
	}
	if ev := m.events[len(m.events)-1]; ev.Action != ActionCODReversal || !strings.Contains(ev.Detail, "corrected to 1200 by le-3") {
		t.Fatalf("event %+v", ev)
	}
	if _, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R1", Reason: "again"}, s, ledgerT0); err != nil {
		t.Fatalf("the correction can be reversed in turn: %v", err)
	}
	if _, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R1", Reason: "again"}, s, ledgerT0); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("reversed twice: %v", err)
	}
	if _, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R9", Reason: "x"}, s, ledgerT0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R1"}, s, ledgerT0); codeOf(err) != syncproto.CodeInvalidRequest {
		t.Fatalf("no reason: %v", err)
	}
}

func TestACorrectionTheLedgerCannotHoldIsRefusedBeforeAnyWrite(t *testing.T) {
	m := newMemLedger()
	m.entries = []*CODEntry{{LedgerEntry: LedgerEntry{EntryID: "le-1", Kind: EntryReceipt, ReceiptNo: "R1", CourierID: "u7",
		AmountCents: 1<<63 - 1000, Currency: "CNY", Status: CODCollected}}}
	m.receipts["R1"] = "le-1"
	_, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R1", Reason: "x", CorrectedAmountCents: counted(5000)}, DefaultSettings(), ledgerT0)
	if codeOf(err) != syncproto.CodeUnprocessable || len(m.entries) != 1 || len(m.events) != 0 {
		t.Fatalf("got %v, %d entries", err, len(m.entries))
	}
}
