package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/courier-sync/courier-sync/syncproto"
)

// CreateComplaint records a complaint taken by a dispatcher (201).
func (c *Client) CreateComplaint(ctx context.Context, r *syncproto.NewComplaint) (*syncproto.ComplaintView, error) {
	return call[syncproto.ComplaintView](ctx, c, http.MethodPost, "/v1/complaints", r)
}

// Complaints reads one page of complaints; q holds the filters (status,
// courier_id, overdue, at_risk, waybill) and cursor and limit.
func (c *Client) Complaints(ctx context.Context, q url.Values) (*syncproto.ComplaintList, error) {
	return call[syncproto.ComplaintList](ctx, c, http.MethodGet, "/v1/complaints"+query(q), nil)
}

// AllComplaints reads every page of complaints matching q.
func (c *Client) AllComplaints(ctx context.Context, q url.Values) ([]syncproto.ComplaintView, error) {
	return listAll(ctx, c, "/v1/complaints", q, func(l *syncproto.ComplaintList) Page[syncproto.ComplaintView] {
		return Page[syncproto.ComplaintView]{l.Complaints, l.Cursor, l.HasMore}
	})
}

// Complaint reads one complaint.
func (c *Client) Complaint(ctx context.Context, id string) (*syncproto.ComplaintView, error) {
	return call[syncproto.ComplaintView](ctx, c, http.MethodGet, "/v1/complaints/"+escape(id), nil)
}

// TransitionComplaint moves a complaint to r.To.
func (c *Client) TransitionComplaint(ctx context.Context, id string, r *syncproto.ComplaintTransition) (*syncproto.ComplaintView, error) {
	return call[syncproto.ComplaintView](ctx, c, http.MethodPost, "/v1/complaints/"+escape(id)+"/transition", r)
}

// ComplaintText reveals a complaint's sealed free text (audited).
func (c *Client) ComplaintText(ctx context.Context, id string) (*syncproto.FreeText, error) {
	return call[syncproto.FreeText](ctx, c, http.MethodPost, "/v1/complaints/"+escape(id)+"/text", nil)
}
