package client

import (
	"context"
	"net/http"
	"net/url"
)

// call makes one JSON call and returns its decoded answer.
func call[T any](ctx context.Context, c *Client, method, path string, in any) (*T, error) {
	var out T
	if err := c.Do(ctx, method, path, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// listAll reads every page of the list at path with the filters of q,
// taking each page's items with items.
func listAll[L, T any](ctx context.Context, c *Client, path string, q url.Values, items func(*L) Page[T]) ([]T, error) {
	return All(ctx, func(ctx context.Context, cursor string) (Page[T], error) {
		l, err := call[L](ctx, c, http.MethodGet, path+query(withCursor(q, cursor)), nil)
		if err != nil {
			return Page[T]{}, err
		}
		return items(l), nil
	})
}
