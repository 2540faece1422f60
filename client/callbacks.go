package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/courier-sync/courier-sync/syncproto"
)

// CreateCallback assigns a callback task to a courier (201).
func (c *Client) CreateCallback(ctx context.Context, r *syncproto.NewCallback) (*syncproto.CallbackView, error) {
	return call[syncproto.CallbackView](ctx, c, http.MethodPost, "/v1/callbacks", r)
}

// Callbacks reads one page of callback tasks; q holds the filters
// (status, courier_id, due_before, overdue, review, waybill) and cursor
// and limit.
func (c *Client) Callbacks(ctx context.Context, q url.Values) (*syncproto.CallbackList, error) {
	return call[syncproto.CallbackList](ctx, c, http.MethodGet, "/v1/callbacks"+query(q), nil)
}

// AllCallbacks reads every page of callback tasks matching q.
func (c *Client) AllCallbacks(ctx context.Context, q url.Values) ([]syncproto.CallbackView, error) {
	return listAll(ctx, c, "/v1/callbacks", q, func(l *syncproto.CallbackList) Page[syncproto.CallbackView] {
		return Page[syncproto.CallbackView]{l.Callbacks, l.Cursor, l.HasMore}
	})
}

// Callback reads one callback task.
func (c *Client) Callback(ctx context.Context, id string) (*syncproto.CallbackView, error) {
	return call[syncproto.CallbackView](ctx, c, http.MethodGet, "/v1/callbacks/"+escape(id), nil)
}

// PatchCallback cancels, reassigns or marks a task reviewed, at the
// task's version (a stale version → conflict).
func (c *Client) PatchCallback(ctx context.Context, id string, r *syncproto.CallbackPatch) (*syncproto.CallbackView, error) {
	return call[syncproto.CallbackView](ctx, c, http.MethodPatch, "/v1/callbacks/"+escape(id), r)
}

// RevealContact reveals a task's customer contact for a while (audited).
func (c *Client) RevealContact(ctx context.Context, id string) (*syncproto.RevealedContact, error) {
	return call[syncproto.RevealedContact](ctx, c, http.MethodPost, "/v1/callbacks/"+escape(id)+"/contact", nil)
}

// CallbackText reveals a task's sealed free text (audited).
func (c *Client) CallbackText(ctx context.Context, id string) (*syncproto.FreeText, error) {
	return call[syncproto.FreeText](ctx, c, http.MethodPost, "/v1/callbacks/"+escape(id)+"/text", nil)
}
