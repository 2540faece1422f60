package httpapi

import (
	"sort"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// queryParams lists the query parameters each route takes, by "METHOD
// pattern" (HEAD routes take their GET's). Any other parameter is a 400
// naming it: a misspelt filter (?waybil=) must never silently return
// everything. A route missing here takes none. The OpenAPI document lists
// the same parameters (a test compares them).
var queryParams = map[string][]string{
	"GET /v1/sync/pull":                      {"cursor", "limit"},
	"GET /v1/admin/users":                    {"cursor", "limit"},
	"POST /v1/admin/purge":                   {"dry_run"},
	"GET /v1/audit/ops":                      {"device_id", "cursor", "limit"},
	"GET /v1/audit/events":                   {"actor", "action", "cursor", "limit"},
	"GET /v1/damage-reports":                 {"waybill", "courier_id", "cursor", "limit"},
	"GET /v1/callbacks":                      {"status", "courier_id", "due_before", "overdue", "review", "waybill", "cursor", "limit"},
	"GET /v1/complaints":                     {"status", "courier_id", "overdue", "at_risk", "waybill", "cursor", "limit"},
	"GET /v1/cod/ledger":                     {"courier_id", "status", "overdue", "from", "to", "waybill", "cursor", "limit"},
	"GET /v1/cod/balances":                   {"courier_id", "cursor", "limit"},
	"GET /v1/cod/discrepancies":              {"courier_id", "cursor", "limit"},
	"GET /v1/cod/handovers":                  {"courier_id", "from", "to", "cursor", "limit"},
	"GET /v1/vehicles":                       {"attention", "cursor", "limit"},
	"GET /v1/vehicles/:vehicle_id/logs":      {"cursor", "limit"},
	"GET /v1/vehicles/:vehicle_id/defects":   {"cursor", "limit"},
	"GET /v1/reports/quality":                {"month", "format"},
	"GET /v1/couriers":                       {"active", "cursor", "limit"},
	"GET /v1/admin/users/:user_id/sessions":  {"cursor", "limit"},
	"GET /v1/claims":                         {"status", "overdue", "waybill", "cursor", "limit"},
	"GET /v1/inspections":                    {"cursor", "limit"},
	"GET /v1/inspections/corrective-actions": {"status", "overdue", "cursor", "limit"},
}

// routeTable finds the pattern of a request path among the registered
// routes: static segments win over parameters.
type routeTable map[string][][]string // method → patterns split in segments

func newRouteTable(routes []fiber.Route) routeTable {
	t := routeTable{}
	for _, r := range routes {
		if strings.HasPrefix(r.Path, "/") {
			t[r.Method] = append(t[r.Method], strings.Split(r.Path, "/"))
		}
	}
	return t
}

// pattern returns the route pattern path matches, or "".
func (t routeTable) pattern(method, path string) string {
	segs := strings.Split(path, "/")
	best, bestStatic := "", -1
	for _, p := range t[method] {
		if len(p) != len(segs) {
			continue
		}
		static, ok := 0, true
		for i, s := range p {
			switch {
			case strings.HasPrefix(s, ":"):
			case s == segs[i]:
				static++
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && static > bestStatic {
			best, bestStatic = strings.Join(p, "/"), static
		}
	}
	return best
}

// checkQuery refuses a query parameter the matched route does not take. A
// path no route matches is left to the router (404).
func (h *handler) checkQuery(c *fiber.Ctx) error {
	args := c.Context().QueryArgs()
	if args.Len() == 0 {
		return c.Next()
	}
	method := c.Method()
	if method == fiber.MethodHead && h.routes.pattern(fiber.MethodGet, c.Path()) != "" {
		method = fiber.MethodGet // fiber's automatic HEAD of a GET route
	}
	p := h.routes.pattern(method, c.Path())
	if p == "" {
		return c.Next()
	}
	allowed := queryParams[method+" "+p]
	var unknown []string
	args.VisitAll(func(k, _ []byte) {
		name := string(k)
		for _, n := range allowed {
			if n == name {
				return
			}
		}
		unknown = append(unknown, name)
	})
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return server.Invalid("unknown query parameter: " + strings.Join(quoteAll(unknown), ", "))
	}
	return c.Next()
}

// quoteAll quotes names for an error message, each cut to 40 bytes.
func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if len(n) > 40 {
			n = n[:40] + "…"
		}
		out[i] = `"` + n + `"`
	}
	return out
}

// queryBool reads an optional boolean ?name=: true/false or 1/0 (absent:
// false). Every boolean query parameter of the API goes through it.
func queryBool(c *fiber.Ctx, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, server.Invalid(name + ": true, false, 1 or 0")
}

// timeQuery reads an optional RFC 3339 time ?name=.
func timeQuery(c *fiber.Ctx, name string) (time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, ok := syncproto.ParseOpTime(s)
	if !ok {
		return time.Time{}, server.Invalid(name + ": an RFC 3339 time with offset")
	}
	return t, nil
}
