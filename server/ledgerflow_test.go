package server

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

var (
	ledgerT0   = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	dispatcher = Principal{UserID: "u2", Role: syncproto.RoleDispatcher}
)

func receipt(waybill, no string, cents int64) *syncproto.CODReceipt {
	return &syncproto.CODReceipt{ReceiptNo: no, Waybill: waybill, AmountCents: cents, Currency: "CNY", Method: syncproto.MethodCash}
}

// collect records receipts of courier through the intake rule.
func collect(t *testing.T, m *memLedger, courier string, rs ...*syncproto.CODReceipt) {
	t.Helper()
	for _, r := range rs {
		if _, rej, err := RecordCODReceipt(m, courier, "op-"+r.ReceiptNo, r, ledgerT0, ledgerT0); err != nil || rej != nil {
			t.Fatalf("collect %s: %v %v", r.ReceiptNo, rej, err)
		}
	}
}

func counted(c int64) *int64 { return &c }

func TestHandOverMovesTheCourierCashOnceAndListsACountMismatch(t *testing.T) {
	m := newMemLedger()
	collect(t, m, "u7", receipt("WB1", "R1", 1000), receipt("WB2", "R2", 2500))
	collect(t, m, "u8", receipt("WB3", "R3", 700))
	h, err := HandOverCOD(m, dispatcher, &HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1", "R2"}, CountedCents: counted(3400)}, ledgerT0)
	if err != nil {
		t.Fatal(err)
	}
	if h.HandoverID != "ho-1" || h.TotalCents != 3500 || h.DiscrepancyCents != -100 || !slices.Equal(h.ReceiptNos, []string{"R1", "R2"}) {
		t.Fatalf("hand-over %+v", h)
	}
	for _, no := range []string{"R1", "R2"} {
		if e, _ := m.Entry(no); e.Status != CODHandedOver || e.HandoverID != "ho-1" || !e.HandedOverAt.Equal(ledgerT0) {
			t.Fatalf("%s: %+v", no, e)
		}
	}
	d := m.discrepancies[len(m.discrepancies)-1]
	if d.Code != DiscrepancyHandoverCount || d.HandoverID != "ho-1" || d.DiscrepancyCents != -100 || d.AmountCents != 3500 {
		t.Fatalf("discrepancy %+v", d)
	}
	b := m.balances[len(m.balances)-1]
	if b.CourierID != "u7" || b.InHandCents != 0 || b.HandedOverCents != 3500 || b.InHandCount != 0 {
		t.Fatalf("balance %+v", b)
	}
	if ev := m.events[len(m.events)-1]; ev.Action != ActionCODHandover || ev.Object != "ho-1" {
		t.Fatalf("event %+v", ev)
	}
	// The second dispatcher confirming the same receipts loses: nothing changes.
	n := len(m.handovers)
	_, err = HandOverCOD(m, dispatcher, &HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1"}, CountedCents: counted(1000)}, ledgerT0)
	if codeOf(err) != syncproto.CodeConflict || len(m.handovers) != n {
		t.Fatalf("second hand-over: %v", err)
	}
}

func TestHandOverAllInHandChecksTheExpectedCount(t *testing.T) {
	m := newMemLedger()
	collect(t, m, "u7", receipt("WB1", "R1", 1000), receipt("WB2", "R2", 2500))
	req := &HandoverRequest{CourierID: "u7", AllInHand: true, CountedCents: counted(3500), ExpectedCents: counted(1000)}
	if _, err := HandOverCOD(m, dispatcher, req, ledgerT0); codeOf(err) != syncproto.CodeConflict || len(m.handovers) != 0 {
		t.Fatalf("a receipt synced after the count: %v", err)
	}
	req.ExpectedCents = counted(3500)
	h, err := HandOverCOD(m, dispatcher, req, ledgerT0)
	if err != nil || h.TotalCents != 3500 || h.DiscrepancyCents != 0 || len(h.ReceiptNos) != 2 {
		t.Fatalf("all in hand: %+v %v", h, err)
	}
	if len(m.discrepancies) != 2 { // the two unknown waybills only
		t.Fatalf("a matching count is no discrepancy: %+v", m.discrepancies)
	}
	if _, err := HandOverCOD(m, dispatcher, req, ledgerT0); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("nothing left in hand: %v", err)
	}
}

func TestHandOverRefusals(t *testing.T) {
	m := newMemLedger()
	collect(t, m, "u7", receipt("WB1", "R1", 1000), receipt("WB2", "R2", 100))
	collect(t, m, "u8", receipt("WB3", "R3", 700))
	usd := receipt("WB4", "R4", 100)
	usd.Currency = "USD"
	collect(t, m, "u7", usd)
	if _, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R2", Reason: "wrong"}, DefaultSettings(), ledgerT0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  HandoverRequest
		code syncproto.Code
	}{
		{"malformed", HandoverRequest{CourierID: "u7"}, syncproto.CodeInvalidRequest},
		{"not a courier", HandoverRequest{CourierID: "u2", ReceiptNos: []string{"R1"}}, syncproto.CodeUnprocessable},
		{"unknown receipt", HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1", "R9"}}, syncproto.CodeConflict},
		{"reversed receipt", HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R2"}}, syncproto.CodeConflict},
		{"another courier's receipt", HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R3"}}, syncproto.CodeConflict},
		{"two currencies", HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1", "R4"}}, syncproto.CodeInvalidRequest},
		{"nothing in hand", HandoverRequest{CourierID: "u9", AllInHand: true}, syncproto.CodeConflict},
	}
	m.couriers["u9"] = true
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.CountedCents = counted(0)
			n := len(m.handovers)
			if _, err := HandOverCOD(m, dispatcher, &tt.req, ledgerT0); codeOf(err) != tt.code || len(m.handovers) != n {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
	t.Run("more in hand than one hand-over takes", func(t *testing.T) {
		big := newMemLedger()
		for i := range MaxHandoverInHand + 1 {
			big.entries = append(big.entries, &CODEntry{LedgerEntry: LedgerEntry{EntryID: "le-" + strconv.Itoa(i+1), Kind: EntryReceipt,
				CourierID: "u7", AmountCents: 1, Currency: "CNY", Status: CODCollected}})
		}
		_, err := HandOverCOD(big, dispatcher, &HandoverRequest{CourierID: "u7", AllInHand: true, CountedCents: counted(1)}, ledgerT0)
		if codeOf(err) != syncproto.CodeConflict || len(big.handovers) != 0 {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSettleMovesHandedOverMoneyToEachCourierSender(t *testing.T) {
	m := newMemLedger()
	collect(t, m, "u7", receipt("WB1", "R1", 1000))
	collect(t, m, "u8", receipt("WB2", "R2", 2000), receipt("WB3", "R3", 300))
	for _, h := range []HandoverRequest{{CourierID: "u7", ReceiptNos: []string{"R1"}}, {CourierID: "u8", ReceiptNos: []string{"R2"}}} {
		h.CountedCents = counted(0)
		if _, err := HandOverCOD(m, dispatcher, &h, ledgerT0); err != nil {
			t.Fatal(err)
		}
	}
	refusals := []struct {
		name string
		nos  []string
	}{{"unknown", []string{"R9"}}, {"not handed over", []string{"R3"}}}
	for _, r := range refusals {
		if _, err := SettleCOD(m, dispatcher, &SettlementRequest{ReceiptNos: r.nos, Reference: "bank 1"}, ledgerT0); codeOf(err) != syncproto.CodeConflict {
			t.Fatalf("%s: %v", r.name, err)
		}
	}
	if _, err := SettleCOD(m, dispatcher, &SettlementRequest{ReceiptNos: []string{"R1"}}, ledgerT0); codeOf(err) != syncproto.CodeInvalidRequest {
		t.Fatalf("no reference: %v", err)
	}
	before := len(m.balances)
	s, err := SettleCOD(m, dispatcher, &SettlementRequest{ReceiptNos: []string{"R1", "R2"}, Reference: "bank 1"}, ledgerT0)
	if err != nil || s.SettlementID != "st-1" || s.TotalCents != 3000 || s.Currency != "CNY" {
		t.Fatalf("settlement %+v %v", s, err)
	}
	if got := m.balances[before:]; len(got) != 2 || got[0].CourierID != "u7" || got[1].CourierID != "u8" || got[1].SettledCents != 2000 {
		t.Fatalf("balances %+v", got)
	}
	if e, _ := m.Entry("R2"); e.Status != CODSettled || e.SettlementID != "st-1" {
		t.Fatalf("R2 %+v", e)
	}
	if _, err := SettleCOD(m, dispatcher, &SettlementRequest{ReceiptNos: []string{"R1"}, Reference: "bank 2"}, ledgerT0); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("settled twice: %v", err)
	}
	if _, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R1", Reason: "x"}, DefaultSettings(), ledgerT0); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("reversing settled money: %v", err)
	}
	m.entries[2].ReversedBy = "le-9"
	if _, err := SettleCOD(m, dispatcher, &SettlementRequest{ReceiptNos: []string{"R3"}, Reference: "b"}, ledgerT0); codeOf(err) != syncproto.CodeConflict {
		t.Fatalf("reversed: %v", err)
	}
}

func TestSettleRefusesTwoCurrencies(t *testing.T) {
	m := newMemLedger()
	usd := receipt("WB2", "R2", 100)
	usd.Currency = "USD"
	collect(t, m, "u7", receipt("WB1", "R1", 100), usd)
	for _, no := range []string{"R1", "R2"} {
		if _, err := HandOverCOD(m, dispatcher, &HandoverRequest{CourierID: "u7", ReceiptNos: []string{no}, CountedCents: counted(100)}, ledgerT0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := SettleCOD(m, dispatcher, &SettlementRequest{ReceiptNos: []string{"R1", "R2"}, Reference: "b"}, ledgerT0); codeOf(err) != syncproto.CodeInvalidRequest || len(m.settlements) != 0 {
		t.Fatalf("got %v", err)
	}
}

func TestRecordCODReceiptDecidesDuplicatesRoomAndDiscrepancies(t *testing.T) {
	m := newMemLedger()
	m.pickups["WB1"] = &CODPickup{ExpectedCents: counted(1000), Sender: &syncproto.Contact{NameMasked: "王*"}}
	m.pickups["WB2"] = &CODPickup{}
	in, rej, err := RecordCODReceipt(m, "u7", "op-1", receipt("WB1", "R1", 900), ledgerT0, ledgerT0.Add(time.Minute))
	if err != nil || rej != nil {
		t.Fatal(rej, err)
	}
	e := in.Entry
	if e.EntryID != "le-1" || e.Status != CODCollected || e.OpID != "op-1" || e.Sender.NameMasked != "王*" || !e.WrittenAt.Equal(ledgerT0.Add(time.Minute)) {
		t.Fatalf("entry %+v", e)
	}
	if !slices.Equal(in.Flags, []string{FlagCODDiscrepancy}) || in.Discrepancy.Code != DiscrepancyAmountMismatch {
		t.Fatalf("intake %+v", in)
	}
	if d := m.discrepancies[0]; d.DiscrepancyCents != -100 || *d.ExpectedCents != 1000 || d.ReceiptNo != "R1" {
		t.Fatalf("discrepancy %+v", d)
	}
	if b := m.balances[0]; b.InHandCents != 900 || b.InHandCount != 1 {
		t.Fatalf("balance %+v", b)
	}
	_, rej, err = RecordCODReceipt(m, "u7", "op-2", receipt("WB1", "R1", 900), ledgerT0, ledgerT0)
	if err != nil || rej == nil || rej.Code != syncproto.CodeDuplicateReceipt || len(m.entries) != 1 {
		t.Fatalf("duplicate receipt: %v %v", rej, err)
	}
	in, _, _ = RecordCODReceipt(m, "u7", "op-3", receipt("WB1", "R2", 1000), ledgerT0, ledgerT0)
	if in.Discrepancy.Code != DiscrepancyDuplicateCollection || DiscrepancyCents(in.Discrepancy, 1000) != 1000 {
		t.Fatalf("second collection: %+v", in.Discrepancy)
	}
	in, _, _ = RecordCODReceipt(m, "u7", "op-4", receipt("WB2", "R3", 1000), ledgerT0, ledgerT0)
	if in.Discrepancy != nil || in.Flags != nil {
		t.Fatalf("a pickup naming no amount expects none: %+v", in)
	}
	m.entries[0].AmountCents = 1<<63 - 3000
	n := len(m.entries)
	_, rej, err = RecordCODReceipt(m, "u7", "op-5", receipt("WB9", "R9", 5000), ledgerT0, ledgerT0)
	if err != nil || rej == nil || rej.Code != syncproto.CodeValidationFailed || len(m.entries) != n || m.known["R9"] {
		t.Fatalf("a receipt the ledger cannot hold: %v %v", rej, err)
	}
}

func TestLedgerRulesPassStoreFailuresOn(t *testing.T) {
	s := DefaultSettings()
	type step func(m *memLedger) error
	handOver := func(m *memLedger) error {
		_, err := HandOverCOD(m, dispatcher, &HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R1"}, CountedCents: counted(1)}, ledgerT0)
		return err
	}
	handOverAll := func(m *memLedger) error {
		_, err := HandOverCOD(m, dispatcher, &HandoverRequest{CourierID: "u7", AllInHand: true, CountedCents: counted(1)}, ledgerT0)
		return err
	}
	settle := func(m *memLedger) error {
		_, err := SettleCOD(m, dispatcher, &SettlementRequest{ReceiptNos: []string{"R2"}, Reference: "b"}, ledgerT0)
		return err
	}
	reverse := func(m *memLedger) error {
		_, err := ReverseCOD(m, dispatcher, &ReversalRequest{ReceiptNo: "R1", Reason: "x", CorrectedAmountCents: counted(2)}, s, ledgerT0)
		return err
	}
	record := func(m *memLedger) error {
		_, _, err := RecordCODReceipt(m, "u7", "op", receipt("WB1", "R5", 1), ledgerT0, ledgerT0)
		return err
	}
	cases := map[string]struct {
		run     step
		methods []string
	}{
		"hand-over":   {handOver, []string{"IsCourier", "Entry", "InsertHandover", "Move", "AddDiscrepancy", "Sums", "PublishBalance", "Audit"}},
		"all in hand": {handOverAll, []string{"LiveEntries"}},
		"settle":      {settle, []string{"Entry", "InsertSettlement", "Move", "Sums", "PublishBalance", "Audit"}},
		"reverse":     {reverse, []string{"Entry", "Sums", "Insert", "MarkReversed", "Pickup", "PointReceipt", "PublishBalance", "Audit"}},
		"record":      {record, []string{"ReceiptKnown", "Sums", "Pickup", "NoteCollection", "Insert", "PointReceipt", "AddDiscrepancy", "PublishBalance"}},
	}
	for name, c := range cases {
		for _, method := range c.methods {
			t.Run(name+"/"+method, func(t *testing.T) {
				m := newMemLedger()
				collect(t, m, "u7", receipt("WB1", "R1", 100), receipt("WB2", "R2", 200))
				if _, err := HandOverCOD(m, dispatcher, &HandoverRequest{CourierID: "u7", ReceiptNos: []string{"R2"}, CountedCents: counted(200)}, ledgerT0); err != nil {
					t.Fatal(err)
				}
				m.fail = method
				if err := c.run(m); !errors.Is(err, errBoom) {
					t.Fatalf("got %v", err)
				}
			})
		}
	}
}
