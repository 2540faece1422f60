package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/courier-sync/courier-sync/syncproto"
)

// OpenInspection opens a month's service-quality inspection (201).
func (c *Client) OpenInspection(ctx context.Context, r *syncproto.NewInspection) (*syncproto.ServiceInspection, error) {
	return call[syncproto.ServiceInspection](ctx, c, http.MethodPost, "/v1/inspections", r)
}

// Inspections reads one page of inspections.
func (c *Client) Inspections(ctx context.Context, q url.Values) (*syncproto.ServiceInspectionList, error) {
	return call[syncproto.ServiceInspectionList](ctx, c, http.MethodGet, "/v1/inspections"+query(q), nil)
}

// Inspection reads one inspection ("in-YYYY-MM").
func (c *Client) Inspection(ctx context.Context, id string) (*syncproto.ServiceInspection, error) {
	return call[syncproto.ServiceInspection](ctx, c, http.MethodGet, "/v1/inspections/"+escape(id), nil)
}

// MarkItem marks one sampled item pass or fail.
func (c *Client) MarkItem(ctx context.Context, id, item string, r *syncproto.ItemMark) (*syncproto.ServiceInspection, error) {
	return call[syncproto.ServiceInspection](ctx, c, http.MethodPost, "/v1/inspections/"+escape(id)+"/items/"+escape(item), r)
}

// CorrectiveActions reads one page of corrective actions (status,
// overdue, cursor, limit).
func (c *Client) CorrectiveActions(ctx context.Context, q url.Values) (*syncproto.ActionList, error) {
	return call[syncproto.ActionList](ctx, c, http.MethodGet, "/v1/inspections/corrective-actions"+query(q), nil)
}

// CloseAction closes an open corrective action.
func (c *Client) CloseAction(ctx context.Context, id string, r *syncproto.ActionClose) (*syncproto.CorrectiveAction, error) {
	return call[syncproto.CorrectiveAction](ctx, c, http.MethodPost, "/v1/inspections/corrective-actions/"+escape(id)+"/close", r)
}
