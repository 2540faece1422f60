package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The six callers of the authorization matrix: the courier who owns the
// records, another courier, a dispatcher, a supervisor, an admin, and a
// caller with no token.
const (
	asOwner = iota
	asOther
	asDispatcher
	asSupervisor
	asAdmin
	asAnonymous
	callers
)

var callerNames = [callers]string{"courier", "another courier", "dispatcher", "supervisor", "admin", "anonymous"}

// okOrPending stands for 200, or 202 while a photo's display copy is
// still being made (the answer depends on the pipeline's timing, not on
// who asks).
const okOrPending = 2002

// authzWorld is a server with one of each caller and records for them to
// reach: every request of the matrix succeeds for the callers allowed.
type authzWorld struct {
	h        *harness
	s        [callers]*session // nil for anonymous
	refresh  [callers]*session // spare sessions to refresh
	logout   [callers]*session // spare sessions to log out
	per      map[string][callers]string
	blob     string // the owner's photo
	newBlobs [callers][]byte
	patches  [callers][]byte
	taskID   string // open, assigned to the owner
	waybill  string // the owner's picked-up parcel
	spare    string // an account whose password and sessions the admin rows change
	spareSID string // a session of spare
}

func pngBytes(tb testing.TB, shade uint8) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(0, 0, color.RGBA{R: shade, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newAuthzWorld(t *testing.T) *authzWorld {
	h := newHarness(t)
	w := &authzWorld{h: h, per: map[string][callers]string{}}
	names := [callers]string{"owner", "other", "disp", "sup", "root"}
	roles := [callers]string{syncproto.RoleCourier, syncproto.RoleCourier, syncproto.RoleDispatcher, syncproto.RoleSupervisor, syncproto.RoleAdmin}
	for i := 0; i < asAnonymous; i++ {
		w.s[i] = h.user(t, names[i], roles[i])
		w.refresh[i] = h.login(t, names[i], "refresh-"+names[i])
		w.logout[i] = h.login(t, names[i], "logout-"+names[i])
	}
	owner := w.s[asOwner]
	ctx := context.Background()
	disp := server.Principal{UserID: w.s[asDispatcher].userID, Role: syncproto.RoleDispatcher}

	// The owner's photo, a waybill, COD receipts for each custody step,
	// a complaint, a van with two failed inspection items.
	photo := pngBytes(t, 10)
	w.blob = sum(photo)
	h.do(t, "PUT", "/v1/blobs/"+w.blob, owner.access, photo).decode(t, 201, nil)
	wb := waybill()
	ops := []syncproto.Op{owner.op("pickup", pickup(wb)), owner.op("damage_report", with(damageReport(wb), "photos", []string{w.blob})),
		owner.op("complaint", complaint(h.clock.Now())),
		owner.op("vehicle_log", map[string]any{"vehicle_id": "AUTHZ-VAN", "type": "inspection", "odometer_km": 100,
			"items": []map[string]any{{"item": "brakes", "ok": false}, {"item": "horn", "ok": false}}})}
	var handOver, settle, reverse, complaints, vehicles, defects, tasks, users [callers]string
	for _, i := range []int{asDispatcher, asSupervisor, asAdmin} {
		n := callerNames[i][:3]
		handOver[i], settle[i], reverse[i] = "AZH-"+n, "AZS-"+n, "AZR-"+n
		for _, no := range []string{handOver[i], settle[i], reverse[i]} {
			ops = append(ops, owner.op("cod_receipt", codReceipt(waybill(), no, 1000)))
		}
		vehicles[i] = "AZ-NEW-" + n
		users[i] = "authz-new-" + n
	}
	for _, r := range owner.pushOK(t, ops...) {
		applied(t, r)
	}
	for i, d := range map[int]string{asSupervisor: "df-1", asAdmin: "df-2"} {
		defects[i] = d
	}
	for _, i := range []int{asDispatcher, asSupervisor, asAdmin} {
		c, err := h.db.CreateComplaint(ctx, disp, &server.NewComplaint{Category: "delay", Description: "late", Channel: "phone",
			Customer: syncproto.Customer{Name: "Li Na", Phone: "13912345678"}, ReceivedAt: h.clock.Now().Format("2006-01-02T15:04:05Z07:00")})
		if err != nil {
			t.Fatal(err)
		}
		complaints[i] = c.ComplaintID
		if i != asDispatcher {
			if _, err := h.db.HandOver(ctx, disp, &server.HandoverRequest{CourierID: owner.userID, ReceiptNos: []string{settle[i]}, CountedCents: new(int64)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	task := func() string {
		tk, err := h.db.CreateCallback(ctx, disp, &server.NewCallback{CourierID: owner.userID, Waybill: wb, Reason: "call back",
			Customer: syncproto.Customer{Name: "Li Na", Phone: "13912345678"}})
		if err != nil {
			t.Fatal(err)
		}
		return tk.TaskID
	}
	w.taskID = task()
	w.addClaimsAndInspections(t, wb)
	w.waybill = wb
	for _, i := range []int{asDispatcher, asSupervisor, asAdmin} {
		tasks[i] = task()
	}
	for i := 0; i < callers; i++ {
		w.newBlobs[i] = pngBytes(t, uint8(100+i))
		w.patches[i] = pngBytes(t, uint8(200+i))
	}
	w.spare = h.createUser(t, "authz-spare", syncproto.RoleCourier)
	h.login(t, "authz-spare", "spare-device")
	sl, err := h.db.UserSessions(ctx, w.spare, "", 1)
	if err != nil || len(sl.Sessions) != 1 {
		t.Fatalf("spare sessions: %v %+v", err, sl)
	}
	w.spareSID = sl.Sessions[0].SessionID
	w.per["handover"], w.per["settle"], w.per["reverse"] = handOver, settle, reverse
	w.per["complaint"], w.per["vehicle"], w.per["defect"], w.per["task"], w.per["user"] = complaints, vehicles, defects, tasks, users
	return w
}

// authzReq is one request of the matrix.
type authzReq struct {
	path  string
	body  any
	token string // "" → the caller's own
	hdr   []string
}

type authzRow struct {
	method, route string
	req           func(w *authzWorld, who int) authzReq
	want          [callers]int // owner, other courier, dispatcher, supervisor, admin, anonymous
}

// fixed is a request to a path with no body.
func fixed(path string) func(*authzWorld, int) authzReq {
	return func(*authzWorld, int) authzReq { return authzReq{path: path} }
}

func post(path string, body any) func(*authzWorld, int) authzReq {
	return func(*authzWorld, int) authzReq { return authzReq{path: path, body: body} }
}

var (
	everyone   = [callers]int{200, 200, 200, 200, 200, 200}
	signedIn   = [callers]int{200, 200, 200, 200, 200, 401}
	dispPlus   = [callers]int{403, 403, 200, 200, 200, 401}
	dispPlus1  = [callers]int{403, 403, 201, 201, 201, 401}
	supPlus    = [callers]int{403, 403, 403, 200, 200, 401}
	supPlus1   = [callers]int{403, 403, 403, 201, 201, 401}
	adminOnly  = [callers]int{403, 403, 403, 403, 200, 401}
	vanPath    = "/v1/vehicles/" + url.PathEscape("AUTHZ-VAN")
	authzTable = []authzRow{
		// Public.
		{"GET", "/healthz", fixed("/healthz"), everyone},
		{"GET", "/readyz", fixed("/readyz"), everyone},
		{"GET", "/metrics", fixed("/metrics"), everyone},
		{"GET", "/v1/openapi.json", fixed("/v1/openapi.json"), everyone},
		{"GET", "/console/:file?", fixed("/console/app.js"), everyone},
		{"GET", "/console/screens/:file", fixed("/console/screens/today.js"), everyone},
		{"GET", "/docs", fixed("/docs"), everyone},
		{"GET", "/docs/:page", fixed("/docs/protocol"), everyone},
		{"POST", "/v1/auth/login", func(w *authzWorld, who int) authzReq {
			if who == asAnonymous {
				return authzReq{path: "/v1/auth/login", body: syncproto.LoginRequest{Username: "owner", Password: "wrong-password", DeviceID: "d"}}
			}
			return authzReq{path: "/v1/auth/login", body: syncproto.LoginRequest{Username: w.s[who].username, Password: password, DeviceID: "again-" + w.s[who].username}}
		}, [callers]int{200, 200, 200, 200, 200, 401}},
		{"POST", "/v1/auth/refresh", func(w *authzWorld, who int) authzReq {
			if who == asAnonymous {
				return authzReq{path: "/v1/auth/refresh", body: syncproto.RefreshRequest{RefreshToken: "not-a-token"}}
			}
			return authzReq{path: "/v1/auth/refresh", body: syncproto.RefreshRequest{RefreshToken: w.refresh[who].refresh}}
		}, [callers]int{200, 200, 200, 200, 200, 401}},

		// Sessions and sync.
		{"POST", "/v1/auth/logout", func(w *authzWorld, who int) authzReq {
			r := authzReq{path: "/v1/auth/logout"}
			if who != asAnonymous {
				r.token = w.logout[who].access
			}
			return r
		}, [callers]int{204, 204, 204, 204, 204, 401}},
		{"POST", "/v1/sync/push", func(w *authzWorld, who int) authzReq {
			s := w.s[who]
			if s == nil {
				s = w.s[asOwner]
			}
			return authzReq{path: "/v1/sync/push", body: pushBody{DeviceID: s.device, Ops: []syncproto.Op{s.op("pickup", pickup(waybill()))}}}
		}, [callers]int{200, 200, 403, 403, 403, 401}},
		{"GET", "/v1/sync/pull", fixed("/v1/sync/pull"), signedIn},
		{"PUT", "/v1/devices/self/push-token", post("/v1/devices/self/push-token", syncproto.PushTokenRequest{FCMToken: "fcm-token-for-the-matrix"}),
			[callers]int{204, 204, 204, 204, 204, 401}},

		// Admin and audit.
		{"POST", "/v1/admin/users", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/admin/users", body: syncproto.CreateUserRequest{Username: "authz-user-" + strconv.Itoa(who), Password: password, Role: syncproto.RoleCourier}}
		}, [callers]int{403, 403, 403, 403, 201, 401}},
		{"GET", "/v1/admin/users", fixed("/v1/admin/users"), adminOnly},
		{"GET", "/v1/admin/backup", fixed("/v1/admin/backup"), adminOnly},
		{"DELETE", "/v1/admin/devices/:device_id", fixed("/v1/admin/devices/some-handheld"), [callers]int{403, 403, 403, 403, 204, 401}},
		{"POST", "/v1/admin/purge", fixed("/v1/admin/purge?dry_run=true"), adminOnly},
		{"GET", "/v1/audit/ops", fixed("/v1/audit/ops"), supPlus},
		{"GET", "/v1/audit/events", fixed("/v1/audit/events"), supPlus},
		{"GET", "/v1/damage-reports", fixed("/v1/damage-reports"), dispPlus},

		// People.
		{"GET", "/v1/couriers", fixed("/v1/couriers?active=true"), dispPlus},
		{"GET", "/v1/parcels/:waybill", func(w *authzWorld, _ int) authzReq { return authzReq{path: "/v1/parcels/" + w.waybill} }, dispPlus},
		{"PATCH", "/v1/admin/users/:user_id", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: "/v1/admin/users/" + w.s[asOther].userID, body: map[string]any{"display_name": "Other courier"}}
		}, adminOnly},
		{"GET", "/v1/admin/settings", fixed("/v1/admin/settings"), adminOnly},
		{"GET", "/v1/admin/users/:user_id/sessions", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: "/v1/admin/users/" + w.s[asOwner].userID + "/sessions"}
		}, adminOnly},
		{"DELETE", "/v1/admin/users/:user_id/sessions/:session_id", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: "/v1/admin/users/" + w.spare + "/sessions/" + w.spareSID}
		}, [callers]int{403, 403, 403, 403, 204, 401}},
		{"POST", "/v1/admin/users/:user_id/password", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: "/v1/admin/users/" + w.spare + "/password", body: map[string]any{"password": "spare-password"}}
		}, [callers]int{403, 403, 403, 403, 204, 401}},

		// Photos: anyone signed in uploads; couriers read only their own.
		{"PUT", "/v1/blobs/:sha256", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/blobs/" + sum(w.newBlobs[who]), body: w.newBlobs[who]}
		}, [callers]int{201, 201, 201, 201, 201, 401}},
		{"PATCH", "/v1/blobs/:sha256", func(w *authzWorld, who int) authzReq {
			b := w.patches[who]
			return authzReq{path: "/v1/blobs/" + sum(b), body: b, hdr: []string{"Content-Type", "application/offset+octet-stream",
				"Upload-Offset", "0", "Upload-Length", strconv.Itoa(len(b))}}
		}, [callers]int{201, 201, 201, 201, 201, 401}},
		// HEAD is scoped like the reads: another courier learns nothing.
		{"HEAD", "/v1/blobs/:sha256", func(w *authzWorld, _ int) authzReq { return authzReq{path: "/v1/blobs/" + w.blob} },
			[callers]int{200, 404, 200, 200, 200, 401}},
		{"GET", "/v1/blobs/:sha256", func(w *authzWorld, _ int) authzReq { return authzReq{path: "/v1/blobs/" + w.blob} },
			[callers]int{okOrPending, 404, okOrPending, okOrPending, okOrPending, 401}},
		{"GET", "/v1/blobs/:sha256/thumb", func(w *authzWorld, _ int) authzReq { return authzReq{path: "/v1/blobs/" + w.blob + "/thumb"} },
			[callers]int{okOrPending, 404, okOrPending, okOrPending, okOrPending, 401}},
		{"GET", "/v1/blobs/:sha256/original", func(w *authzWorld, _ int) authzReq { return authzReq{path: "/v1/blobs/" + w.blob + "/original"} },
			[callers]int{200, 404, 403, 200, 200, 401}},

		// tus uploads: anyone signed in; an upload is its creator's alone.
		{"OPTIONS", "/v1/uploads", fixed("/v1/uploads"), [callers]int{204, 204, 204, 204, 204, 401}},
		{"POST", "/v1/uploads", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: "/v1/uploads", hdr: tusCreateHeaders(sum([]byte("authz-tus")), 100)}
		}, [callers]int{201, 201, 201, 201, 201, 401}},
		{"HEAD", "/v1/uploads/:id", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: w.tusUpload(asOwner), hdr: []string{"Tus-Resumable", "1.0.0"}}
		}, [callers]int{200, 404, 404, 404, 404, 401}},
		{"PATCH", "/v1/uploads/:id", func(w *authzWorld, who int) authzReq {
			return authzReq{path: w.tusUpload(who), body: []byte("0123456789"), hdr: []string{"Tus-Resumable", "1.0.0",
				"Content-Type", "application/offset+octet-stream", "Upload-Offset", "0"}}
		}, [callers]int{204, 204, 204, 204, 204, 401}},
		{"DELETE", "/v1/uploads/:id", func(w *authzWorld, who int) authzReq {
			return authzReq{path: w.tusUpload(who), hdr: []string{"Tus-Resumable", "1.0.0"}}
		}, [callers]int{204, 204, 204, 204, 204, 401}},

		// Callbacks.
		{"POST", "/v1/callbacks", func(w *authzWorld, _ int) authzReq {
			return authzReq{path: "/v1/callbacks", body: map[string]any{"courier_id": w.s[asOwner].userID, "waybill": waybill(), "reason": "check",
				"customer": map[string]any{"name": "Li Na", "phone": "13912345678"}}}
		}, dispPlus1},
		{"GET", "/v1/callbacks", fixed("/v1/callbacks"), dispPlus},
		{"GET", "/v1/callbacks/:id", func(w *authzWorld, _ int) authzReq { return authzReq{path: "/v1/callbacks/" + w.taskID} }, dispPlus},
		{"PATCH", "/v1/callbacks/:id", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/callbacks/" + w.mine("task", who), body: map[string]any{"version": 1, "status": "cancelled"}}
		}, dispPlus},
		{"POST", "/v1/callbacks/:id/contact", func(w *authzWorld, _ int) authzReq { return authzReq{path: "/v1/callbacks/" + w.taskID + "/contact"} },
			[callers]int{200, 404, 403, 403, 403, 401}},

		// Complaints.
		{"POST", "/v1/complaints", post("/v1/complaints", map[string]any{"category": "attitude", "description": "rude", "channel": "web",
			"customer": map[string]any{"name": "Li Na", "phone": "13912345678"}, "received_at": "2026-01-05T10:00:00+08:00"}), dispPlus1},
		{"GET", "/v1/complaints", fixed("/v1/complaints?overdue=true"), dispPlus},
		{"GET", "/v1/complaints/:id", fixed("/v1/complaints/cp-1"), dispPlus},
		{"POST", "/v1/complaints/:id/transition", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/complaints/" + w.mine("complaint", who) + "/transition", body: map[string]any{"to": "verified", "note": "checked"}}
		}, dispPlus},

		// COD ledger.
		{"GET", "/v1/cod/ledger", fixed("/v1/cod/ledger?overdue=true"), dispPlus},
		{"GET", "/v1/cod/balances", fixed("/v1/cod/balances"), dispPlus},
		{"GET", "/v1/cod/discrepancies", fixed("/v1/cod/discrepancies"), dispPlus},
		{"GET", "/v1/cod/handovers", fixed("/v1/cod/handovers?courier_id=u1"), dispPlus},
		{"POST", "/v1/cod/handovers", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/cod/handovers", body: map[string]any{"courier_id": w.s[asOwner].userID,
				"receipt_nos": []string{w.mine("handover", who)}, "counted_cents": 1000}}
		}, dispPlus1},
		{"POST", "/v1/cod/settlements", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/cod/settlements", body: map[string]any{"receipt_nos": []string{w.mine("settle", who)}, "reference": "BANK-1"}}
		}, supPlus1},
		{"POST", "/v1/cod/reversals", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/cod/reversals", body: map[string]any{"receipt_no": w.mine("reverse", who), "reason": "test"}}
		}, supPlus1},

		// Vehicles and the report.
		{"POST", "/v1/vehicles", func(w *authzWorld, who int) authzReq {
			return authzReq{path: "/v1/vehicles", body: map[string]any{"vehicle_id": w.mine("vehicle", who), "kind": "van",
				"service_interval_km": 10000, "service_interval_days": 180}}
		}, supPlus1},
		{"GET", "/v1/vehicles", fixed("/v1/vehicles?attention=true"), supPlus},
		{"GET", "/v1/vehicles/:vehicle_id", fixed(vanPath), supPlus},
		{"GET", "/v1/vehicles/:vehicle_id/logs", fixed(vanPath + "/logs"), supPlus},
		{"GET", "/v1/vehicles/:vehicle_id/defects", fixed(vanPath + "/defects"), supPlus},
		{"POST", "/v1/vehicles/:vehicle_id/defects/:defect_id/certify", func(w *authzWorld, who int) authzReq {
			return authzReq{path: vanPath + "/defects/" + w.mine("defect", who) + "/certify", body: map[string]any{"resolution": "repaired", "note": "fixed"}}
		}, supPlus},
		{"GET", "/v1/reports/quality", fixed("/v1/reports/quality"), supPlus},

		// Free text in the clear, audited.
		{"POST", "/v1/complaints/:id/text", fixed("/v1/complaints/cp-1/text"), dispPlus},
		{"POST", "/v1/callbacks/:id/text", func(w *authzWorld, _ int) authzReq { return authzReq{path: "/v1/callbacks/" + w.taskID + "/text"} }, dispPlus},
		{"POST", "/v1/damage-reports/:id/text", fixed("/v1/damage-reports/dr-1/text"), dispPlus},
	}
)

