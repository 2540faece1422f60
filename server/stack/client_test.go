package stack_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The tests of package client, against the real stack (the
// client package itself cannot import the server).

// rootClient logs the bootstrap admin in through the client.
func rootClient(t *testing.T, ts *testServer, opts ...client.Option) *client.Client {
	t.Helper()
	c := client.New(ts.url, opts...)
	if _, err := c.Login(t.Context(), "root", "root-password", "console"); err != nil {
		t.Fatal(err)
	}
	return c
}

// account creates an account with role and returns a client logged in
// as it on device.
func account(t *testing.T, ts *testServer, root *client.Client, name, role, device string, opts ...client.Option) *client.Client {
	t.Helper()
	if _, err := root.CreateUser(t.Context(), &syncproto.CreateUserRequest{Username: name, Password: name + "-password", Role: role}); err != nil {
		t.Fatal(err)
	}
	c := client.New(ts.url, opts...)
	if _, err := c.Login(t.Context(), name, name+"-password", device); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTheClientPushesOnceAndPullsTheFeed(t *testing.T) {
	ts := startStack(t, stack.Config{})
	ctx := t.Context()
	root := rootClient(t, ts)
	c := account(t, ts, root, "li.na", syncproto.RoleCourier, "pda-1")
	if c.Role() != syncproto.RoleCourier || c.UserID() == "" {
		t.Fatalf("session role %q user %q", c.Role(), c.UserID())
	}
	req := &syncproto.PushRequest{DeviceID: "pda-1", Ops: []syncproto.Op{pickup(1)}}
	for i, wantDup := range []bool{false, true} {
		res, err := c.Push(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Results[0]; r.Status != syncproto.StatusApplied || r.Duplicate != wantDup {
			t.Fatalf("push %d: %+v", i, r)
		}
	}
	feed, err := c.Pull(ctx, "", 0)
	if err != nil || feed.Cursor == "" {
		t.Fatalf("pull: %v %+v", err, feed)
	}
	ops, err := root.AllAuditOps(ctx, url.Values{"limit": {"1"}})
	if err != nil || len(ops) != 1 {
		t.Fatalf("audit ops %d, %v; want the one op", len(ops), err)
	}
}

func TestTheClientsErrorCarriesStatusCodeAndRetryAfter(t *testing.T) {
	ts := startStack(t, stack.Config{})
	ctx := t.Context()
	c := client.New(ts.url)
	var last error
	for range 8 {
		_, last = c.Login(ctx, "root", "wrong-password", "console")
	}
	var e *client.Error
	if !errors.As(last, &e) || e.Status != 429 || e.Code != syncproto.CodeRateLimited || e.RetryAfter <= 0 {
		t.Fatalf("after repeated failures: %#v, want 429 rate_limited with Retry-After", last)
	}
	if !errors.Is(last, &syncproto.Error{Code: syncproto.CodeRateLimited}) || !e.Temporary() {
		t.Fatal("the error does not match its protocol code")
	}
	_, err := c.Login(ctx, "nobody", "wrong-password", "console")
	if client.StatusOf(err) != 401 || client.CodeOf(err) != syncproto.CodeUnauthorized {
		t.Fatalf("a wrong password: %v", err)
	}
	_, err = client.New(ts.url).Complaints(ctx, nil)
	if client.StatusOf(err) != 401 {
		t.Fatalf("no token: %v", err)
	}
}

// countingTransport counts the requests that reach the network.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestTheClientRetriesA429ButNotA4xx(t *testing.T) {
	ts := startStack(t, stack.Config{})
	ctx := t.Context()
	for range 6 {
		_, _ = client.New(ts.url).Login(ctx, "root", "wrong-password", "x")
	}
	tr := &countingTransport{}
	c := client.New(ts.url, client.WithHTTPClient(&http.Client{Transport: tr}), client.WithRetries(3, time.Millisecond))
	if _, err := c.Login(ctx, "root", "wrong-password", "x"); client.StatusOf(err) != 429 {
		t.Fatalf("want 429, got %v", err)
	}
	if n := tr.n.Load(); n != 3 {
		t.Fatalf("a 429 was sent %d times, want 3", n)
	}
	tr.n.Store(0)
	if _, err := c.Login(ctx, "nobody", "wrong-password", "x"); client.StatusOf(err) != 401 || tr.n.Load() != 1 {
		t.Fatalf("a 401 was sent %d times (%v), want once", tr.n.Load(), err)
	}
}

func TestTheClientRenewsAnExpiredSessionOnceForEveryone(t *testing.T) {
	ts := startStack(t, stack.Config{})
	ctx := t.Context()
	root := rootClient(t, ts)
	disp := account(t, ts, root, "disp", syncproto.RoleDispatcher, "console-2", client.WithRenewal())
	tok, err := disp.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A client with the session's tokens but no credentials, whose access
	// token no longer works: it can only refresh, and the refresh token is
	// single-use (presented twice, the server revokes the session).
	renewing := client.New(ts.url, client.WithRenewal())
	renewing.SetTokens("not-a-token", tok.RefreshToken)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := renewing.Complaints(ctx, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a request after renewal: %v", err)
		}
	}
	for range 2 {
		if _, err := renewing.Refresh(ctx); err != nil {
			t.Fatalf("the renewed session was revoked: %v", err)
		}
	}
	// Without a usable refresh token it logs in again with the
	// credentials of its Login.
	disp.SetTokens("not-a-token", "")
	if _, err := disp.Complaints(ctx, nil); err != nil {
		t.Fatalf("login again: %v", err)
	}
	// Without WithRenewal a 401 is seen as it is.
	plain := client.New(ts.url, client.WithToken("not-a-token"))
	if _, err := plain.Complaints(ctx, nil); client.StatusOf(err) != 401 {
		t.Fatalf("want 401, got %v", err)
	}
}

func TestTheClientUploadsWholeAndResumableBlobs(t *testing.T) {
	ts := startStack(t, stack.Config{})
	ctx := t.Context()
	root := rootClient(t, ts)
	c := account(t, ts, root, "li.na", syncproto.RoleCourier, "pda-1")
	img := noisyJPEG(t, 64, 48, 1)
	digest := digestOf(img)
	for _, wantCreated := range []bool{true, false} {
		created, err := c.PutBlob(ctx, digest, "image/jpeg", img)
		if err != nil || created != wantCreated {
			t.Fatalf("put: created %v, %v; want %v", created, err, wantCreated)
		}
	}
	orig, err := root.GetBlob(ctx, digest, client.VariantOriginal)
	if err != nil || !bytes.Equal(orig.Body, img) {
		t.Fatalf("original: %v", err)
	}
	if _, err := c.PutBlob(ctx, digestOf([]byte("other")), "image/jpeg", img); client.CodeOf(err) != syncproto.CodeDigestMismatch {
		t.Fatalf("a wrong digest: %v", err)
	}

	img2 := noisyJPEG(t, 80, 60, 2)
	d2, total := digestOf(img2), int64(len(img2))
	if _, _, err := c.BlobOffset(ctx, d2); client.StatusOf(err) != 404 {
		t.Fatalf("unknown blob: %v", err)
	}
	half := total / 2
	if held, done, err := c.PatchBlob(ctx, d2, 0, total, img2[:half]); err != nil || held != half || done {
		t.Fatalf("first half: %d %v %v", held, done, err)
	}
	if held, _, err := c.PatchBlob(ctx, d2, 1, total, img2[1:]); client.StatusOf(err) != 409 || held != half {
		t.Fatalf("a wrong offset: held %d, %v; want 409 with the right offset", held, err)
	}
	if held, complete, err := c.BlobOffset(ctx, d2); err != nil || held != half || complete {
		t.Fatalf("offset: %d %v %v", held, complete, err)
	}
	if held, done, err := c.PatchBlob(ctx, d2, half, total, img2[half:]); err != nil || held != total || !done {
		t.Fatalf("second half: %d %v %v", held, done, err)
	}
}

func TestTheClientDrivesTheConsole(t *testing.T) {
	ts := startStack(t, stack.Config{})
	ctx := t.Context()
	root := rootClient(t, ts)
	li := account(t, ts, root, "li.na", syncproto.RoleCourier, "pda-1")
	disp := account(t, ts, root, "disp", syncproto.RoleDispatcher, "console-2")
	sup := account(t, ts, root, "sup", syncproto.RoleSupervisor, "console-3")

	received := time.Now().Add(-time.Hour).Format(time.RFC3339)
	var ids []string
	for range 3 {
		cp, err := disp.CreateComplaint(ctx, &syncproto.NewComplaint{Category: syncproto.CategoryLoss, Description: "never came",
			Customer: syncproto.Customer{Name: "Chen Jie", Phone: "13700001111"}, ReceivedAt: received, Channel: syncproto.ChannelPhone, CourierID: li.UserID()})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cp.ComplaintID)
	}
	all, err := disp.AllComplaints(ctx, url.Values{"limit": {"1"}})
	if err != nil || len(all) != 3 {
		t.Fatalf("all complaints a page of one at a time: %d, %v", len(all), err)
	}
	cp, err := disp.TransitionComplaint(ctx, ids[0], &syncproto.ComplaintTransition{To: syncproto.ComplaintVerified, Note: "checked"})
	if err != nil || cp.Status != syncproto.ComplaintVerified {
		t.Fatalf("transition: %v", err)
	}
	if _, err := disp.Complaint(ctx, "cp-none"); client.StatusOf(err) != 404 {
		t.Fatalf("unknown complaint: %v", err)
	}

	task, err := disp.CreateCallback(ctx, &syncproto.NewCallback{CourierID: li.UserID(), Waybill: "SF1234567890",
		Reason: "late", Customer: syncproto.Customer{Name: "Chen Jie", Phone: "13700001111"}})
	if err != nil {
		t.Fatal(err)
	}
	stale := task.Version - 1
	if _, err := disp.PatchCallback(ctx, task.TaskID, &syncproto.CallbackPatch{Version: &stale, Status: syncproto.TaskCancelled}); client.StatusOf(err) != 409 {
		t.Fatalf("a stale version: %v", err)
	}
	if got, err := disp.PatchCallback(ctx, task.TaskID, &syncproto.CallbackPatch{Version: &task.Version, Status: syncproto.TaskCancelled}); err != nil || got.Status != syncproto.TaskCancelled {
		t.Fatalf("cancel: %v", err)
	}

	v, err := sup.RegisterVehicle(ctx, &syncproto.NewVehicle{VehicleID: "EV-1", Kind: "ebike", ServiceIntervalKM: 1000, ServiceIntervalDays: 90})
	if err != nil || v.VehicleID != "EV-1" {
		t.Fatalf("register vehicle: %v", err)
	}
	if vs, err := sup.AllVehicles(ctx, nil); err != nil || len(vs) != 1 {
		t.Fatalf("vehicles: %d %v", len(vs), err)
	}
	if _, err := disp.Vehicles(ctx, nil); client.StatusOf(err) != 403 {
		t.Fatalf("a dispatcher's vehicles: %v", err)
	}
	if _, _, err := disp.AllLedger(ctx, url.Values{"courier_id": {li.UserID()}}); err != nil {
		t.Fatalf("ledger: %v", err)
	}
	if _, err := sup.QualityReport(ctx, ""); err != nil {
		t.Fatalf("quality report: %v", err)
	}
	if csv, err := sup.QualityReportCSV(ctx, ""); err != nil || len(csv) == 0 {
		t.Fatalf("quality report csv: %v", err)
	}
	if ev, err := root.AllAuditEvents(ctx, nil); err != nil || len(ev) == 0 {
		t.Fatalf("audit events: %d %v", len(ev), err)
	}
	if _, err := root.Settings(ctx); err != nil {
		t.Fatalf("settings: %v", err)
	}
	if cs, err := disp.Couriers(ctx, nil); err != nil || len(cs.Couriers) != 1 {
		t.Fatalf("couriers: %v", err)
	}
	if err := root.ReleaseDevice(ctx, "pda-1"); err != nil {
		t.Fatalf("release device: %v", err)
	}
	if err := li.Logout(ctx); err != nil || li.Token() != "" {
		t.Fatalf("logout: %v", err)
	}
}

