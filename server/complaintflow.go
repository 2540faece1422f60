package server

import (
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// ComplaintState is a stored complaint as the rules see it: everything but
// the customer and the free text, which the store keeps sealed and the
// rules never need in the clear.
type ComplaintState struct {
	// ComplaintID is given by the store on insert ("cp-N").
	ComplaintID string
	// CourierID is the courier concerned ("" when nobody is).
	CourierID string
	Waybill   string
	Category  string
	Channel   string
	Status    string
	Received  time.Time
	DueBy     time.Time
	// History holds the transitions; a step's Note is the plain note
	// only on the step being taken (the store keeps notes sealed).
	History   []ComplaintStep
	Exempted  bool
	ClosedAt  *time.Time
	CreatedBy string
	CreatedAt time.Time
	Version   int64
	// ContactGone: the customer's contact was purged (or never kept), so
	// nothing can be copied from it.
	ContactGone bool
}

// ComplaintTx is what the complaint workflow reads and writes inside one
// store write transaction: the store gives it, the rules below decide.
type ComplaintTx interface {
	// Complaint returns a stored complaint, nil if unknown.
	Complaint(id string) (*ComplaintState, error)
	// CourierAccount reports whether id is a courier's account.
	CourierAccount(id string) (bool, error)
	// PickupCourier returns the courier who picked up a waybill, "" if
	// no pickup is recorded.
	PickupCourier(waybill string) (string, error)
	// InsertComplaint stores and indexes a new complaint (with the sealed
	// customer and text the store holds for it) and gives it its id.
	InsertComplaint(c *ComplaintState) error
	// UpdateComplaint replaces a stored complaint (old is its previous
	// state, for the indexes); notes of new steps are stored sealed.
	UpdateComplaint(old, c *ComplaintState) error
	// PublishComplaint puts a complaint's current state in its courier's
	// pull feed.
	PublishComplaint(c *ComplaintState) error
	// Redact returns text with personal data masked, the complaint's own
	// customer's name and phone included.
	Redact(c *ComplaintState, text string) string
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// ComplaintStatuses are the complaint statuses in workflow order.
var ComplaintStatuses = []string{ComplaintReceived, ComplaintVerified, ComplaintHandled, ComplaintClosed}

// ComplaintOpen reports whether a complaint in status is open (not closed).
func ComplaintOpen(status string) bool { return status != ComplaintClosed }

// ComplaintAtRiskFrom is when a complaint received at received becomes at
// risk, as its courier's feed says.
func ComplaintAtRiskFrom(received time.Time, s Settings) time.Time {
	return received.Add(s.ComplaintAtRisk)
}

// OpenComplaint stores a new complaint c, received, with its deadline, and
// publishes it to the courier concerned, if any.
func OpenComplaint(tx ComplaintTx, c *ComplaintState, s Settings) error {
	c.Status, c.Version, c.History = ComplaintReceived, 1, nil
	c.DueBy = ComplaintDeadline(c.Received, s)
	if err := tx.InsertComplaint(c); err != nil {
		return err
	}
	return publishComplaint(tx, c)
}

func publishComplaint(tx ComplaintTx, c *ComplaintState) error {
	if c.CourierID == "" {
		return nil
	}
	return tx.PublishComplaint(c)
}

// errNotCourier refuses a courier_id that is not a courier's account.
var errNotCourier = syncproto.Errorf(syncproto.CodeUnprocessable, "courier_id: not a courier's account")

// complaintCourier decides the courier a dispatcher's complaint concerns:
// the one named (who must be a courier), else the one who picked up the
// waybill, else nobody.
func complaintCourier(tx ComplaintTx, named, waybill string) (string, error) {
	if named != "" {
		ok, err := tx.CourierAccount(named)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errNotCourier
		}
		return named, nil
	}
	if waybill == "" {
		return "", nil
	}
	return tx.PickupCourier(waybill)
}

// CreateComplaint decides a complaint a dispatcher records (r checked by
// NewComplaint.Check, received its received_at): the courier concerned,
// the deadline, the feed change and the audit event.
func CreateComplaint(tx ComplaintTx, p Principal, r *NewComplaint, received time.Time, s Settings, now time.Time) (*ComplaintState, error) {
	courier, err := complaintCourier(tx, r.CourierID, r.Waybill)
	if err != nil {
		return nil, err
	}
	c := &ComplaintState{CourierID: courier, Waybill: r.Waybill, Category: r.Category, Channel: r.Channel,
		Received: received, CreatedBy: p.UserID, CreatedAt: now}
	if err := OpenComplaint(tx, c, s); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionComplaintCreate, c.ComplaintID, now)
	e.Detail = "channel " + r.Channel
	return c, tx.Audit(e)
}

