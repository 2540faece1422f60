package httpapi

import (
	"sort"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// allowQuery refuses a query parameter the route does not name: a
// misspelt filter (?waybil=) must not silently return everything.
func allowQuery(c *fiber.Ctx, names ...string) error {
	var unknown []string
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		name := string(k)
		for _, n := range names {
			if n == name {
				return
			}
		}
		unknown = append(unknown, name)
	})
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return server.Invalid("unknown query parameter: " + strings.Join(quoteAll(unknown), ", "))
}

// quoteAll quotes names for an error message, each cut to 40 bytes: a
// parameter name is the client's text, not personal data, but bounded.
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
