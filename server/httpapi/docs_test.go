package httpapi_test

import (
	"strings"
	"testing"
)

func TestDocsAreServedAsHTMLWithoutOutsideRequests(t *testing.T) {
	h := newHarness(t)
	pages := map[string][]string{
		"/docs":            {"API reference", "GET /v1/parcels/{waybill}", "PATCH /v1/admin/users/{user_id}", "href=\"/docs/operations\""},
		"/docs/api":        {"POST /v1/callbacks"},
		"/docs/protocol":   {"<h1", "Wire protocol v1", "<table>", "Readings of this implementation"},
		"/docs/domain":     {"<h1"},
		"/docs/operations": {"Operations guide", "Backup and restore", "COURIERD_DATA_DIR"},
	}
	for path, wants := range pages {
		t.Run(path+" is an HTML page with its content", func(t *testing.T) {
			r := h.do(t, "GET", path, "", nil)
			if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s", r.status, r.header.Get("Content-Type"))
			}
			body := string(r.body)
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, bad := range []string{"<script", "http://", "https://", "//cdn"} {
				if strings.Contains(body, bad) {
					t.Errorf("page contains %q: it must load nothing from elsewhere", bad)
				}
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
		})
	}
	t.Run("an unknown page is 404", func(t *testing.T) {
		h.do(t, "GET", "/docs/secrets", "", nil).wantError(t, 404, "not_found")
	})
}
