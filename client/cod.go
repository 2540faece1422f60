package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Ledger reads one page of the COD ledger with the totals of the whole
// filter; q holds the filters (courier_id, status, overdue, from, to,
// waybill) and cursor and limit.
func (c *Client) Ledger(ctx context.Context, q url.Values) (*syncproto.LedgerPage, error) {
	return call[syncproto.LedgerPage](ctx, c, http.MethodGet, "/v1/cod/ledger"+query(q), nil)
}

// AllLedger reads every page of the ledger matching q, and the totals.
func (c *Client) AllLedger(ctx context.Context, q url.Values) ([]syncproto.LedgerEntry, syncproto.LedgerTotals, error) {
	var totals syncproto.LedgerTotals
	all, err := listAll(ctx, c, "/v1/cod/ledger", q, func(l *syncproto.LedgerPage) Page[syncproto.LedgerEntry] {
		totals = l.Totals
		return Page[syncproto.LedgerEntry]{l.Entries, l.Cursor, l.HasMore}
	})
	return all, totals, err
}

// CODBalances reads one page of couriers' custody balances.
func (c *Client) CODBalances(ctx context.Context, q url.Values) (*syncproto.CODBalanceList, error) {
	return call[syncproto.CODBalanceList](ctx, c, http.MethodGet, "/v1/cod/balances"+query(q), nil)
}

// CODDiscrepancies reads one page of recorded COD discrepancies.
func (c *Client) CODDiscrepancies(ctx context.Context, q url.Values) (*syncproto.CODDiscrepancyList, error) {
	return call[syncproto.CODDiscrepancyList](ctx, c, http.MethodGet, "/v1/cod/discrepancies"+query(q), nil)
}

// AllCODDiscrepancies reads every page of discrepancies matching q.
func (c *Client) AllCODDiscrepancies(ctx context.Context, q url.Values) ([]syncproto.CODDiscrepancyRecord, error) {
	return listAll(ctx, c, "/v1/cod/discrepancies", q, func(l *syncproto.CODDiscrepancyList) Page[syncproto.CODDiscrepancyRecord] {
		return Page[syncproto.CODDiscrepancyRecord]{l.Discrepancies, l.Cursor, l.HasMore}
	})
}

// HandOver records cash handed over by a courier (201).
func (c *Client) HandOver(ctx context.Context, r *syncproto.HandoverRequest) (*syncproto.Handover, error) {
	return call[syncproto.Handover](ctx, c, http.MethodPost, "/v1/cod/handovers", r)
}

// Handovers reads one page of recorded hand-overs (courier_id, from, to).
func (c *Client) Handovers(ctx context.Context, q url.Values) (*syncproto.HandoverList, error) {
	return call[syncproto.HandoverList](ctx, c, http.MethodGet, "/v1/cod/handovers"+query(q), nil)
}

// Settle records handed-over receipts as settled with the bank (201).
func (c *Client) Settle(ctx context.Context, r *syncproto.SettlementRequest) (*syncproto.Settlement, error) {
	return call[syncproto.Settlement](ctx, c, http.MethodPost, "/v1/cod/settlements", r)
}

// Reverse reverses a receipt, with an optional corrected amount (201).
func (c *Client) Reverse(ctx context.Context, r *syncproto.ReversalRequest) (*syncproto.Reversal, error) {
	return call[syncproto.Reversal](ctx, c, http.MethodPost, "/v1/cod/reversals", r)
}
