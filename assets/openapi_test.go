package assets_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/assets"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/gofiber/fiber/v2"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true,
}

// TestOpenAPIListsEveryRoute builds the real server and checks that the
// embedded OpenAPI document has an operation for every route it registers,
// and no operation for a route it does not serve, so the document cannot
// silently fall behind the router.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(assets.OpenAPI, &doc); err != nil {
		t.Fatalf("assets/openapi.json is not valid JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) == 0 {
		t.Fatalf("assets/openapi.json: openapi %q with %d paths, want an OpenAPI 3 document with paths", doc.OpenAPI, len(doc.Paths))
	}

	s, err := stack.Open(context.Background(), stack.Config{DataDir: t.TempDir(), BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})

	routes := s.App.GetRoutes(true) // without middleware (Use) entries
	gets := map[string][]fiber.Handler{}
	for _, r := range routes {
		if r.Method == fiber.MethodGet {
			gets[r.Path] = r.Handlers
		}
	}
	served := map[string]bool{} // "method path" in OpenAPI form
	for _, r := range routes {
		if r.Method == fiber.MethodHead && sameHandlers(r.Handlers, gets[r.Path]) {
			continue // the HEAD fiber adds for every GET
		}
		if r.Method == fiber.MethodConnect || r.Method == fiber.MethodTrace || !strings.HasPrefix(r.Path, "/") {
			continue
		}
		method, path := strings.ToLower(r.Method), openAPIPath(r.Path)
		served[method+" "+path] = true
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("route %s %s is not in assets/openapi.json: add paths[%q].%s", r.Method, r.Path, path, method)
		}
	}
	if len(served) < 10 {
		t.Fatalf("only %d routes found; is the router built?", len(served))
	}

	var extra []string
	for path, item := range doc.Paths {
		for method := range item {
			if openAPIMethods[method] && !served[method+" "+path] {
				extra = append(extra, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(extra)
	for _, e := range extra {
		t.Errorf("assets/openapi.json lists %s, which the server does not serve", e)
	}
}

// openAPIPath turns a fiber path ("/v1/blobs/:sha256") into OpenAPI form
// ("/v1/blobs/{sha256}").
func openAPIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			segs[i] = "{" + strings.TrimSuffix(name, "?") + "}"
		}
	}
	return strings.Join(segs, "/")
}

// sameHandlers reports whether two handler chains are the same functions:
// fiber's Get registers its HEAD twin with the very handlers of the GET,
// while an explicit Head route (such as the blob upload status) has its own.
func sameHandlers(a, b []fiber.Handler) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for i := range a {
		if reflect.ValueOf(a[i]).Pointer() != reflect.ValueOf(b[i]).Pointer() {
			return false
		}
	}
	return true
}
