package httpapi

import (
	"bytes"
	"encoding/json"
	"html/template"
	"io/fs"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// docPages are the pages of /docs: the API reference made from the OpenAPI
// document, and the markdown pages of Config.Docs.
var docPages = []struct{ name, file, title string }{
	{"api", "", "API reference"},
	{"protocol", "protocol.md", "Wire protocol"},
	{"domain", "domain.md", "Domain rules"},
	{"operations", "operations.md", "Operations guide"},
}

// renderDocs renders every page once, at start-up: the markdown through
// goldmark (raw HTML in the sources is not passed through), the OpenAPI
// document through our own template. No script, no outside request.
func renderDocs(pages fs.FS, openAPI []byte) (map[string][]byte, error) {
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	out := map[string][]byte{}
	for _, p := range docPages {
		var body bytes.Buffer
		switch {
		case p.file == "":
			if err := renderOpenAPI(&body, openAPI); err != nil {
				return nil, err
			}
		default:
			src, err := fs.ReadFile(pages, p.file)
			if err != nil {
				return nil, err
			}
			if err := md.Convert(src, &body); err != nil {
				return nil, err
			}
		}
		var page bytes.Buffer
		if err := docTemplate.Execute(&page, docPage{Title: p.title, Pages: docLinks(), Body: template.HTML(body.String())}); err != nil {
			return nil, err
		}
		out[p.name] = page.Bytes()
	}
	return out, nil
}

type docLink struct{ Name, Title string }

func docLinks() []docLink {
	var l []docLink
	for _, p := range docPages {
		l = append(l, docLink{p.name, p.title})
	}
	return l
}

type docPage struct {
	Title string
	Pages []docLink
	Body  template.HTML
}

var docTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · courier-sync</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#222}nav{background:#1d3557;padding:.6em 1em}
nav a{color:#fff;margin-right:1.2em;text-decoration:none}nav a:focus,nav a:hover{text-decoration:underline}
main{max-width:64em;margin:0 auto;padding:1em}code,pre{font:13px ui-monospace,monospace;background:#f3f3f3}
pre{padding:.6em;overflow:auto}table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
h3 .m{display:inline-block;min-width:4.5em;font:bold 13px monospace;color:#fff;background:#457b9d;padding:.1em .4em;border-radius:3px}
</style></head><body>
<nav aria-label="Documentation">{{range .Pages}}<a href="/docs/{{.Name}}">{{.Title}}</a>{{end}}<a href="/v1/openapi.json">openapi.json</a></nav>
<main>{{.Body}}</main></body></html>
`))

// The parts of an OpenAPI document the reference shows.
type oaDoc struct {
	Info struct {
		Title, Description string
	}
	Paths      map[string]map[string]json.RawMessage
	Components struct {
		Parameters map[string]oaParameter
		Schemas    map[string]json.RawMessage
	}
}

type oaParameter struct {
	Ref         string `json:"$ref"`
	Name        string
	In          string
	Required    bool
	Description string
}

type oaOperation struct {
	Summary, Description string
	Tags                 []string
	Parameters           []oaParameter
	RequestBody          *struct {
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			}
		}
	}
	Responses map[string]struct {
		Ref         string `json:"$ref"`
		Description string
	}
}

type oaEntry struct {
	Method, Path, Summary string
	Description           template.HTML
	Params                []oaParameter
	Body                  string
	Responses             []oaResponse
}

type oaResponse struct{ Status, Description string }

var oaMethods = []string{"get", "head", "post", "put", "patch", "delete"}

// renderOpenAPI writes the reference: every operation with its summary,
// description, parameters, request schema and responses.
func renderOpenAPI(w *bytes.Buffer, raw []byte) error {
	var doc oaDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	toHTML := func(s string) template.HTML {
		var b bytes.Buffer
		if md.Convert([]byte(s), &b) != nil {
			return ""
		}
		return template.HTML(b.String()) // goldmark escapes raw HTML
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var entries []oaEntry
	for _, p := range paths {
		for _, m := range oaMethods {
			rawOp, ok := doc.Paths[p][m]
			if !ok {
				continue
			}
			var op oaOperation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return err
			}
			e := oaEntry{Method: strings.ToUpper(m), Path: p, Summary: op.Summary, Description: toHTML(op.Description)}
			for _, prm := range op.Parameters {
				if prm.Ref != "" {
					prm = doc.Components.Parameters[strings.TrimPrefix(prm.Ref, "#/components/parameters/")]
				}
				if prm.In == "header" && prm.Name == "Courier-Protocol" {
					continue
				}
				e.Params = append(e.Params, prm)
			}
			if op.RequestBody != nil {
				for ct, c := range op.RequestBody.Content {
					e.Body = ct + " " + strings.TrimPrefix(c.Schema.Ref, "#/components/schemas/")
				}
			}
			for st, r := range op.Responses {
				d := r.Description
				if r.Ref != "" {
					d = strings.TrimPrefix(r.Ref, "#/components/responses/")
				}
				e.Responses = append(e.Responses, oaResponse{st, d})
			}
			sort.Slice(e.Responses, func(i, j int) bool { return e.Responses[i].Status < e.Responses[j].Status })
			entries = append(entries, e)
		}
	}
	schemas := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		schemas = append(schemas, name)
	}
	sort.Strings(schemas)
	return oaTemplate.Execute(w, struct {
		Title       string
		Description template.HTML
		Entries     []oaEntry
		Schemas     []string
	}{doc.Info.Title, toHTML(doc.Info.Description), entries, schemas})
}

var oaTemplate = template.Must(template.New("api").Parse(`<h1>{{.Title}}</h1>{{.Description}}
<h2>Routes</h2><ul>{{range .Entries}}<li><a href="#{{.Method}}{{.Path}}">{{.Method}} {{.Path}}</a> — {{.Summary}}</li>{{end}}</ul>
{{range .Entries}}<section id="{{.Method}}{{.Path}}"><h3><span class="m">{{.Method}}</span> <code>{{.Path}}</code></h3>
<p><strong>{{.Summary}}</strong></p>{{.Description}}
{{if .Params}}<table><caption>Parameters</caption><tr><th>name</th><th>in</th><th>required</th><th>meaning</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<p>Body: <code>{{.Body}}</code> (schema in <a href="/v1/openapi.json">openapi.json</a>)</p>{{end}}
<table><caption>Responses</caption>{{range .Responses}}<tr><td>{{.Status}}</td><td>{{.Description}}</td></tr>{{end}}</table></section>
{{end}}<h2>Schemas</h2><p>Defined in <a href="/v1/openapi.json">openapi.json</a>:</p><p>{{range .Schemas}}<code>{{.}}</code> {{end}}</p>
`))

// docRoutes serves /docs (the index: the API reference) and /docs/{page}.
func (h *handler) docRoutes(app *fiber.App) error {
	if h.Docs == nil {
		return nil
	}
	pages, err := renderDocs(h.Docs, h.OpenAPI)
	if err != nil {
		return err
	}
	serve := func(c *fiber.Ctx, name string) error {
		page, ok := pages[name]
		if !ok {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
		return c.Send(page)
	}
	app.Get("/docs", func(c *fiber.Ctx) error { return serve(c, "api") })
	app.Get("/docs/:page", func(c *fiber.Ctx) error { return serve(c, c.Params("page")) })
	return nil
}
