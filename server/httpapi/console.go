package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/courier-sync/courier-sync/assets"
	"github.com/gofiber/fiber/v2"
)

// consoleCSP lets the console load only its own files and talk only to
// this server: no CDN, no inline script, no other host. Photos are shown
// from blob: URLs made from authorised fetches.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// staticFile is one console file, ready to serve.
type staticFile struct {
	body, gz    []byte
	contentType string
	etag        string
}

// consoleRoutes serves the embedded console at /console/ (public: its data
// calls carry tokens like any client's).
func (h *handler) consoleRoutes(app *fiber.App) {
	sub, err := fs.Sub(assets.Console, "console")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	files, err := loadStatic(sub)
	if err != nil {
		panic(err)
	}
	serve := serveStatic(files)
	app.Get("/console/:file?", func(c *fiber.Ctx) error {
		if c.Path() == "/console" { // relative URLs need the slash
			return c.Redirect("/console/", fiber.StatusMovedPermanently)
		}
		return serve(c, c.Params("file"))
	})
	app.Get("/console/screens/:file", func(c *fiber.Ctx) error { return serve(c, "screens/"+c.Params("file")) })
}

// loadStatic reads every file of fsys, with its gzip form (when smaller),
// content type and strong ETag, once at start-up.
func loadStatic(fsys fs.FS) (map[string]*staticFile, error) {
	files := map[string]*staticFile{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		f := &staticFile{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body) // into memory: cannot fail
		_ = zw.Close()
		if buf.Len() < len(body) {
			f.gz = buf.Bytes()
		}
		files[p] = f
		return nil
	})
	return files, err
}

// serveStatic answers GET and HEAD for the files; "" is index.html. Files
// are revalidated on every load (no-cache with an ETag: a new courierd
// never serves a stale script), compressed when the client accepts gzip.
func serveStatic(files map[string]*staticFile) func(c *fiber.Ctx, name string) error {
	return func(c *fiber.Ctx, name string) error {
		if name == "" {
			name = "index.html"
		}
		f, ok := files[name]
		if !ok || strings.Contains(name, "..") {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderETag, f.etag)
		c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderContentSecurityPolicy, consoleCSP)
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		c.Set(fiber.HeaderXFrameOptions, "DENY")
		c.Set(fiber.HeaderContentType, f.contentType)
		if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && strings.Contains(match, f.etag) {
			return c.SendStatus(fiber.StatusNotModified)
		}
		if f.gz != nil && acceptsGzip(c.Get(fiber.HeaderAcceptEncoding)) {
			c.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(f.gz)
		}
		return c.Send(f.body)
	}
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip (and
// does not refuse it with q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
