package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/courier-sync/courier-sync/syncproto"
)

// QualityReport reads the service-quality report of month ("YYYY-MM";
// "" for the current month).
func (c *Client) QualityReport(ctx context.Context, month string) (*syncproto.QualityReport, error) {
	return call[syncproto.QualityReport](ctx, c, http.MethodGet, "/v1/reports/quality"+query(monthQuery(month, "")), nil)
}

// QualityReportCSV reads the same report as CSV.
func (c *Client) QualityReportCSV(ctx context.Context, month string) ([]byte, error) {
	path := "/v1/reports/quality" + query(monthQuery(month, "csv"))
	r, err := c.Send(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	return r.Body, r.Err(http.MethodGet, path)
}

func monthQuery(month, format string) url.Values {
	q := url.Values{}
	if month != "" {
		q.Set("month", month)
	}
	if format != "" {
		q.Set("format", format)
	}
	return q
}

// Parcel reads everything known about one waybill.
func (c *Client) Parcel(ctx context.Context, waybill string) (*syncproto.Parcel, error) {
	return call[syncproto.Parcel](ctx, c, http.MethodGet, "/v1/parcels/"+escape(waybill), nil)
}

// DamageReports reads one page of damage reports (waybill, courier_id,
// cursor, limit).
func (c *Client) DamageReports(ctx context.Context, q url.Values) (*syncproto.DamageReportList, error) {
	return call[syncproto.DamageReportList](ctx, c, http.MethodGet, "/v1/damage-reports"+query(q), nil)
}

// DamageText reveals a damage report's sealed description (audited).
func (c *Client) DamageText(ctx context.Context, id string) (*syncproto.FreeText, error) {
	return call[syncproto.FreeText](ctx, c, http.MethodPost, "/v1/damage-reports/"+escape(id)+"/text", nil)
}
