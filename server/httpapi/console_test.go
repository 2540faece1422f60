package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/assets"
)

// The console's files are served public, with their content types, an
// ETag that answers 304, gzip when accepted, and a policy that keeps the
// page on this origin.
func TestConsoleFilesServed(t *testing.T) {
	h := newHarness(t)
	for path, ctype := range map[string]string{
		"/console/":                 "text/html; charset=utf-8",
		"/console/app.js":           "text/javascript; charset=utf-8",
		"/console/style.css":        "text/css; charset=utf-8",
		"/console/screens/today.js": "text/javascript; charset=utf-8",
	} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate")
		resp, err := h.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype {
			t.Fatalf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), ctype)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s: not gzipped", path)
		} else if _, err := gzip.NewReader(bytes.NewReader(body)); err != nil {
			t.Errorf("GET %s: bad gzip: %v", path, err)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("ETag") == "" {
			t.Errorf("GET %s: cache headers %q %q", path, resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
		}
		again := httptest.NewRequest("GET", path, nil)
		again.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp2, err := h.app.Test(again, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp2.StatusCode != 304 {
			t.Errorf("GET %s with its ETag: %d, want 304", path, resp2.StatusCode)
		}
	}
	for path, want := range map[string]int{"/console": 301, "/console/nope.js": 404, "/console/screens/nope.js": 404} {
		resp, err := h.app.Test(httptest.NewRequest("GET", path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// Both languages have every string, every string the code asks for
// exists, and no file names another host.
func TestConsoleStringsComplete(t *testing.T) {
	src := map[string]string{}
	fs.WalkDir(assets.Console, "console", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(assets.Console, p)
			src[p] = string(b)
		}
		return nil
	})
	i18n := src["console/i18n.js"]
	langs := regexp.MustCompile(`(?s)const (en|zh) = \{(.*?)\n\};`).FindAllStringSubmatch(i18n, -1)
	if len(langs) != 2 {
		t.Fatalf("found %d language tables in i18n.js, want 2", len(langs))
	}
	keyRe := regexp.MustCompile(`'([a-z0-9_.]+)':`)
	keys := [2]map[string]bool{{}, {}}
	for i, l := range langs {
		for _, m := range keyRe.FindAllStringSubmatch(l[2], -1) {
			if keys[i][m[1]] {
				t.Errorf("%s: key %q twice", l[1], m[1])
			}
			keys[i][m[1]] = true
		}
	}
	for k := range keys[0] {
		if !keys[1][k] {
			t.Errorf("zh lacks %q", k)
		}
	}
	for k := range keys[1] {
		if !keys[0][k] {
			t.Errorf("en lacks %q", k)
		}
	}
	used := regexp.MustCompile(`\bt\('([a-z0-9_.]+)'`)
	host := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9-]+\.[a-z]`)
	for name, s := range src {
		for _, m := range used.FindAllStringSubmatch(s, -1) {
			if k := m[1]; !strings.HasSuffix(k, ".") && !keys[0][k] {
				t.Errorf("%s uses string %q, which i18n.js lacks", name, k)
			}
		}
		for _, line := range strings.Split(s, "\n") {
			if l := strings.TrimSpace(line); !strings.HasPrefix(l, "//") && !strings.HasPrefix(l, "/*") && host.MatchString(strings.ReplaceAll(l, "http://www.w3.org/2000/svg", "")) {
				t.Errorf("%s names another host: %s", name, l)
			}
		}
	}
}
