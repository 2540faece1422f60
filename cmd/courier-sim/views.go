package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The dispatcher's and supervisor's views of the server's records, with
// the field names of PROTOCOL.md. The simulator decodes the server's
// answers with these, not with the server's own types, so that an answer
// that drifts from the contract shows up as a mismatch.

// contactView is a masked contact.
type contactView struct {
	NameMasked  string `json:"name_masked"`
	PhoneMasked string `json:"phone_masked"`
}

// taskView is a callback task as dispatchers see it.
type taskView struct {
	TaskID      string        `json:"task_id"`
	CourierID   string        `json:"courier_id"`
	Waybill     string        `json:"waybill"`
	Reason      string        `json:"reason"`
	Status      string        `json:"status"`
	DueBy       string        `json:"due_by"`
	Contact     contactView   `json:"contact"`
	Version     int64         `json:"version"`
	Flags       []string      `json:"flags"`
	Outcomes    []attemptView `json:"outcomes"`
	ComplaintID string        `json:"complaint_id"`
}

// attemptView is one outcome recorded on a task.
type attemptView struct {
	CourierID    string    `json:"courier_id"`
	Result       string    `json:"result"`
	Resolved     bool      `json:"resolved"`
	Satisfaction *int      `json:"satisfaction"`
	RecordedAt   time.Time `json:"recorded_at"`
	Flags        []string  `json:"flags"`
}

// newCallback is the body of POST /v1/callbacks.
type newCallback struct {
	CourierID   string             `json:"courier_id"`
	Waybill     string             `json:"waybill"`
	Reason      string             `json:"reason"`
	Customer    syncproto.Customer `json:"customer"`
	DueBy       string             `json:"due_by"`
	ComplaintID string             `json:"complaint_id,omitempty"`
}

// callbackPatch is the body of PATCH /v1/callbacks/{id}.
type callbackPatch struct {
	Version   int64  `json:"version"`
	Status    string `json:"status,omitempty"`
	CourierID string `json:"courier_id,omitempty"`
}

// complaintView is a complaint as dispatchers see it.
type complaintView struct {
	ComplaintID string      `json:"complaint_id"`
	Status      string      `json:"status"`
	CourierID   string      `json:"courier_id"`
	Waybill     string      `json:"waybill"`
	History     []stepView  `json:"history"`
	Exempted    bool        `json:"exempted"`
	Customer    contactView `json:"customer"`
}

// stepView is one transition in a complaint's history.
type stepView struct {
	To   string `json:"to"`
	By   string `json:"by"`
	Note string `json:"note"`
}

// transition is the body of POST /v1/complaints/{id}/transition.
type transition struct {
	To            string `json:"to"`
	Note          string `json:"note"`
	ExemptCourier *bool  `json:"exempt_courier,omitempty"`
}

// ledgerEntry is one row of the COD ledger.
type ledgerEntry struct {
	Kind        string `json:"kind"`
	ReceiptNo   string `json:"receipt_no"`
	Waybill     string `json:"waybill"`
	CourierID   string `json:"courier_id"`
	AmountCents int64  `json:"amount_cents"`
	Status      string `json:"status"`
	Discrepancy *struct {
		Code string `json:"code"`
	} `json:"discrepancy"`
	Sender    *contactView `json:"sender"`
	Recipient *contactView `json:"recipient"`
}

// ledgerTotals sum a filtered ledger.
type ledgerTotals struct {
	CollectedCents          int64 `json:"collected_cents"`
	HandedOverCents         int64 `json:"handed_over_cents"`
	InHandCents             int64 `json:"in_hand_cents"`
	SettledCents            int64 `json:"settled_cents"`
	OutstandingCents        int64 `json:"outstanding_cents"`
	AwaitingSettlementCents int64 `json:"awaiting_settlement_cents"`
}

// ledgerPage is the body of GET /v1/cod/ledger.
type ledgerPage struct {
	Entries []ledgerEntry `json:"entries"`
	Totals  ledgerTotals  `json:"totals"`
	Cursor  string        `json:"cursor"`
	HasMore bool          `json:"has_more"`
}

