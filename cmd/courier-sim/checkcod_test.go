package main

import (
	"strings"
	"testing"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// codFixture is one courier's COD after a run that kept every promise: R1
// settled, R2 handed over, R3 in hand and recorded with another amount
// than its pickup's; a hand-over counted ¥10 short, listed.
type codFixture struct {
	ledgers []courierLedger
	overall syncproto.LedgerTotals
	custody map[string]string
	disc    *handoverDiscrepancy
	listed  []syncproto.CODDiscrepancyRecord
}

func goodCOD() *codFixture {
	c := &courier{idx: 1, userID: "u1", gen: &generator{
		receipts: []*mobileapi.CODReceipt{
			{ReceiptNo: "R1", AmountCents: 100}, {ReceiptNo: "R2", AmountCents: 200}, {ReceiptNo: "R3", AmountCents: 300},
		},
		mismatched: map[string]bool{"R3": true},
		pii:        []string{"王芳", "13912345678"},
	}}
	masked := &syncproto.Contact{NameMasked: "王*", PhoneMasked: "139****5678"}
	totals := syncproto.LedgerTotals{CollectedCents: 600, HandedOverCents: 300, InHandCents: 300, SettledCents: 100, OutstandingCents: 500, AwaitingSettlementCents: 200}
	mismatch := &syncproto.CODDiscrepancy{Code: "amount_mismatch"}
	return &codFixture{
		ledgers: []courierLedger{{Courier: c, Totals: totals,
			Entries: []syncproto.LedgerEntry{
				{Kind: "receipt", ReceiptNo: "R1", AmountCents: 100, Status: "settled", Sender: masked, Recipient: masked},
				{Kind: "receipt", ReceiptNo: "R2", AmountCents: 200, Status: "handed_over"},
				{Kind: "receipt", ReceiptNo: "R3", AmountCents: 300, Status: "collected", Discrepancy: mismatch},
			},
			Device: &mobileapi.CODBalance{CollectedCents: 600, HandedOverCents: 300, InHandCents: 300, SettledCents: 100, OutstandingCents: 500, AsOf: "2026-11-27T09:00:00+08:00"},
		}},
		overall: syncproto.LedgerTotals{CollectedCents: 1600, HandedOverCents: 300, InHandCents: 1300, SettledCents: 100, OutstandingCents: 1500, AwaitingSettlementCents: 200},
		custody: map[string]string{"R1": "settled", "R2": "handed_over"},
		disc:    &handoverDiscrepancy{Courier: c, HandoverID: "ho-2", Cents: -1000},
		listed:  []syncproto.CODDiscrepancyRecord{{Code: "amount_mismatch"}, {Code: "handover_count", HandoverID: "ho-2", DiscrepancyCents: -1000}},
	}
}

func TestActorCheckOfTheCODLedger(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(f *codFixture)
		problem string
	}{
		{"a ledger that balances and holds every receipt once passes", func(*codFixture) {}, ""},
		{"overall totals that do not balance are found",
			func(f *codFixture) { f.overall.InHandCents-- },
			"overall totals do not balance: collected ≠ in hand + handed over"},
		{"a courier's totals that do not balance are found",
			func(f *codFixture) { f.ledgers[0].Totals.AwaitingSettlementCents = 0 },
			"totals do not balance: handed over ≠ settled + awaiting settlement"},
		{"outstanding that is not collected less settled is found",
			func(f *codFixture) { f.ledgers[0].Totals.OutstandingCents = 600 },
			"outstanding ≠ collected − settled"},
		{"a ledger entry showing a recipient's name in plain is found",
			func(f *codFixture) {
				f.ledgers[0].Entries[0].Recipient = &syncproto.Contact{NameMasked: "王芳", PhoneMasked: "139****5678"}
			},
			"receipt R1 shows its sender or recipient unmasked"},
		{"a receipt counted twice is found",
			func(f *codFixture) { f.ledgers[0].Entries = append(f.ledgers[0].Entries, f.ledgers[0].Entries[1]) },
			"receipt R2 is in the ledger 2 times"},
		{"a receipt missing from the ledger is found",
			func(f *codFixture) { f.ledgers[0].Entries = f.ledgers[0].Entries[1:] },
			"receipt R1 is not in the ledger"},
		{"a receipt in another custody than confirmed is found",
			func(f *codFixture) { f.ledgers[0].Entries[1].Status = "collected" },
			"receipt R2: receipt 200 collected, want receipt 200 handed_over"},
		{"a mismatched amount not flagged is found",
			func(f *codFixture) { f.ledgers[0].Entries[2].Discrepancy = nil },
			"receipt R3: amount_mismatch flagged false, want true"},
		{"a receipt no op recorded is found",
			func(f *codFixture) {
				f.ledgers[0].Entries = append(f.ledgers[0].Entries, syncproto.LedgerEntry{Kind: "receipt", ReceiptNo: "R9", AmountCents: 5, Status: "collected"})
			},
			"the ledger holds receipt R9"},
		{"totals that differ from the receipts are found",
			func(f *codFixture) {
				tt := &f.ledgers[0].Totals
				tt.SettledCents, tt.AwaitingSettlementCents, tt.OutstandingCents = 0, 300, 600
			},
			"totals collected 600, handed over 300, settled 0; the receipts and custody give 600, 300, 100"},
		{"a handheld balance that differs from the ledger is found",
			func(f *codFixture) { f.ledgers[0].Device.InHandCents = 0 },
			"the handheld's balance collected 600, handed over 300, in hand 0"},
		{"a hand-over counted off and not listed is found",
			func(f *codFixture) { f.listed = f.listed[:1] },
			"hand-over ho-2 counted -1000 off is not listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := goodCOD()
			tt.breakIt(f)
			ac := &actorCheck{}
			ac.checkLedger(f.ledgers, f.overall, f.custody, f.disc, f.listed)
			if tt.problem == "" {
				if !ac.OK() {
					t.Fatalf("check failed a good ledger: %q", ac.Problems)
				}
				if ac.Receipts != 3 || ac.ReceiptsOnce != 3 || ac.CouriersBalanced != 1 || !ac.OverallBalanced || !ac.DiscrepancyListed ||
					ac.DeviceBalancesRight != 1 || ac.Totals.CollectedCents != 600 {
					t.Errorf("tallies: %+v", ac)
				}
				return
			}
			if ac.OK() {
				t.Fatal("check passed a broken ledger")
			}
			if !strings.Contains(strings.Join(ac.Problems, "\n"), tt.problem) {
				t.Errorf("problems %q do not mention %q", ac.Problems, tt.problem)
			}
		})
	}
}
