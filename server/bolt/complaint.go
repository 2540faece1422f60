package bolt

import (
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// complaintRecord is a stored complaint, keyed by u64(N) for id "cp-N";
// the customer lives sealed beside the payload. recordMeta's CourierID is
// the courier concerned (the one who recorded a complaint op; for a
// dispatcher's complaint, the one named or who picked up the waybill).
type complaintRecord struct {
	recordMeta
	Complaint *syncproto.Complaint   `json:"complaint"`
	Customer  sealedParty            `json:"customer"`
	Channel   string                 `json:"channel"`
	Seq       uint64                 `json:"seq"`
	Status    string                 `json:"status"`
	Received  time.Time              `json:"received"`
	DueBy     time.Time              `json:"due_by"`
	History   []server.ComplaintStep `json:"history,omitempty"`
	Exempted  bool                   `json:"exempted,omitempty"`
	ClosedAt  *time.Time             `json:"closed_at,omitempty"`
	CreatedBy string                 `json:"created_by"`
	CreatedAt time.Time              `json:"created_at"`
	Version   int64                  `json:"version"`
}

// complaint records a complaint op: the courier who recorded it is the
// courier concerned, the channel is "courier", and the deadline runs from
// the payload's received_at (never later than the server received the op:
// see judgeTimes).
func (a *applier) complaint(po *pendingOp, p *syncproto.Complaint) (string, []string, *syncproto.Error, error) {
	rec := &complaintRecord{recordMeta: a.meta(po, ""), Complaint: p, Customer: po.sealed[0], Channel: server.ChannelCourier,
		Received: po.received, CreatedBy: a.courier, CreatedAt: a.now}
	if err := a.db.storeComplaint(a.tx, rec); err != nil {
		return "", nil, nil, err
	}
	return rec.Ref, nil, nil, nil
}
