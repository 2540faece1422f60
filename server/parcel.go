package server

import (
	"context"
	"sort"
	"time"

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
type ParcelPickup struct {
	Ref                string            `json:"ref"`
	CourierID          string            `json:"courier_id"`
	RecordedAt         time.Time         `json:"recorded_at"`
	Sender             syncproto.Contact `json:"sender"`
	Recipient          syncproto.Contact `json:"recipient"`
	WeightG            int64             `json:"weight_g"`
	DeclaredValueCents int64             `json:"declared_value_cents"`
	Insured            bool              `json:"insured"`
	InsuredValueCents  int64             `json:"insured_value_cents,omitempty"`
	CODAmountCents     int64             `json:"cod_amount_cents"`
	FreightCents       *int64            `json:"freight_cents,omitempty"`
}

// ParcelEvent is one event of a parcel's timeline. Summary is built from
// codes and amounts, never from free text or personal data; State,
// AmountCents and Photos carry what a console shows beside it.
type ParcelEvent struct {
	At          time.Time    `json:"at"`
	Type        string       `json:"type"`
	Actor       string       `json:"actor"`
	Object      string       `json:"object"`
	Summary     string       `json:"summary"`
	State       string       `json:"state,omitempty"`
	AmountCents *int64       `json:"amount_cents,omitempty"`
	Photos      []PhotoState `json:"photos,omitempty"`
}

// Parcel is the body of GET /v1/parcels/{waybill}.
type Parcel struct {
	Waybill string        `json:"waybill"`
	Pickup  *ParcelPickup `json:"pickup,omitempty"`
	Events  []ParcelEvent `json:"events"`
}

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
