package httpapi_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestHandoverListFilters(t *testing.T) {
	h := newHarness(t)
	wang, zhao := h.courier(t, "wang"), h.courier(t, "zhao")
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	for _, c := range []*session{wang, zhao} {
		for _, no := range []string{"A", "B"} {
			wb := waybill()
			for _, r := range c.pushOK(t, c.op("pickup", pickup(wb)), c.op("cod_receipt", codReceipt(wb, c.username+"-"+no, 1000))) {
				applied(t, r)
			}
		}
	}
	handOver := func(c *session, no string, counted int) server.Handover {
		var ho server.Handover
		h.do(t, "POST", "/v1/cod/handovers", disp.access, map[string]any{"courier_id": c.userID,
			"receipt_nos": []string{c.username + "-" + no}, "counted_cents": counted}).decode(t, 201, &ho)
		return ho
	}
	first := handOver(wang, "A", 900)
	h.clock.Advance(5 * time.Minute)
	mid := h.clock.Now()
	handOver(zhao, "A", 1000)
	h.clock.Advance(5 * time.Minute)
	last := handOver(wang, "B", 1000)

	list := func(query string) server.HandoverList {
		var l server.HandoverList
		h.do(t, "GET", "/v1/cod/handovers"+query, disp.access, nil).decode(t, 200, &l)
		return l
	}
	t.Run("every hand-over is listed oldest first with its receipts, count and discrepancy", func(t *testing.T) {
		l := list("")
		if len(l.Handovers) != 3 || l.HasMore {
			t.Fatalf("list = %s", show(l))
		}
		ho := l.Handovers[0]
		if ho.HandoverID != first.HandoverID || ho.CourierID != wang.userID || len(ho.ReceiptNos) != 1 || ho.ReceiptNos[0] != "wang-A" ||
			ho.TotalCents != 1000 || ho.CountedCents != 900 || ho.DiscrepancyCents != -100 || ho.By != disp.userID || ho.At.IsZero() {
			t.Fatalf("first = %s", show(ho))
		}
	})
	t.Run("courier_id keeps one courier's", func(t *testing.T) {
		if l := list("?courier_id=" + wang.userID); len(l.Handovers) != 2 || l.Handovers[1].HandoverID != last.HandoverID {
			t.Fatalf("list = %s", show(l))
		}
	})
	t.Run("from and to bound the time", func(t *testing.T) {
		q := "?from=" + url.QueryEscape(mid.Format(time.RFC3339)) + "&to=" + url.QueryEscape(mid.Add(time.Minute).Format(time.RFC3339))
		if l := list(q); len(l.Handovers) != 1 || l.Handovers[0].CourierID != zhao.userID {
			t.Fatalf("list = %s", show(l))
		}
	})
	t.Run("pages follow the cursor", func(t *testing.T) {
		p1 := list("?limit=2")
		p2 := list("?limit=2&cursor=" + p1.Cursor)
		if len(p1.Handovers) != 2 || !p1.HasMore || len(p2.Handovers) != 1 || p2.HasMore || p2.Handovers[0].HandoverID != last.HandoverID {
			t.Fatalf("pages = %s / %s", show(p1), show(p2))
		}
	})
	t.Run("a malformed time is 400", func(t *testing.T) {
		h.do(t, "GET", "/v1/cod/handovers?from=yesterday", disp.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
}
