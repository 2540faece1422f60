package server

import (
	"encoding/hex"
	"time"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// InspectionTx is what the inspection workflow reads and writes inside one
// store write transaction.
type InspectionTx interface {
	// Inspection returns a stored inspection, nil if unknown.
	Inspection(id string) (*Inspection, error)
	// PutInspection stores an inspection (new or changed).
	PutInspection(in *Inspection) error
	// UserExists reports whether a user id is known.
	UserExists(id string) (bool, error)
	// InsertAction stores a new corrective action and gives it its id.
	InsertAction(a *CorrectiveAction) error
	// Action returns a stored corrective action, nil if unknown.
	Action(id string) (*CorrectiveAction, error)
	// UpdateAction replaces a stored corrective action.
	UpdateAction(a *CorrectiveAction) error
	// Audit appends an audit event.
	Audit(e AuditEvent) error
}

// InspectionID is the id of a month's inspection.
func InspectionID(month string) string { return "in-" + month }

// OpenInspection decides a month's new inspection from its drawn sample:
// conflict when the month has one already.
func OpenInspection(tx InspectionTx, p Principal, month string, seed []byte, s *Sampler, n int, now time.Time) (*Inspection, error) {
	id := InspectionID(month)
	old, err := tx.Inspection(id)
	if err != nil {
		return nil, err
	}
	if old != nil {
		return nil, Conflict("this month's inspection is already open")
	}
	items, couriers := s.Items()
	in := &Inspection{InspectionID: id, Month: month, Seed: hex.EncodeToString(seed), ItemsPerCourier: n,
		Status: InspectionOpen, Couriers: couriers, Items: items, OpenedBy: p.UserID, OpenedAt: now}
	if in.Items == nil {
		in.Items = []InspectionItem{}
	}
	if len(in.Items) == 0 {
		in.Status, in.CompletedAt = InspectionCompleted, &now // nothing to check
	}
	if err := tx.PutInspection(in); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionInspectionOpen, id, now)
	e.Detail = itoa(len(items)) + " items of " + itoa(len(couriers)) + " couriers"
	return in, tx.Audit(e)
}

// MarkInspectionItem marks one pending item. A fail opens a corrective
// action (owner: the named user, else the item's courier; due: the given
// time, else a week on). The last item marked completes the inspection.
func MarkInspectionItem(tx InspectionTx, p Principal, id, itemID string, r *ItemMark, now time.Time) (*Inspection, error) {
	due, err := r.Check(now)
	if err != nil {
		return nil, err
	}
	in, err := tx.Inspection(id)
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, ErrNotFound
	}
	it := findItem(in, itemID)
	if it == nil {
		return nil, ErrNotFound
	}
	if it.Result != ItemPending {
		return nil, Conflict("item is marked " + it.Result + " already")
	}
	it.Result, it.Finding, it.MarkedBy, it.MarkedAt = r.Result, r.Finding, p.UserID, &now
	if r.Result == ItemFail {
		a, err := openAction(tx, p, in, it, r, due, now)
		if err != nil {
			return nil, err
		}
		it.ActionID = a.ActionID
	}
	if allMarked(in) {
		in.Status, in.CompletedAt = InspectionCompleted, &now
	}
	if err := tx.PutInspection(in); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionInspectionMark, in.InspectionID+"/"+itemID, now)
	e.Detail = r.Result
	return in, tx.Audit(e)
}

func findItem(in *Inspection, id string) *InspectionItem {
	for i := range in.Items {
		if in.Items[i].ItemID == id {
			return &in.Items[i]
		}
	}
	return nil
}

func allMarked(in *Inspection) bool {
	for i := range in.Items {
		if in.Items[i].Result == ItemPending {
			return false
		}
	}
	return true
}

func openAction(tx InspectionTx, p Principal, in *Inspection, it *InspectionItem, r *ItemMark, due, now time.Time) (*CorrectiveAction, error) {
	owner := r.Owner
	if owner == "" {
		owner = it.CourierID
	}
	ok, err := tx.UserExists(owner)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, syncproto.Errorf(syncproto.CodeUnprocessable, "owner: no such user")
	}
	if due.IsZero() {
		due = now.Add(DefaultCorrectiveDue)
	}
	a := &CorrectiveAction{InspectionID: in.InspectionID, ItemID: it.ItemID, CourierID: it.CourierID, Owner: owner,
		Finding: r.Finding, DueBy: due, Status: ActionOpen, OpenedBy: p.UserID, OpenedAt: now}
	if err := tx.InsertAction(a); err != nil {
		return nil, err
	}
	e := NewEvent(p, ActionCorrectiveOpen, a.ActionID, now)
	e.Detail = "owner " + owner + ", item " + in.InspectionID + "/" + it.ItemID
	return a, tx.Audit(e)
}

// CloseCorrectiveAction closes an open action with a note.
func CloseCorrectiveAction(tx InspectionTx, p Principal, id string, r *ActionClose, now time.Time) (*CorrectiveAction, error) {
	if !utf8.ValidString(r.Note) || utf8.RuneCountInString(r.Note) > syncproto.MaxTextRunes {
		return nil, Invalid("note: valid UTF-8, at most 2000 characters")
	}
	a, err := tx.Action(id)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, ErrNotFound
	}
	if a.Status != ActionOpen {
		return nil, Conflict("corrective action is closed already")
	}
	a.Status, a.ClosedBy, a.ClosedAt, a.Note = ActionClosed, p.UserID, &now, r.Note
	if err := tx.UpdateAction(a); err != nil {
		return nil, err
	}
	a.Overdue = a.OverdueAt(now)
	return a, tx.Audit(NewEvent(p, ActionCorrectiveClose, a.ActionID, now))
}
