package mobileapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Complaint statuses, as the pull feed sends them, in the only order a
// complaint moves through them.
const (
	// ComplaintReceived is a complaint just made.
	ComplaintReceived = syncproto.ComplaintReceived
	// ComplaintVerified is a complaint a dispatcher has checked.
	ComplaintVerified = syncproto.ComplaintVerified
	// ComplaintHandled is a complaint dealt with, waiting to be closed.
	ComplaintHandled = syncproto.ComplaintHandled
	// ComplaintClosed is a finished complaint: the device drops it.
	ComplaintClosed = syncproto.ComplaintClosed
)

// ComplaintCase is a customer complaint about this courier that is still
// open (received, verified or handled), as last pulled ("complaint"
// change); the latest Version wins. The customer is masked ("张*",
// "138****5678"). Times are RFC 3339; Waybill may be empty.
//
// AtRisk and Breached are worked out on the device when the complaint is
// read, from DueBy, AtRiskFrom and the Outbox's clock (Options.Now), so the
// deadline shows offline: at risk from AtRiskFrom until DueBy, breached
// after DueBy. They agree with the server's for the same instant.
//
// When a complaint closes, the device deletes it, with its description and
// masked customer, in the transaction that stores the change (see the
// package doc, Privacy).
type ComplaintCase struct {
	// ComplaintID is the server's id of the complaint, e.g. "cp-12".
	ComplaintID string
	// Category is delay, loss, damage, shortage, attitude or other.
	Category string
	// Description is the complaint's text.
	Description string
	// Status is ComplaintReceived, ComplaintVerified or ComplaintHandled.
	Status string
	// Waybill is the parcel complained about; empty when none was named.
	Waybill string
	// NameMasked is the customer's masked name.
	NameMasked string
	// PhoneMasked is the customer's masked phone number.
	PhoneMasked string
	// ReceivedAt is when the customer complained.
	ReceivedAt string
	// AtRiskFrom is when the complaint becomes at risk of missing DueBy.
	AtRiskFrom string
	// DueBy is the deadline for closing the complaint.
	DueBy string
	// Exempted tells that the courier was found not at fault.
	Exempted bool
	// Version goes up with every change of the complaint on the server.
	Version int64
	// AtRisk is set from AtRiskFrom until DueBy, by the Outbox's clock.
	AtRisk bool
	// Breached is set once DueBy has passed, by the Outbox's clock.
	Breached bool
}

// ComplaintList is a list of complaints for callers that cannot take a Go
// slice (gomobile): Len and Get.
type ComplaintList struct {
	complaints []*ComplaintCase
}

// Len returns the number of complaints in the list.
func (l *ComplaintList) Len() int { return len(l.complaints) }

// Get returns complaint i (0 ≤ i < Len), or nil when i is out of range.
func (l *ComplaintList) Get(i int) *ComplaintCase {
	if i < 0 || i >= len(l.complaints) {
		return nil
	}
	return l.complaints[i]
}

// complaintRecord is the data of a complaint change, as the server sends
// it and as the device stores it. The server's closed_at is not kept: a
// closed complaint is stored only as a closed() stub.
type complaintRecord struct {
	ComplaintID string            `json:"complaint_id"`
	Category    string            `json:"category,omitempty"`
	Description string            `json:"description,omitempty"`
	Status      string            `json:"status"`
	ReceivedAt  time.Time         `json:"received_at,omitzero"`
	AtRiskFrom  time.Time         `json:"at_risk_from,omitzero"`
	DueBy       time.Time         `json:"due_by,omitzero"`
	Waybill     string            `json:"waybill,omitempty"`
	Customer    syncproto.Contact `json:"customer,omitzero"`
	Exempted    bool              `json:"exempted,omitempty"`
	Version     int64             `json:"version"`
}

// open reports whether the complaint is one the courier sees. Closed, and
// any status this library does not know, count as closed: its data goes.
func (c *complaintRecord) open() bool {
	switch c.Status {
	case ComplaintReceived, ComplaintVerified, ComplaintHandled:
		return true
	}
	return false
}

