package httpapi_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/assets"
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/httpapi"
	"github.com/courier-sync/courier-sync/syncproto"
)

// TestEveryRouteRefusesAnUnknownQueryParameter sends each route of the
// authorization matrix (which covers every route of the router) as a
// caller it admits, with a parameter no route takes: each answers 400
// naming it, and nothing is done.
func TestEveryRouteRefusesAnUnknownQueryParameter(t *testing.T) {
	w := newAuthzWorld(t)
	for _, r := range authzTable {
		who := -1
		for i, st := range r.want {
			if st >= 200 && st < 300 || st == okOrPending {
				who = i
				break
			}
		}
		if who < 0 {
			t.Errorf("%s %s: no caller may use it", r.method, r.route)
			continue
		}
		t.Run(fmt.Sprintf("%s %s with ?zz_bogus is 400", r.method, r.route), func(t *testing.T) {
			req := r.req(w, who)
			token := req.token
			if token == "" && w.s[who] != nil {
				token = w.s[who].access
			}
			sep := "?"
			if strings.Contains(req.path, "?") {
				sep = "&"
			}
			got := w.h.do(t, r.method, req.path+sep+"zz_bogus=1", token, req.body, req.hdr...)
			if got.status != 400 {
				t.Fatalf("status %d, want 400; body %s", got.status, got.body)
			}
			if r.method != "HEAD" {
				got.wantError(t, 400, syncproto.CodeInvalidRequest)
				if !strings.Contains(string(got.body), "zz_bogus") {
					t.Fatalf("the error does not name the parameter: %s", got.body)
				}
			}
		})
	}
	t.Run("an unknown path with a query is still 404", func(t *testing.T) {
		w.h.do(t, "GET", "/v1/nowhere?x=1", w.s[asAdmin].access, nil).wantError(t, 404, syncproto.CodeNotFound)
	})
}

