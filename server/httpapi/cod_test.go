package httpapi_test

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// dsKeys returns the sorted keys of a JSON object.
func dsKeys(tb testing.TB, raw json.RawMessage) string {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("not an object: %s", raw)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func TestCODLedgerOverHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "wang")
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	sup := h.user(t, "sup", syncproto.RoleSupervisor)
	w1, w2 := waybill(), waybill()
	res := c.pushOK(t, c.op("pickup", pickup(w1)), c.op("cod_receipt", codReceipt(w1, "H-1", 25900)),
		c.op("pickup", pickup(w2)), c.op("cod_receipt", codReceipt(w2, "H-2", 25000)))
	for _, r := range res {
		applied(t, r)
	}
	if !hasFlag(res[3], "cod_discrepancy") {
		t.Fatalf("a receipt below the pickup's COD amount is flagged: %s", show(res[3]))
	}

	t.Run("the ledger lists entries with the protocol's fields and totals", func(t *testing.T) {
		var body struct {
			Entries []json.RawMessage `json:"entries"`
			Totals  json.RawMessage   `json:"totals"`
			Cursor  string            `json:"cursor"`
			HasMore *bool             `json:"has_more"`
		}
		h.do(t, "GET", "/v1/cod/ledger?courier_id="+c.userID, disp.access, nil).decode(t, 200, &body)
		if len(body.Entries) != 2 || body.HasMore == nil || *body.HasMore {
			t.Fatalf("body = %+v", body)
		}
		for _, k := range []string{"receipt_no", "waybill", "courier_id", "amount_cents", "currency", "method", "collected_at", "status", "due_by"} {
			if !strings.Contains(","+dsKeys(t, body.Entries[0])+",", ","+k+",") {
				t.Fatalf("entry lacks %s: %s", k, body.Entries[0])
			}
		}
		if !strings.Contains(string(body.Entries[1]), `"discrepancy":{"code":"amount_mismatch","expected_cents":25900`) {
			t.Fatalf("second entry = %s", body.Entries[1])
		}
		want := "awaiting_settlement_cents,collected_cents,count,handed_over_cents,in_hand_cents,outstanding_cents,settled_cents"
		if got := dsKeys(t, body.Totals); got != want {
			t.Fatalf("totals keys %s", got)
		}
	})
	t.Run("hand-over, settlement and reversal answer 201 and move the totals", func(t *testing.T) {
		var ho server.Handover
		h.do(t, "POST", "/v1/cod/handovers", disp.access, map[string]any{"courier_id": c.userID, "receipt_nos": []string{"H-1"}, "counted_cents": 25800}).decode(t, 201, &ho)
		if ho.HandoverID == "" || ho.TotalCents != 25900 || ho.DiscrepancyCents != -100 {
			t.Fatalf("hand-over = %+v", ho)
		}
		h.do(t, "POST", "/v1/cod/handovers", disp.access, map[string]any{"courier_id": c.userID, "receipt_nos": []string{"H-1"}, "counted_cents": 25900}).
			wantError(t, 409, syncproto.CodeConflict)
		h.do(t, "POST", "/v1/cod/settlements", disp.access, map[string]any{"receipt_nos": []string{"H-1"}, "reference": "B-1"}).
			wantError(t, 403, syncproto.CodeForbidden)
		var st server.Settlement
		h.do(t, "POST", "/v1/cod/settlements", sup.access, map[string]any{"receipt_nos": []string{"H-1"}, "reference": "B-1"}).decode(t, 201, &st)
		if st.SettlementID == "" || st.TotalCents != 25900 {
			t.Fatalf("settlement = %+v", st)
		}
		h.do(t, "POST", "/v1/cod/settlements", sup.access, map[string]any{"receipt_nos": []string{"H-2"}, "reference": "B-2"}).
			wantError(t, 409, syncproto.CodeConflict)
		var rv server.Reversal
		h.do(t, "POST", "/v1/cod/reversals", sup.access, map[string]any{"receipt_no": "H-2", "reason": "entered wrong", "corrected_amount_cents": 25900}).decode(t, 201, &rv)
		if rv.Reversal.AmountCents != -25000 || rv.Correction == nil || rv.Correction.AmountCents != 25900 || rv.Correction.Discrepancy != nil {
			t.Fatalf("reversal = %+v", rv)
		}
		var page server.LedgerPage
		h.do(t, "GET", "/v1/cod/ledger", disp.access, nil).decode(t, 200, &page)
		tot := page.Totals
		if tot.CollectedCents != 51800 || tot.HandedOverCents != 25900 || tot.SettledCents != 25900 || tot.InHandCents != 25900 || tot.OutstandingCents != 25900 {
			t.Fatalf("totals = %+v", tot)
		}
	})
	t.Run("balances and discrepancies are listed", func(t *testing.T) {
		var bl server.CODBalanceList
		h.do(t, "GET", "/v1/cod/balances", disp.access, nil).decode(t, 200, &bl)
		if len(bl.Balances) != 1 || bl.Balances[0].InHandCents != 25900 {
			t.Fatalf("balances = %+v", bl)
		}
		var dl server.CODDiscrepancyList
		h.do(t, "GET", "/v1/cod/discrepancies", disp.access, nil).decode(t, 200, &dl)
		if len(dl.Discrepancies) != 2 || dl.Discrepancies[0].Code != "amount_mismatch" || dl.Discrepancies[1].Code != "handover_count" {
			t.Fatalf("discrepancies = %+v", dl)
		}
	})
	t.Run("the courier pulls their balance for offline use", func(t *testing.T) {
		pr := h.pull(t, c.access, "?limit=500")
		var last string
		for _, ch := range pr.Changes {
			if ch.Type == "cod_balance" {
				last = string(ch.Data)
			}
		}
		if !strings.Contains(last, `"in_hand_cents":25900`) || !strings.Contains(last, `"settled_cents":25900`) {
			t.Fatalf("last cod_balance = %s", last)
		}
	})
	t.Run("malformed queries and bodies are 400", func(t *testing.T) {
		for _, q := range []string{"?status=lost", "?overdue=yes", "?from=yesterday", "?cursor=%%%", "?limit=0",
			"?from=2026-03-01T00:00:00%2B08:00&to=2026-02-01T00:00:00%2B08:00"} {
			h.do(t, "GET", "/v1/cod/ledger"+q, disp.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
		}
		for _, body := range []any{
			map[string]any{"courier_id": c.userID, "receipt_nos": []string{"H-2"}},
			map[string]any{"courier_id": c.userID, "counted_cents": 1},
			map[string]any{"courier_id": c.userID, "receipt_nos": []string{"H-2", "H-2"}, "counted_cents": 1},
			"{not json",
		} {
			h.do(t, "POST", "/v1/cod/handovers", disp.access, body).wantError(t, 400, syncproto.CodeInvalidRequest)
		}
		h.do(t, "POST", "/v1/cod/handovers", disp.access, map[string]any{"courier_id": disp.userID, "receipt_nos": []string{"H-2"}, "counted_cents": 1}).
			wantError(t, 422, syncproto.CodeUnprocessable)
	})
}

func TestConcurrentHandOversOverHTTPCountEachReceiptOnce(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "li-na")
	d1 := h.user(t, "disp1", syncproto.RoleDispatcher)
	d2 := h.user(t, "disp2", syncproto.RoleDispatcher)
	var ops []syncproto.Op
	var nos []string
	for i := 0; i < 10; i++ {
		w := waybill()
		no := "CC-" + w
		nos = append(nos, no)
		ops = append(ops, c.op("cod_receipt", codReceipt(w, no, 1000)))
	}
	c.pushOK(t, ops...)
	body := map[string]any{"courier_id": c.userID, "receipt_nos": nos, "counted_cents": 10000}
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, s := range []*session{d1, d2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := h.send("POST", "/v1/cod/handovers", s.access, body)
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = r.status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 201 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 201) {
		t.Fatalf("statuses %v, want one 201 and one 409", statuses)
	}
	var page server.LedgerPage
	h.do(t, "GET", "/v1/cod/ledger", d1.access, nil).decode(t, 200, &page)
	if page.Totals.HandedOverCents != 10000 || page.Totals.CollectedCents != 10000 {
		t.Fatalf("totals %+v: a receipt was counted twice or not at all", page.Totals)
	}
}
