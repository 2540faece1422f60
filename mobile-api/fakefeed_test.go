package mobileapi

import (
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// wireBalance is the data of a cod_balance change as the server sends it
// (server.CODBalance), written out here because the handheld never imports
// the server.
type wireBalance struct {
	CourierID               string    `json:"courier_id"`
	CollectedCents          int64     `json:"collected_cents"`
	HandedOverCents         int64     `json:"handed_over_cents"`
	InHandCents             int64     `json:"in_hand_cents"`
	SettledCents            int64     `json:"settled_cents"`
	OutstandingCents        int64     `json:"outstanding_cents"`
	AwaitingSettlementCents int64     `json:"awaiting_settlement_cents"`
	InHandCount             int64     `json:"in_hand_count"`
	AsOf                    time.Time `json:"as_of"`
}

// wireComplaint is the data of a complaint change as the server sends it
// (server.ComplaintChange).
type wireComplaint struct {
	ComplaintID string            `json:"complaint_id"`
	Category    string            `json:"category"`
	Description string            `json:"description"`
	Status      string            `json:"status"`
	ReceivedAt  time.Time         `json:"received_at"`
	AtRiskFrom  time.Time         `json:"at_risk_from"`
	DueBy       time.Time         `json:"due_by"`
	Waybill     string            `json:"waybill,omitempty"`
	Customer    syncproto.Contact `json:"customer"`
	Exempted    bool              `json:"exempted"`
	ClosedAt    *time.Time        `json:"closed_at,omitempty"`
	Version     int64             `json:"version"`
}

// addBalance appends a cod_balance change to the feed.
func (f *fakeServer) addBalance(b wireBalance) {
	data, err := json.Marshal(b)
	if err != nil {
		f.t.Fatal(err)
	}
	f.addChange(syncproto.ChangeCODBalance, data)
}

// balanceAt is a balance of courier-7 computed at asOf (RFC 3339) that
// balances: collected = in hand + handed over, handed over = settled +
// awaiting settlement.
func balanceAt(asOf string, inHand, awaiting, settled int64) wireBalance {
	t, err := time.Parse(time.RFC3339, asOf)
	if err != nil {
		panic(err)
	}
	handed := awaiting + settled
	return wireBalance{CourierID: testUser, CollectedCents: inHand + handed, HandedOverCents: handed,
		InHandCents: inHand, SettledCents: settled, OutstandingCents: inHand + awaiting,
		AwaitingSettlementCents: awaiting, InHandCount: inHand / 1000, AsOf: t}
}

// addComplaint appends a complaint change to the feed.
func (f *fakeServer) addComplaint(c wireComplaint) {
	data, err := json.Marshal(c)
	if err != nil {
		f.t.Fatal(err)
	}
	f.addChange(syncproto.ChangeComplaint, data)
}

// Complaint deadlines of the server's default settings.
const (
	complaintAtRisk = 5 * 24 * time.Hour
	complaintDue    = 7 * 24 * time.Hour
)

// complaintView is complaint id as the server publishes it: received at
// received (RFC 3339), at risk from day 5, due on day 7, with a masked
// customer. A closed view carries closed_at and, like the server's, still
// the customer.
func complaintView(id string, version int64, status, received, nameMasked, phoneMasked string) wireComplaint {
	r, err := time.Parse(time.RFC3339, received)
	if err != nil {
		panic(err)
	}
	c := wireComplaint{ComplaintID: id, Category: "delay", Description: "parcel " + id + " two days late",
		Status: status, ReceivedAt: r, AtRiskFrom: r.Add(complaintAtRisk), DueBy: r.Add(complaintDue),
		Waybill: "WB-" + id, Customer: syncproto.Contact{NameMasked: nameMasked, PhoneMasked: phoneMasked}, Version: version}
	if status == ComplaintClosed {
		at := r.Add(24 * time.Hour)
		c.ClosedAt = &at
	}
	return c
}
