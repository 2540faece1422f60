package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/assets"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The OpenAPI document checks every request the handler tests send through
// the harness and every answer they get (send calls checkOpenAPI), so the
// document cannot drift from what the server does: a request the document
// calls valid must get an answer the document describes (status, body
// schema); a request it calls invalid must get a documented 4xx error.

var (
	oaOnce   sync.Once
	oaRouter routers.Router
	oaErr    error
)

func openAPIRouter() (routers.Router, error) {
	oaOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(assets.OpenAPI)
		if err != nil {
			oaErr = fmt.Errorf("load assets/openapi.json: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			oaErr = fmt.Errorf("assets/openapi.json is not a valid OpenAPI document: %w", err)
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://example.com"}}
		oaRouter, oaErr = gorillamux.NewRouter(doc)
	})
	return oaRouter, oaErr
}

// jsonType reports whether a Content-Type is JSON (the only bodies the
// check reads; photos and their chunks are bytes).
func jsonType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json"
}

// checkOpenAPI validates one exchange against the document. Routes the
// document does not list (fiber's automatic HEAD, unknown paths) are not
// checked here: the assets test keeps the route list complete.
func checkOpenAPI(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	router, err := openAPIRouter()
	if err != nil {
		return err
	}
	r := req.Clone(context.Background())
	r.URL.Scheme, r.URL.Host, r.Host = "http", "example.com", "example.com"
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(r)
	if err != nil {
		return nil
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		ExcludeRequestBody: !jsonType(req.Header.Get("Content-Type")) || !takesJSON(route.Operation),
		MultiError:         false,
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	// A push is judged op by op: ops the document's schema refuses are
	// answered 200 with a rejected result each (checked below).
	perOp := route.Operation.OperationID == "push" && reqErr != nil && strings.Contains(reqErr.Error(), `Error at "/ops/`)
	if reqErr != nil && !perOp && (resp.StatusCode < 400 || resp.StatusCode >= 500) {
		return fmt.Errorf("openapi: the document refuses the request %s %s (%v), but the server answered %d", req.Method, req.URL.Path, short(reqErr), resp.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(respBody)),
		Options: &openapi3filter.Options{
			ExcludeResponseBody:   !jsonType(resp.Header.Get("Content-Type")) || req.Method == http.MethodHead,
			IncludeResponseStatus: true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("openapi: %s %s → %d does not match the document: %v; body %s", req.Method, req.URL.Path, resp.StatusCode, short(err), cut(respBody))
	}
	return nil
}

// takesJSON reports whether an operation's request body is JSON (photo
// uploads are bytes whatever Content-Type a client sends).
func takesJSON(op *openapi3.Operation) bool {
	return op.RequestBody != nil && op.RequestBody.Value != nil && op.RequestBody.Value.Content.Get("application/json") != nil
}

func short(err error) string {
	s := err.Error()
	if i := strings.Index(s, "\nSchema:"); i > 0 {
		s = s[:i]
	}
	return cut([]byte(s))
}

func cut(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// TestOpenAPICheckCatchesDrift shows the check is live: an answer the
// document does not describe fails it.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	req := httptest.NewRequest("GET", "/v1/couriers?active=true", nil)
	answer := func(status int, body string) error {
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
		return checkOpenAPI(req, nil, resp, []byte(body))
	}
	if err := answer(200, `{"couriers":[],"cursor":"","has_more":false}`); err != nil {
		t.Fatalf("a documented answer fails the check: %v", err)
	}
	if err := answer(200, `{"couriers":"none","cursor":"","has_more":false}`); err == nil {
		t.Fatal("a body of the wrong shape passes the check")
	}
	if err := answer(418, `{"error":{"code":"internal","message":"x"}}`); err == nil {
		t.Fatal("an undocumented status passes the check")
	}
	bad := httptest.NewRequest("GET", "/v1/couriers?active=maybe", nil)
	if err := checkOpenAPI(bad, nil, &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}},
		[]byte(`{"couriers":[],"cursor":"","has_more":false}`)); err == nil {
		t.Fatal("a refused request answered 200 passes the check")
	}
}
