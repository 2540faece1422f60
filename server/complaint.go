package server

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Complaint statuses, in the only order a complaint may move through them.
const (
	ComplaintReceived = syncproto.ComplaintReceived
	ComplaintVerified = syncproto.ComplaintVerified
	ComplaintHandled  = syncproto.ComplaintHandled
	ComplaintClosed   = syncproto.ComplaintClosed
)

// Channels a complaint arrives by.
const (
	ChannelPhone   = syncproto.ChannelPhone
	ChannelWeb     = syncproto.ChannelWeb
	ChannelWeChat  = syncproto.ChannelWeChat
	ChannelCourier = syncproto.ChannelCourier
)

// ChangeComplaint is the change type that carries a complaint about a
// courier (a ComplaintChange) in their pull feed, published when it is
// made and at every transition; a closed one tells the device to drop it.
const ChangeComplaint = syncproto.ChangeComplaint

// Audit actions of complaints.
const (
	ActionComplaintCreate     = "complaint.create"
	ActionComplaintTransition = "complaint.transition"
	ActionComplaintExempt     = "complaint.exempt"
)

// NextComplaintStatus returns the one status a complaint in status may
// move to, or "" when it may not move (closed, or unknown).
func NextComplaintStatus(status string) string {
	switch status {
	case ComplaintReceived:
		return ComplaintVerified
	case ComplaintVerified:
		return ComplaintHandled
	case ComplaintHandled:
		return ComplaintClosed
	}
	return ""
}

// CheckComplaintStep decides whether p may move a complaint from one
// status to another: the next step of the workflow, or reopening a closed
// complaint (closed → received) by a supervisor or admin with a note
// (PROTOCOL.md "Additions to v1"; history and due_by are kept). Anything
// else, a dispatcher reopening included, → conflict (the route is theirs,
// the step is not); a reopening without a note → invalid_request.
func CheckComplaintStep(p Principal, from, to, note string) error {
	if from == ComplaintClosed && to == ComplaintReceived {
		switch {
		case !p.AtLeast(syncproto.RoleSupervisor):
			return Conflict("complaint is closed; only a supervisor may reopen it")
		case strings.TrimSpace(note) == "":
			return Invalid("note: required when reopening a complaint")
		}
		return nil
	}
	if next := NextComplaintStatus(from); to != next {
		msg := "complaint is " + from + "; "
		if next == "" {
			msg += "it is closed and takes no more steps"
		} else {
			msg += "the only next step is " + next
		}
		return Conflict(msg)
	}
	return nil
}

// ComplaintDeadline returns due_by: received + s.ComplaintDue (Encodable).
func ComplaintDeadline(received time.Time, s Settings) time.Time {
	return Encodable(received.Add(s.ComplaintDue))
}

// ComplaintClock says where a complaint stands against its deadline at now:
// at_risk while open from received + ComplaintAtRisk until due_by; breached
// once (the closing time, or now while open) is after due_by, so a late
// close stays breached.
func ComplaintClock(received time.Time, closedAt *time.Time, now time.Time, s Settings) (atRisk, breached bool) {
	due := ComplaintDeadline(received, s)
	end := now
	if closedAt != nil {
		end = *closedAt
	}
	breached = end.After(due)
	atRisk = closedAt == nil && !now.Before(received.Add(s.ComplaintAtRisk)) && now.Before(due)
	return atRisk, breached
}

// ComplaintStep is one transition in a complaint's history.
type ComplaintStep = syncproto.ComplaintStep

// Complaint is the complaint view of PROTOCOL.md: customer data masked,
// history of transitions only (not the creation).
type Complaint = syncproto.ComplaintView

// ComplaintChange is the data of a "complaint" change in a courier's feed.
type ComplaintChange = syncproto.ComplaintChange

// NewComplaint is the body of POST /v1/complaints. CourierID names the
// courier concerned; without it, the courier who picked up the waybill.
type NewComplaint syncproto.NewComplaint