// TestQueryParametersMatchTheOpenAPIDocument checks that every route takes
// exactly the query parameters the OpenAPI document lists for it.
func TestQueryParametersMatchTheOpenAPIDocument(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]oaParam `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(assets.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	for _, r := range h.app.GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "CONNECT" || r.Method == "TRACE" || !strings.HasPrefix(r.Path, "/") {
			continue
		}
		var op struct {
			Parameters []oaParam `json:"parameters"`
		}
		raw := doc.Paths[openAPIPathOf(r.Path)][strings.ToLower(r.Method)]
		if raw == nil {
			continue // the assets test reports undocumented routes
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatal(err)
		}
		var documented []string
		for _, p := range op.Parameters {
			if p.Ref != "" {
				p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			if p.In == "query" {
				documented = append(documented, p.Name)
			}
		}
		served := httpapi.QueryParamsOf(r.Method + " " + r.Path)
		sort.Strings(documented)
		if strings.Join(documented, ",") != strings.Join(served, ",") {
			t.Errorf("%s %s takes query parameters [%s], the OpenAPI document lists [%s]", r.Method, r.Path,
				strings.Join(served, ","), strings.Join(documented, ","))
		}
	}
}

type oaParam struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

func openAPIPathOf(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			segs[i] = "{" + name + "}"
		}
	}
	return strings.Join(segs, "/")
}

func TestWaybillFiltersKeepOneParcel(t *testing.T) {
	h := newHarness(t)
	wang := h.courier(t, "wang")
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	a, b := waybill(), waybill()
	for i, wb := range []string{a, b} {
		for _, r := range wang.pushOK(t, wang.op("pickup", pickup(wb)), wang.op("cod_receipt", codReceipt(wb, fmt.Sprintf("WF-%d", i), 1000+i)),
			wang.op("complaint", with(complaint(h.clock.Now()), "waybill", wb))) {
			applied(t, r)
		}
		h.do(t, "POST", "/v1/callbacks", disp.access, map[string]any{"courier_id": wang.userID, "waybill": wb, "reason": "x",
			"customer": map[string]any{"name": "Li Na", "phone": "13912345678"}}).decode(t, 201, nil)
	}
	t.Run("complaints", func(t *testing.T) {
		var l server.ComplaintList
		h.do(t, "GET", "/v1/complaints?waybill="+a, disp.access, nil).decode(t, 200, &l)
		if len(l.Complaints) != 1 || l.Complaints[0].Waybill != a {
			t.Fatalf("complaints = %s", show(l))
		}
	})
	t.Run("callbacks", func(t *testing.T) {
		var l server.CallbackList
		h.do(t, "GET", "/v1/callbacks?waybill="+b, disp.access, nil).decode(t, 200, &l)
		if len(l.Callbacks) != 1 || l.Callbacks[0].Waybill != b {
			t.Fatalf("callbacks = %s", show(l))
		}
	})
	t.Run("the COD ledger, with totals of the parcel only", func(t *testing.T) {
		var l server.LedgerPage
		h.do(t, "GET", "/v1/cod/ledger?waybill="+b, disp.access, nil).decode(t, 200, &l)
		if len(l.Entries) != 1 || l.Entries[0].Waybill != b || l.Totals.CollectedCents != 1001 || l.Totals.InHandCents != 1001 {
			t.Fatalf("ledger = %s", show(l))
		}
		h.do(t, "GET", "/v1/cod/ledger?waybill="+b+"&status=settled", disp.access, nil).decode(t, 200, &l)
		if len(l.Entries) != 0 || l.Totals.CollectedCents != 0 {
			t.Fatalf("settled ledger = %s", show(l))
		}
	})
	t.Run("a waybill nothing names lists nothing", func(t *testing.T) {
		var l server.LedgerPage
		h.do(t, "GET", "/v1/cod/ledger?waybill=NOTHING-HERE", disp.access, nil).decode(t, 200, &l)
		if len(l.Entries) != 0 {
			t.Fatalf("ledger = %s", show(l))
		}
	})
	t.Run("overdue=1 works on complaints as on callbacks", func(t *testing.T) {
		h.clock.Advance(14 * time.Minute)
		h.do(t, "GET", "/v1/complaints?overdue=1", disp.access, nil).decode(t, 200, nil)
		h.do(t, "GET", "/v1/callbacks?overdue=1", disp.access, nil).decode(t, 200, nil)
		h.do(t, "GET", "/v1/complaints?overdue=yes", disp.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
	})
}

// Every boolean query parameter of the API reads the same values: true or
// 1, false, 0 or absent; anything else is 400 naming the parameter (issue
// 10 item 5: ?overdue=1 worked on callbacks and was a 400 on complaints).
func TestEveryBooleanQueryParameterReadsTheSameValues(t *testing.T) {
	h := newHarness(t)
	admin := h.user(t, "root", syncproto.RoleAdmin)
	routes := map[string][]string{
		"/v1/callbacks":                      {"overdue", "review"},
		"/v1/complaints":                     {"overdue", "at_risk"},
		"/v1/cod/ledger":                     {"overdue"},
		"/v1/claims":                         {"overdue"},
		"/v1/inspections/corrective-actions": {"overdue"},
		"/v1/vehicles":                       {"attention"},
		"/v1/couriers":                       {"active"},
	}
	for path, params := range routes {
		for _, p := range params {
			for _, v := range []string{"true", "1", "false", "0"} {
				r := h.do(t, "GET", path+"?"+p+"="+v, admin.access, nil)
				if r.status != 200 {
					t.Errorf("GET %s?%s=%s: %d %s", path, p, v, r.status, r.body)
				}
			}
			for _, v := range []string{"yes", "TRUE", "on", "2"} {
				r := h.do(t, "GET", path+"?"+p+"="+v, admin.access, nil)
				if err := r.checkError(400, syncproto.CodeInvalidRequest); err != nil || !strings.Contains(string(r.body), p) {
					t.Errorf("GET %s?%s=%s: %v; body %s", path, p, v, err, r.body)
				}
			}
		}
	}
}