// tusCreateHeaders are the headers of a tus creation of size bytes named digest.
func tusCreateHeaders(digest string, size int) []string {
	return []string{"Tus-Resumable", "1.0.0", "Upload-Length", strconv.Itoa(size),
		"Upload-Metadata", "sha256 " + base64.StdEncoding.EncodeToString([]byte(digest))}
}

// tusUpload returns the path of the caller's own tus upload (the owner's
// for the anonymous caller), made on first use.
func (w *authzWorld) tusUpload(who int) string {
	if who == asAnonymous {
		who = asOwner
	}
	ids := w.per["tus"]
	if ids[who] == "" {
		r, err := w.h.send("POST", "/v1/uploads", w.s[who].access, nil, tusCreateHeaders(sum([]byte{byte(who)}), 1000)...)
		if err != nil || r.status != 201 {
			panic(fmt.Sprintf("tus create: %v %s", err, r))
		}
		loc := r.header.Get("Location")
		ids[who] = loc[strings.Index(loc, "/v1/uploads/"):]
		w.per["tus"] = ids
	}
	return ids[who]
}

// mine returns the caller's own record of a kind (each allowed caller
// changes a different one), or any one for a caller who will be refused
// before it matters, so every path is well formed.
func (w *authzWorld) mine(kind string, who int) string {
	ids := w.per[kind]
	if ids[who] != "" {
		return ids[who]
	}
	for _, id := range ids {
		if id != "" {
			return id
		}
	}
	return "none"
}

