package client

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/courier-sync/courier-sync/syncproto"
)

// CreateUser creates an account (admin; 201).
func (c *Client) CreateUser(ctx context.Context, r *syncproto.CreateUserRequest) (*syncproto.User, error) {
	return call[syncproto.User](ctx, c, http.MethodPost, "/v1/admin/users", r)
}

// Users reads one page of accounts (admin).
func (c *Client) Users(ctx context.Context, q url.Values) (*syncproto.UserList, error) {
	return call[syncproto.UserList](ctx, c, http.MethodGet, "/v1/admin/users"+query(q), nil)
}

// PatchUser changes an account's display name, role or disabled flag.
func (c *Client) PatchUser(ctx context.Context, id string, r *syncproto.UserPatch) (*syncproto.User, error) {
	return call[syncproto.User](ctx, c, http.MethodPatch, "/v1/admin/users/"+escape(id), r)
}

// SetPassword replaces an account's password and ends its sessions (204).
func (c *Client) SetPassword(ctx context.Context, id string, r *syncproto.PasswordRequest) error {
	return c.Do(ctx, http.MethodPost, "/v1/admin/users/"+escape(id)+"/password", r, nil)
}

// UserSessions reads one page of an account's sessions.
func (c *Client) UserSessions(ctx context.Context, id string, q url.Values) (*syncproto.SessionList, error) {
	return call[syncproto.SessionList](ctx, c, http.MethodGet, "/v1/admin/users/"+escape(id)+"/sessions"+query(q), nil)
}

// RevokeSession ends one session of an account (204).
func (c *Client) RevokeSession(ctx context.Context, userID, sessionID string) error {
	return c.Do(ctx, http.MethodDelete, "/v1/admin/users/"+escape(userID)+"/sessions/"+escape(sessionID), nil, nil)
}

// ReleaseDevice frees a device id bound to an account (204).
func (c *Client) ReleaseDevice(ctx context.Context, deviceID string) error {
	return c.Do(ctx, http.MethodDelete, "/v1/admin/devices/"+escape(deviceID), nil, nil)
}

// Couriers reads one page of courier accounts (dispatcher+; active,
// cursor, limit).
func (c *Client) Couriers(ctx context.Context, q url.Values) (*syncproto.CourierList, error) {
	return call[syncproto.CourierList](ctx, c, http.MethodGet, "/v1/couriers"+query(q), nil)
}

// Settings reads the server's settings (admin).
func (c *Client) Settings(ctx context.Context) (*syncproto.SettingsView, error) {
	return call[syncproto.SettingsView](ctx, c, http.MethodGet, "/v1/admin/settings", nil)
}

// Purge erases personal data past its retention (admin); dryRun only
// counts.
func (c *Client) Purge(ctx context.Context, dryRun bool) (*syncproto.PurgeReport, error) {
	path := "/v1/admin/purge"
	if dryRun {
		path += "?dry_run=1"
	}
	return call[syncproto.PurgeReport](ctx, c, http.MethodPost, path, nil)
}

// Backup streams a consistent copy of the store to w (admin) and returns
// the bytes written. The copy is not held in memory, nor bounded by
// WithMaxBody.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	return c.stream(ctx, http.MethodGet, "/v1/admin/backup", w)
}

// AuditOps reads one page of the op audit trail (device_id, cursor,
// limit; supervisor+).
func (c *Client) AuditOps(ctx context.Context, q url.Values) (*syncproto.AuditOpList, error) {
	return call[syncproto.AuditOpList](ctx, c, http.MethodGet, "/v1/audit/ops"+query(q), nil)
}

// AllAuditOps reads every page of the op audit trail matching q.
func (c *Client) AllAuditOps(ctx context.Context, q url.Values) ([]syncproto.AuditOp, error) {
	return listAll(ctx, c, "/v1/audit/ops", q, func(l *syncproto.AuditOpList) Page[syncproto.AuditOp] {
		return Page[syncproto.AuditOp]{l.Ops, l.Cursor, l.HasMore}
	})
}

// AuditEvents reads one page of the audit events (actor, action, cursor,
// limit; supervisor+).
func (c *Client) AuditEvents(ctx context.Context, q url.Values) (*syncproto.EventList, error) {
	return call[syncproto.EventList](ctx, c, http.MethodGet, "/v1/audit/events"+query(q), nil)
}

// AllAuditEvents reads every page of the audit events matching q.
func (c *Client) AllAuditEvents(ctx context.Context, q url.Values) ([]syncproto.AuditEvent, error) {
	return listAll(ctx, c, "/v1/audit/events", q, func(l *syncproto.EventList) Page[syncproto.AuditEvent] {
		return Page[syncproto.AuditEvent]{l.Events, l.Cursor, l.HasMore}
	})
}