// Check validates r as the complaint op's payload is validated, plus the
// channel, and returns the payload and received_at. A received_at more than
// skew in the future is refused.
func (r *NewComplaint) Check(now time.Time, skew time.Duration) (*syncproto.Complaint, time.Time, error) {
	switch r.Channel {
	case ChannelPhone, ChannelWeb, ChannelWeChat, ChannelCourier:
	default:
		return nil, time.Time{}, Invalid("channel: one of phone, web, wechat, courier")
	}
	if r.CourierID != "" && !ValidRecordID(r.CourierID) {
		return nil, time.Time{}, Invalid("courier_id: 1–64 of [A-Za-z0-9_-]")
	}
	raw, err := json.Marshal(syncproto.Complaint{Category: r.Category, Description: r.Description,
		Customer: r.Customer, ReceivedAt: r.ReceivedAt, Waybill: r.Waybill})
	if err != nil {
		return nil, time.Time{}, err
	}
	p, perr := syncproto.DecodePayload(syncproto.KindComplaint, raw)
	if perr != nil {
		return nil, time.Time{}, Invalid(perr.Message)
	}
	received, _ := syncproto.ParseOpTime(r.ReceivedAt)
	if received.After(now.Add(skew)) {
		return nil, time.Time{}, Invalid("received_at: in the future")
	}
	return p.(*syncproto.Complaint), received, nil
}

// ComplaintTransition is the body of POST /v1/complaints/{id}/transition.
type ComplaintTransition syncproto.ComplaintTransition

// Check validates the request's shape (not whether the step is allowed).
func (r *ComplaintTransition) Check() error {
	switch r.To {
	case ComplaintReceived, ComplaintVerified, ComplaintHandled, ComplaintClosed:
	default:
		return Invalid("to: one of verified, handled, closed")
	}
	if !utf8.ValidString(r.Note) || utf8.RuneCountInString(r.Note) > syncproto.MaxTextRunes {
		return Invalid("note: valid UTF-8, at most 2000 characters")
	}
	return nil
}

// ComplaintFilter selects complaints. Overdue: not closed and past due_by;
// AtRisk: not closed and at risk now.
type ComplaintFilter struct {
	// Waybill keeps the complaints about one parcel.
	Waybill   string
	Status    string
	Overdue   bool
	AtRisk    bool
	CourierID string
	Cursor    string
	Limit     int
}

// Check validates the filter.
func (f *ComplaintFilter) Check() error {
	switch f.Status {
	case "", ComplaintReceived, ComplaintVerified, ComplaintHandled, ComplaintClosed:
	default:
		return Invalid("status: one of received, verified, handled, closed")
	}
	if (f.Overdue || f.AtRisk) && f.Status == ComplaintClosed {
		return Invalid("overdue, at_risk: only open complaints can be overdue or at risk")
	}
	return nil
}

// ComplaintList is the body of GET /v1/complaints, sorted by due_by.
type ComplaintList = syncproto.ComplaintList

// ComplaintService runs the complaint workflow.
type ComplaintService interface {
	// CreateComplaint records a complaint taken by a dispatcher. A
	// malformed request → invalid_request; a courier_id that is not a
	// courier → unprocessable.
	CreateComplaint(ctx context.Context, p Principal, r *NewComplaint) (*Complaint, error)
	// Complaint returns one complaint; unknown → not_found.
	Complaint(ctx context.Context, id string) (*Complaint, error)
	// ListComplaints lists complaints sorted by due_by; a malformed
	// cursor or filter → invalid_request.
	ListComplaints(ctx context.Context, f ComplaintFilter) (*ComplaintList, error)
	// TransitionComplaint moves a complaint one step on. Unknown →
	// not_found; any step but the next one → conflict.
	TransitionComplaint(ctx context.Context, p Principal, id string, r *ComplaintTransition) (*Complaint, error)
}