// handoverAnswer is the 201 body of POST /v1/cod/handovers.
type handoverAnswer struct {
	HandoverID       string `json:"handover_id"`
	TotalCents       int64  `json:"total_cents"`
	DiscrepancyCents int64  `json:"discrepancy_cents"`
}

// settlementAnswer is the 201 body of POST /v1/cod/settlements.
type settlementAnswer struct {
	SettlementID string `json:"settlement_id"`
	TotalCents   int64  `json:"total_cents"`
}

// discrepancyView is one listed COD discrepancy.
type discrepancyView struct {
	Code             string `json:"code"`
	HandoverID       string `json:"handover_id"`
	DiscrepancyCents int64  `json:"discrepancy_cents"`
}

// vehicleView is a vehicle as supervisors see it.
type vehicleView struct {
	VehicleID           string   `json:"vehicle_id"`
	Kind                string   `json:"kind"`
	ServiceIntervalKM   int64    `json:"service_interval_km"`
	ServiceIntervalDays int64    `json:"service_interval_days"`
	Fit                 bool     `json:"fit"`
	OpenDefects         int      `json:"open_defects"`
	Reasons             []string `json:"reasons"`
}

// newVehicle is the body of POST /v1/vehicles.
type newVehicle struct {
	VehicleID           string `json:"vehicle_id"`
	Kind                string `json:"kind"`
	ServiceIntervalKM   int64  `json:"service_interval_km"`
	ServiceIntervalDays int64  `json:"service_interval_days"`
}

// defectView is one defect of a vehicle.
type defectView struct {
	DefectID   string `json:"defect_id"`
	Item       string `json:"item"`
	Status     string `json:"status"`
	Resolution string `json:"resolution"`
}

// auditEvent is one audit event.
type auditEvent struct {
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Object string `json:"object"`
}

// listAll reads every page of a list route: field is the list's name in
// the body ("callbacks", "complaints", …); q holds the filters.
func listAll[T any](ctx context.Context, s *admin, path string, q url.Values, field string) ([]T, error) {
	var all []T
	q = cloneValues(q)
	q.Set("limit", strconv.Itoa(syncproto.MaxPullLimit))
	cursor := ""
	for {
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page map[string]json.RawMessage
		if err := s.authed(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &page); err != nil {
			return nil, fmt.Errorf("list %s: %w", path, err)
		}
		var items []T
		if err := json.Unmarshal(page[field], &items); err != nil {
			return nil, fmt.Errorf("list %s: %q is not a list of the expected shape: %w", path, field, err)
		}
		all = append(all, items...)
		var more bool
		var next string
		_ = json.Unmarshal(page["has_more"], &more)
		_ = json.Unmarshal(page["cursor"], &next)
		if !more {
			return all, nil
		}
		if next == "" || next == cursor {
			return nil, fmt.Errorf("list %s: has_more with a cursor that does not move (%q)", path, next)
		}
		cursor = next
	}
}

// readLedger reads every page of the ledger for q and the totals of the
// whole filter.
func readLedger(ctx context.Context, s *admin, q url.Values) ([]ledgerEntry, ledgerTotals, error) {
	var all []ledgerEntry
	var totals ledgerTotals
	q = cloneValues(q)
	q.Set("limit", strconv.Itoa(syncproto.MaxPullLimit))
	cursor := ""
	for {
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page ledgerPage
		if err := s.authed(ctx, http.MethodGet, "/v1/cod/ledger?"+q.Encode(), nil, &page); err != nil {
			return nil, totals, fmt.Errorf("read the COD ledger: %w", err)
		}
		all = append(all, page.Entries...)
		totals = page.Totals
		if !page.HasMore {
			return all, totals, nil
		}
		if page.Cursor == "" || page.Cursor == cursor {
			return nil, totals, fmt.Errorf("read the COD ledger: has_more with a cursor that does not move (%q)", page.Cursor)
		}
		cursor = page.Cursor
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// statusOf returns the HTTP status of an API error, or 0.
func statusOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}