// TransitionComplaint moves a complaint one step (CheckComplaintStep):
// the step joins the history, a close stamps closed_at, a reopening
// clears it (due_by unchanged), an exempt_courier that changes the
// exemption is recorded on the step and audited on its own, with the note
// masked.
func TransitionComplaint(tx ComplaintTx, p Principal, id string, r *ComplaintTransition, now time.Time) (*ComplaintState, error) {
	c, err := tx.Complaint(id)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, ErrNotFound
	}
	if err := CheckComplaintStep(p, c.Status, r.To, r.Note); err != nil {
		return nil, err
	}
	old := *c
	old.History = slices.Clip(c.History)
	step := ComplaintStep{To: r.To, By: p.UserID, At: now, Note: r.Note}
	exemptChanged := r.ExemptCourier != nil && *r.ExemptCourier != c.Exempted
	if exemptChanged {
		step.ExemptCourier = r.ExemptCourier
		c.Exempted = *r.ExemptCourier
	}
	c.Status, c.History, c.Version = r.To, append(old.History, step), c.Version+1
	switch r.To {
	case ComplaintClosed:
		c.ClosedAt = &now
	case ComplaintReceived:
		c.ClosedAt = nil // reopened: open again, due_by unchanged
	}
	if err := tx.UpdateComplaint(&old, c); err != nil {
		return nil, err
	}
	if err := publishComplaint(tx, c); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionComplaintTransition, c.ComplaintID, now)
	e.Detail = "to " + r.To
	if err := tx.Audit(e); err != nil {
		return nil, err
	}
	if exemptChanged {
		if err := tx.Audit(exemptEvent(tx, p, c, r.Note, now)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// exemptEvent is the audit event of a changed courier-fault exemption.
func exemptEvent(tx ComplaintTx, p Principal, c *ComplaintState, note string, now time.Time) AuditEvent {
	e := NewEvent(p, ActionComplaintExempt, c.ComplaintID, now)
	if c.Exempted {
		e.Detail = "courier " + c.CourierID + " exempted"
	} else {
		e.Detail = "exemption of courier " + c.CourierID + " withdrawn"
	}
	if note != "" {
		e.Detail += ": " + tx.Redact(c, note)
	}
	return e
}

// ComplaintListPlan is how a store walks its deadline index for a
// ComplaintFilter: the statuses to walk, each in due_by order, and the
// due_by window (DueAfter, DueBefore), both exclusive (zero: unbounded).
type ComplaintListPlan struct {
	Statuses  []string
	DueAfter  time.Time
	DueBefore time.Time
}

// Plan decides the walk of f at now: overdue is open and due before now;
// at risk is open with received + AtRisk ≤ now < due_by, i.e. now < due_by
// ≤ now + (Due − AtRisk).
func (f *ComplaintFilter) Plan(now time.Time, s Settings) ComplaintListPlan {
	pl := ComplaintListPlan{Statuses: ComplaintStatuses}
	if f.Overdue || f.AtRisk {
		pl.Statuses = slices.DeleteFunc(slices.Clone(ComplaintStatuses), func(st string) bool { return !ComplaintOpen(st) })
	}
	if f.Status != "" {
		pl.Statuses = []string{f.Status}
	}
	switch {
	case f.Overdue:
		pl.DueBefore = now
	case f.AtRisk:
		pl.DueAfter, pl.DueBefore = now, now.Add(s.ComplaintDue-s.ComplaintAtRisk).Add(time.Nanosecond)
	}
	return pl
}

// RecordComplaint decides a complaint op from a courier's handheld: the
// courier who recorded it is the courier concerned, the channel is
// "courier", and the deadline runs from received.
func RecordComplaint(tx ComplaintTx, courier string, p *syncproto.Complaint, received time.Time, s Settings, now time.Time) (*ComplaintState, error) {
	c := &ComplaintState{CourierID: courier, Waybill: p.Waybill, Category: p.Category, Channel: ChannelCourier,
		Received: received, CreatedBy: courier, CreatedAt: now}
	if err := OpenComplaint(tx, c, s); err != nil {
		return nil, err
	}
	return c, nil
}
