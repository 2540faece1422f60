package server

import (
	"context"
	"sort"
	"strconv"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Types of parcel timeline events.
const (
	EventPickup              = "pickup"
	EventDamageReport        = "damage_report"
	EventCODReceipt          = "cod_receipt"
	EventCODHandover         = "cod_handover"
	EventCODSettlement       = "cod_settlement"
	EventComplaint           = "complaint"
	EventComplaintTransition = "complaint_transition"
	EventCallback            = "callback"
	EventCallbackOutcome     = "callback_outcome"
)

// ParcelPickup is the masked view of a parcel's pickup: who and what, never
// a name, phone or address in clear.
type ParcelPickup = syncproto.ParcelPickup

// ParcelEvent is one event of a parcel's timeline. Summary is built from
// codes and amounts, never from free text or personal data; State,
// AmountCents and Photos carry what a console shows beside it.
type ParcelEvent = syncproto.ParcelEvent

// Parcel is the body of GET /v1/parcels/{waybill}.
type Parcel = syncproto.Parcel

// SortTimeline puts events in time order; events at the same instant keep
// the order they were gathered in (the pickup before what follows it).
func SortTimeline(events []ParcelEvent) {
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.Before(events[j].At) })
}

// Parcels looks parcels up by waybill.
type Parcels interface {
	// Parcel returns the timeline of a waybill: its pickup and every
	// record that names it. Errors: not_found (a waybill nothing names).
	Parcel(ctx context.Context, waybill string) (*Parcel, error)
}

// PickupSummary is the line a parcel's timeline shows for its pickup.
func PickupSummary(weightG int64, codCents *int64, insured *bool) string {
	s := "picked up, " + strconv.FormatInt(weightG, 10) + " g"
	if codCents != nil && *codCents > 0 {
		s += ", COD " + strconv.FormatInt(*codCents, 10) + " fen"
	}
	if insured != nil && *insured {
		s += ", insured"
	}
	return s
}