func TestTheClientReachesEveryConsoleNoun(t *testing.T) {
	ts := startStack(t, stack.Config{})
	ctx := t.Context()
	root := rootClient(t, ts)
	li := account(t, ts, root, "li.na", syncproto.RoleCourier, "pda-1")
	disp := account(t, ts, root, "disp", syncproto.RoleDispatcher, "console-2")
	sup := account(t, ts, root, "sup", syncproto.RoleSupervisor, "console-3")
	if _, err := li.Push(ctx, &syncproto.PushRequest{DeviceID: "pda-1", Ops: []syncproto.Op{pickup(1)}}); err != nil {
		t.Fatal(err)
	}
	if err := li.PutPushToken(ctx, "fcm-token-1"); err != nil {
		t.Fatalf("push token: %v", err)
	}
	waybill := "SF9000000001"
	if p, err := disp.Parcel(ctx, waybill); err != nil || p.Pickup == nil {
		t.Fatalf("parcel: %v", err)
	}

	claimed := int64(3000)
	c, err := disp.FileClaim(ctx, &syncproto.NewClaim{Waybill: waybill, Type: syncproto.CategoryLoss, ClaimedCents: &claimed,
		FiledAt: time.Now().Format(time.RFC3339)})
	if err != nil || c.Status != syncproto.ClaimFiled {
		t.Fatalf("file a claim: %v", err)
	}
	if c, err = disp.AcknowledgeClaim(ctx, c.ClaimID); err != nil || c.Status != syncproto.ClaimAcknowledged {
		t.Fatalf("acknowledge: %v", err)
	}
	if c, err = sup.DecideClaim(ctx, c.ClaimID, &syncproto.ClaimDecide{AcceptRecommendation: true}); err != nil || c.Status != syncproto.ClaimDecided {
		t.Fatalf("decide: %v", err)
	}
	if cs, err := disp.AllClaims(ctx, nil); err != nil || len(cs) != 1 {
		t.Fatalf("claims: %d %v", len(cs), err)
	}

	month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
	in, err := sup.OpenInspection(ctx, &syncproto.NewInspection{Month: month})
	if client.StatusOf(err) == 422 {
		t.Logf("no inspection this month: %v", err) // a sample needs records of the month
	} else if err != nil {
		t.Fatalf("open inspection: %v", err)
	} else if got, err := sup.Inspection(ctx, in.InspectionID); err != nil || got.Month != in.Month {
		t.Fatalf("read inspection: %v", err)
	}
	if _, err := sup.Inspections(ctx, nil); err != nil {
		t.Fatalf("inspections: %v", err)
	}
	if _, err := sup.CorrectiveActions(ctx, url.Values{"status": {syncproto.ActionOpen}}); err != nil {
		t.Fatalf("corrective actions: %v", err)
	}

	for name, call := range map[string]func() error{
		"balances":      func() error { _, err := disp.CODBalances(ctx, nil); return err },
		"discrepancies": func() error { _, err := disp.AllCODDiscrepancies(ctx, nil); return err },
		"hand-overs":    func() error { _, err := disp.Handovers(ctx, nil); return err },
		"damage":        func() error { _, err := disp.DamageReports(ctx, nil); return err },
		"users":         func() error { _, err := root.Users(ctx, nil); return err },
		"sessions":      func() error { _, err := root.UserSessions(ctx, li.UserID(), nil); return err },
		"purge dry run": func() error { _, err := root.Purge(ctx, true); return err },
		"feed":          func() error { _, err := li.Pull(ctx, "", 10); return err },
	} {
		if err := call(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	var backup bytes.Buffer
	if n, err := root.Backup(ctx, &backup); err != nil || n == 0 || int64(backup.Len()) != n {
		t.Fatalf("backup: %d bytes, %v", n, err)
	}
	if _, err := disp.Backup(ctx, &backup); client.StatusOf(err) != 403 {
		t.Fatalf("a dispatcher's backup: %v", err)
	}
	name := "Li Na"
	if u, err := root.PatchUser(ctx, li.UserID(), &syncproto.UserPatch{DisplayName: &name}); err != nil || u.DisplayName != name {
		t.Fatalf("patch user: %v", err)
	}
	if err := root.SetPassword(ctx, li.UserID(), &syncproto.PasswordRequest{Password: "another-password-1"}); err != nil {
		t.Fatalf("set password: %v", err)
	}
	if _, err := li.Pull(ctx, "", 1); client.StatusOf(err) != 401 {
		t.Fatalf("a session ended by a new password: %v", err)
	}
}
