package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Push sends a batch of the device's ops. Ops are exactly-once by op_id,
// so a push may be repeated after a failure (WithRetries).
func (c *Client) Push(ctx context.Context, req *syncproto.PushRequest) (*syncproto.PushResponse, error) {
	var out syncproto.PushResponse
	if err := c.Do(ctx, http.MethodPost, "/v1/sync/push", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Pull reads the caller's feed from cursor ("" for the start); limit 0
// means the server's default.
func (c *Client) Pull(ctx context.Context, cursor string, limit int) (*syncproto.PullResponse, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out syncproto.PullResponse
	if err := c.Do(ctx, http.MethodGet, "/v1/sync/pull"+query(q), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Page is one page of a list route.
type Page[T any] struct {
	Items   []T
	Cursor  string
	HasMore bool
}

// All reads every page of a list: next returns the page after cursor
// ("" for the first). A page that says has_more without moving the
// cursor is an error rather than an endless loop.
func All[T any](ctx context.Context, next func(ctx context.Context, cursor string) (Page[T], error)) ([]T, error) {
	var all []T
	cursor := ""
	for {
		p, err := next(ctx, cursor)
		if err != nil {
			return all, err
		}
		all = append(all, p.Items...)
		if !p.HasMore {
			return all, nil
		}
		if p.Cursor == "" || p.Cursor == cursor {
			return all, &Error{Method: http.MethodGet, Status: http.StatusOK, Message: "has_more with a cursor that does not move"}
		}
		cursor = p.Cursor
	}
}

// withCursor returns a copy of q with cursor and the largest limit set.
func withCursor(q url.Values, cursor string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	if cursor != "" {
		out.Set("cursor", cursor)
	}
	if out.Get("limit") == "" {
		out.Set("limit", strconv.Itoa(syncproto.MaxPullLimit))
	}
	return out
}
