package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// adminDeviceID is the device the simulator's admin session is bound to.
const adminDeviceID = "courier-sim-admin"

// apiAttempts is how many times a staff call is made while it fails
// without an answer or with 429 or 5xx (what a well-behaved client
// retries), waiting the server's Retry-After up to apiMaxWait.
const (
	apiAttempts = 6
	apiMaxWait  = 70 * time.Second
)

// admin is a staff session of the simulator: the admin, who creates the
// accounts and reads the audit log, or the dispatcher and supervisor
// actors. It speaks through the API client, outside the flaky link, and
// renews its session when its token expires.
type admin struct {
	*client.Client
	user, pass string
	// role is the role the account must have; device the device id the
	// session is bound to.
	role, device string
}

// newClient returns an API client of base on hc with the staff retries.
func newClient(base string, hc *http.Client) *client.Client {
	return client.New(base, client.WithHTTPClient(hc), client.WithRetries(apiAttempts, apiMaxWait), client.WithRenewal())
}

func newAdmin(base string, hc *http.Client, user, pass string) *admin {
	return newStaff(base, hc, user, pass, syncproto.RoleAdmin, adminDeviceID)
}

// newStaff returns a session for a staff account with the given role.
func newStaff(base string, hc *http.Client, user, pass, role, device string) *admin {
	return &admin{Client: newClient(base, hc), user: user, pass: pass, role: role, device: device}
}

// ensureLogin logs the session in and checks the account's role.
func (ad *admin) ensureLogin(ctx context.Context) error {
	tok, err := ad.Login(ctx, ad.user, ad.pass, ad.device)
	if err != nil {
		return fmt.Errorf("log in as %s: %w", ad.user, err)
	}
	if tok.Role != ad.role {
		return fmt.Errorf("log in as %s: role %q, need %s", ad.user, tok.Role, ad.role)
	}
	return nil
}

// createUser creates an account with role and returns its user id.
func (ad *admin) createUser(ctx context.Context, username, password, role, displayName string) (string, error) {
	req := &syncproto.CreateUserRequest{Username: username, Password: password, Role: role, DisplayName: displayName}
	u, err := ad.CreateUser(ctx, req)
	if err != nil {
		return "", fmt.Errorf("create user %s: %w", username, err)
	}
	return u.UserID, nil
}

// createCourier creates a courier account and returns its user id.
func (ad *admin) createCourier(ctx context.Context, username, password, displayName string) (string, error) {
	return ad.createUser(ctx, username, password, syncproto.RoleCourier, displayName)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