// closed returns what the device keeps of a complaint that is no longer
// open: its id, status and version, so that an older view arriving late
// cannot bring it back. No text, no customer.
func (c *complaintRecord) closed() *complaintRecord {
	return &complaintRecord{ComplaintID: c.ComplaintID, Status: c.Status, Version: c.Version}
}

// decodeComplaint checks a complaint change and strips a closed one down
// to what the device keeps.
func decodeComplaint(ch *syncproto.Change) (*complaintRecord, error) {
	c := new(complaintRecord)
	if err := json.Unmarshal(ch.Data, c); err != nil || c.ComplaintID == "" {
		return nil, fmt.Errorf("%w: complaint change %q is malformed", ErrProtocol, ch.ID)
	}
	if !c.open() {
		c = c.closed()
	}
	return c, nil
}

// putComplaints stores complaints in tx, each unless the stored one has a
// higher version. It reports whether an open complaint was replaced by a
// closed one, whose old bytes then sit in a free page.
func putComplaints(tx *bolt.Tx, list []*complaintRecord) (erased bool, err error) {
	b := tx.Bucket(bucketComplaints)
	for _, c := range list {
		if old := b.Get([]byte(c.ComplaintID)); old != nil {
			var prev complaintRecord
			known := json.Unmarshal(old, &prev) == nil
			if known && prev.Version > c.Version {
				continue
			}
			erased = erased || (!c.open() && (!known || prev.open()))
		}
		enc, err := json.Marshal(c)
		if err != nil {
			return false, err
		}
		if err := b.Put([]byte(c.ComplaintID), enc); err != nil {
			return false, err
		}
	}
	return erased, nil
}

// deadline says where c stands at now, as the server's complaint clock
// does: at risk from AtRiskFrom while before DueBy, breached after DueBy.
func (c *complaintRecord) deadline(now time.Time) (atRisk, breached bool) {
	atRisk = !c.AtRiskFrom.IsZero() && !now.Before(c.AtRiskFrom) && now.Before(c.DueBy)
	breached = !c.DueBy.IsZero() && now.After(c.DueBy)
	return atRisk, breached
}

// view returns c as the app sees it at now.
func (c *complaintRecord) view(now time.Time) *ComplaintCase {
	v := &ComplaintCase{ComplaintID: c.ComplaintID, Category: c.Category, Description: c.Description,
		Status: c.Status, Waybill: c.Waybill, NameMasked: c.Customer.NameMasked, PhoneMasked: c.Customer.PhoneMasked,
		ReceivedAt: rfc3339(c.ReceivedAt), AtRiskFrom: rfc3339(c.AtRiskFrom), DueBy: rfc3339(c.DueBy),
		Exempted: c.Exempted, Version: c.Version}
	v.AtRisk, v.Breached = c.deadline(now)
	return v
}

// rfc3339 formats t, or returns "" for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// OpenComplaints returns the open complaints about this courier from the
// last pull, soonest due first (ties by id, any without a due time last),
// with AtRisk and Breached computed at the Outbox's clock. It works
// offline.
func (o *Outbox) OpenComplaints() (*ComplaintList, error) {
	var recs []*complaintRecord
	err := o.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketComplaints).ForEach(func(_, v []byte) error {
			c := new(complaintRecord)
			if err := json.Unmarshal(v, c); err != nil {
				return err
			}
			if c.open() {
				recs = append(recs, c)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(recs, func(a, b *complaintRecord) int {
		switch {
		case a.DueBy.IsZero() != b.DueBy.IsZero():
			if a.DueBy.IsZero() {
				return 1
			}
			return -1
		case !a.DueBy.Equal(b.DueBy):
			return a.DueBy.Compare(b.DueBy)
		}
		return strings.Compare(a.ComplaintID, b.ComplaintID)
	})
	now := o.cfg.now()
	l := &ComplaintList{complaints: make([]*ComplaintCase, len(recs))}
	for i, c := range recs {
		l.complaints[i] = c.view(now)
	}
	return l, nil
}
