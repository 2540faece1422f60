package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/courier-sync/courier-sync/syncproto"
)

// FileClaim files a compensation claim (201).
func (c *Client) FileClaim(ctx context.Context, r *syncproto.NewClaim) (*syncproto.Claim, error) {
	return call[syncproto.Claim](ctx, c, http.MethodPost, "/v1/claims", r)
}

// Claims reads one page of claims (status, overdue, waybill, cursor,
// limit).
func (c *Client) Claims(ctx context.Context, q url.Values) (*syncproto.ClaimList, error) {
	return call[syncproto.ClaimList](ctx, c, http.MethodGet, "/v1/claims"+query(q), nil)
}

// AllClaims reads every page of claims matching q.
func (c *Client) AllClaims(ctx context.Context, q url.Values) ([]syncproto.Claim, error) {
	return listAll(ctx, c, "/v1/claims", q, func(l *syncproto.ClaimList) Page[syncproto.Claim] {
		return Page[syncproto.Claim]{l.Claims, l.Cursor, l.HasMore}
	})
}

// Claim reads one claim.
func (c *Client) Claim(ctx context.Context, id string) (*syncproto.Claim, error) {
	return call[syncproto.Claim](ctx, c, http.MethodGet, "/v1/claims/"+escape(id), nil)
}

// AcknowledgeClaim acknowledges a filed claim.
func (c *Client) AcknowledgeClaim(ctx context.Context, id string) (*syncproto.Claim, error) {
	return call[syncproto.Claim](ctx, c, http.MethodPost, "/v1/claims/"+escape(id)+"/acknowledge", nil)
}

// DecideClaim decides a claim (supervisor).
func (c *Client) DecideClaim(ctx context.Context, id string, r *syncproto.ClaimDecide) (*syncproto.Claim, error) {
	return call[syncproto.Claim](ctx, c, http.MethodPost, "/v1/claims/"+escape(id)+"/decide", r)
}

// PayClaim records a decided claim's payout (supervisor).
func (c *Client) PayClaim(ctx context.Context, id string, r *syncproto.ClaimPay) (*syncproto.Claim, error) {
	return call[syncproto.Claim](ctx, c, http.MethodPost, "/v1/claims/"+escape(id)+"/payout", r)
}
