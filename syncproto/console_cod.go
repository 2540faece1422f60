package syncproto

import "time"

// CODDiscrepancy says how a receipt differs from what was expected.
type CODDiscrepancy struct {
	Code          string `json:"code"`
	ExpectedCents *int64 `json:"expected_cents,omitempty"`
	Note          string `json:"note"`
}

// LedgerEntry is one row of the COD ledger as dispatchers see it. The row
// itself never changes; Status and the custody fields say where the money
// is now.
type LedgerEntry struct {
	EntryID     string          `json:"entry_id"`
	Kind        string          `json:"kind"`
	ReceiptNo   string          `json:"receipt_no"`
	Waybill     string          `json:"waybill"`
	CourierID   string          `json:"courier_id"`
	AmountCents int64           `json:"amount_cents"`
	Currency    string          `json:"currency"`
	Method      string          `json:"method"`
	CollectedAt time.Time       `json:"collected_at"`
	Status      string          `json:"status"`
	DueBy       time.Time       `json:"due_by"`
	Discrepancy *CODDiscrepancy `json:"discrepancy,omitempty"`
	// AgeDays is whole days since collection; DaysOverdue whole days past
	// due_by while the money is not settled (absent otherwise).
	AgeDays     int      `json:"age_days"`
	DaysOverdue int      `json:"days_overdue,omitempty"`
	Sender      *Contact `json:"sender,omitempty"`
	Recipient   *Contact `json:"recipient,omitempty"`
	// HandoverID and SettlementID name the custody steps taken.
	HandoverID   string     `json:"handover_id,omitempty"`
	HandedOverAt *time.Time `json:"handed_over_at,omitempty"`
	SettlementID string     `json:"settlement_id,omitempty"`
	SettledAt    *time.Time `json:"settled_at,omitempty"`
	// Reverses names the entry a reversal or correction replaces;
	// ReversedBy the reversal of this entry. A reversed entry and its
	// reversal cancel out and move no further.
	Reverses   string `json:"reverses,omitempty"`
	ReversedBy string `json:"reversed_by,omitempty"`
	Reason     string `json:"reason,omitempty"`
	RecordedBy string `json:"recorded_by,omitempty"`
}

// LedgerTotals sum a filtered ledger. Collected = in hand + handed over;
// handed over = settled + awaiting settlement; outstanding = collected −
// settled.
type LedgerTotals struct {
	Count                   int64 `json:"count"`
	CollectedCents          int64 `json:"collected_cents"`
	HandedOverCents         int64 `json:"handed_over_cents"`
	InHandCents             int64 `json:"in_hand_cents"`
	SettledCents            int64 `json:"settled_cents"`
	OutstandingCents        int64 `json:"outstanding_cents"`
	AwaitingSettlementCents int64 `json:"awaiting_settlement_cents"`
}

// LedgerPage is the body of GET /v1/cod/ledger: a page of entries in
// collection order and the totals of the whole filter.
type LedgerPage struct {
	Entries []LedgerEntry `json:"entries"`
	Totals  LedgerTotals  `json:"totals"`
	Cursor  string        `json:"cursor"`
	HasMore bool          `json:"has_more"`
}

// HandoverRequest is the body of POST /v1/cod/handovers: the receipts whose
// cash a dispatcher received at the station, or (all_in_hand) everything
// the courier holds. expected_cents, when given with all_in_hand, must equal
// the courier's cash in hand, so a receipt synced after the count is not
// swept in unnoticed.
type HandoverRequest struct {
	CourierID     string   `json:"courier_id"`
	ReceiptNos    []string `json:"receipt_nos"`
	CountedCents  *int64   `json:"counted_cents"`
	AllInHand     bool     `json:"all_in_hand,omitempty"`
	ExpectedCents *int64   `json:"expected_cents,omitempty"`
	Note          string   `json:"note,omitempty"`
}

// Handover is a confirmed hand-over of cash at the station.
type Handover struct {
	HandoverID       string    `json:"handover_id"`
	CourierID        string    `json:"courier_id"`
	ReceiptNos       []string  `json:"receipt_nos"`
	Currency         string    `json:"currency"`
	TotalCents       int64     `json:"total_cents"`
	CountedCents     int64     `json:"counted_cents"`
	DiscrepancyCents int64     `json:"discrepancy_cents"`
	Note             string    `json:"note,omitempty"`
	By               string    `json:"by"`
	At               time.Time `json:"at"`
}

// SettlementRequest is the body of POST /v1/cod/settlements.
type SettlementRequest struct {
	ReceiptNos []string `json:"receipt_nos"`
	Reference  string   `json:"reference"`
}

// Settlement is money paid out to senders for handed-over receipts.
type Settlement struct {
	SettlementID string    `json:"settlement_id"`
	ReceiptNos   []string  `json:"receipt_nos"`
	Currency     string    `json:"currency"`
	TotalCents   int64     `json:"total_cents"`
	Reference    string    `json:"reference"`
	By           string    `json:"by"`
	At           time.Time `json:"at"`
}

// ReversalRequest is the body of POST /v1/cod/reversals: the receipt whose
// current entry is wrong, why, and the right amount when one was collected.
type ReversalRequest struct {
	ReceiptNo            string `json:"receipt_no"`
	Reason               string `json:"reason"`
	CorrectedAmountCents *int64 `json:"corrected_amount_cents,omitempty"`
}

// Reversal is the answer to a reversal: the negating row and, when asked
// for, the correcting one.
type Reversal struct {
	Reversal   LedgerEntry  `json:"reversal"`
	Correction *LedgerEntry `json:"correction,omitempty"`
}

// CODBalanceList is the body of GET /v1/cod/balances.
type CODBalanceList struct {
	Balances []CODBalance `json:"balances"`
	Cursor   string       `json:"cursor"`
	HasMore  bool         `json:"has_more"`
}

// CODDiscrepancyRecord is one listed discrepancy: of a receipt (amount or
// waybill) or of a hand-over (counted ≠ total). They are kept for good.
type CODDiscrepancyRecord struct {
	DiscrepancyID    string    `json:"discrepancy_id"`
	Code             string    `json:"code"`
	CourierID        string    `json:"courier_id"`
	ReceiptNo        string    `json:"receipt_no,omitempty"`
	Waybill          string    `json:"waybill,omitempty"`
	HandoverID       string    `json:"handover_id,omitempty"`
	AmountCents      int64     `json:"amount_cents"`
	ExpectedCents    *int64    `json:"expected_cents,omitempty"`
	DiscrepancyCents int64     `json:"discrepancy_cents"`
	At               time.Time `json:"at"`
	Note             string    `json:"note"`
}

// CODDiscrepancyList is the body of GET /v1/cod/discrepancies.
type CODDiscrepancyList struct {
	Discrepancies []CODDiscrepancyRecord `json:"discrepancies"`
	Cursor        string                 `json:"cursor"`
	HasMore       bool                   `json:"has_more"`
}

// HandoverList is the body of GET /v1/cod/handovers.
type HandoverList struct {
	Handovers []Handover `json:"handovers"`
	Cursor    string     `json:"cursor"`
	HasMore   bool       `json:"has_more"`
}