// TestAuthorizationMatrix sends every route of the router as each of the
// six callers and checks the status. A route without a row fails the test,
// so a new route cannot ship without deciding who may use it. The HEAD
// routes fiber adds for GET routes take their GET row.
func TestAuthorizationMatrix(t *testing.T) {
	w := newAuthzWorld(t)
	var rows []authzRow // table order: requests that change state run in a known order
	have := map[string]bool{}
	for _, r := range authzTable {
		have[r.method+" "+r.route] = true
	}
	for _, r := range authzTable {
		rows = append(rows, r)
		if r.method == "GET" && !have["HEAD "+r.route] {
			head := r
			head.method = "HEAD"
			rows = append(rows, head)
		}
	}
	routes := map[string]bool{}
	for _, rt := range w.h.app.GetRoutes(true) {
		routes[rt.Method+" "+rt.Path] = true
	}
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.method+" "+r.route] = true
		if !routes[r.method+" "+r.route] {
			t.Errorf("matrix row %s %s names no route of the router", r.method, r.route)
		}
	}
	for key := range routes {
		if !covered[key] {
			t.Errorf("route %s has no row in the authorization matrix: add one saying which callers may use it", key)
		}
	}
	for _, r := range rows {
		for who := 0; who < callers; who++ {
			want := r.want[who]
			name := fmt.Sprintf("%s %s as %s is %d", r.method, r.route, callerNames[who], want)
			if want == okOrPending {
				name = fmt.Sprintf("%s %s as %s is 200 or 202", r.method, r.route, callerNames[who])
			}
			t.Run(name, func(t *testing.T) {
				req := r.req(w, who)
				token := req.token
				if token == "" && w.s[who] != nil {
					token = w.s[who].access
				}
				if who == asAnonymous {
					token = ""
				}
				got := w.h.do(t, r.method, req.path, token, req.body, req.hdr...)
				if got.status != want && !(want == okOrPending && (got.status == 200 || got.status == 202)) {
					t.Fatalf("status %d, want %d; body: %s", got.status, want, strings.TrimSpace(string(got.body)))
				}
			})
		}
	}
}
