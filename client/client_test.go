package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The client against the real server is tested in server/stack (this
// package cannot import the server); these cases need answers the server
// never gives on purpose.

func TestAnswersBecomeTypedErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(syncproto.ProtocolHeader) == "" {
			t.Errorf("%s without the protocol header", r.URL.Path)
		}
		switch r.URL.Path {
		case "/v1/complaints":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"code":"rate_limited","message":"slow down"}}`)
		case "/v1/callbacks":
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>proxy</html>")
		default:
			fmt.Fprint(w, `{"claims":[`+strings.Repeat(`{"claim_id":"c"},`, 100)+`{}]}`)
		}
	}))
	defer srv.Close()
	c := client.New(srv.URL, client.WithMaxBody(1000))
	ctx := context.Background()

	_, err := c.Complaints(ctx, nil)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 429 || e.Code != syncproto.CodeRateLimited || e.RetryAfter != 7*time.Second || !e.Temporary() {
		t.Fatalf("429: %#v", err)
	}
	if !strings.Contains(err.Error(), "GET /v1/complaints: HTTP 429 rate_limited: slow down") {
		t.Fatalf("message %q", err)
	}
	_, err = c.Callbacks(ctx, nil)
	if client.StatusOf(err) != 502 || client.CodeOf(err) != "" || !strings.Contains(err.Error(), "Bad Gateway") {
		t.Fatalf("a proxy's page: %v", err)
	}
	if _, err = c.Claims(ctx, nil); !errors.Is(err, client.ErrTooLarge) || client.StatusOf(err) != 0 {
		t.Fatalf("an answer over the bound: %v", err)
	}
}

func TestAllStopsAtACursorThatDoesNotMove(t *testing.T) {
	calls := 0
	_, err := client.All(context.Background(), func(ctx context.Context, cursor string) (client.Page[int], error) {
		calls++
		return client.Page[int]{Items: []int{1}, Cursor: "same", HasMore: true}, nil
	})
	if err == nil || calls != 2 {
		t.Fatalf("after %d pages: %v", calls, err)
	}
}

func TestRetriesWaitTheServersRetryAfterUpToTheBound(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n++; n < 3 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"results":[],"server_time":"2026-12-06T08:00:00Z"}`)
	}))
	defer srv.Close()
	c := client.New(srv.URL, client.WithRetries(3, time.Millisecond))
	if _, err := c.Push(context.Background(), &syncproto.PushRequest{DeviceID: "d"}); err != nil || n != 3 {
		t.Fatalf("after %d tries: %v", n, err)
	}
}

// A body is read whole whatever Content-Length says of it: none (HEAD),
// exactly it, or none given (chunked).
func TestBodiesAreReadWhateverTheirAnnouncedLength(t *testing.T) {
	page := strings.Repeat("x", 70_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			fmt.Fprint(w, page[:100])
			w.(http.Flusher).Flush()
			fmt.Fprint(w, page[100:])
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(page)))
		if r.Method != http.MethodHead {
			fmt.Fprint(w, page)
		}
	}))
	defer srv.Close()
	c := client.New(srv.URL)
	for _, tc := range []struct{ method, path, want string }{
		{http.MethodHead, "/blob", ""}, {http.MethodGet, "/page", page}, {http.MethodGet, "/chunked", page},
	} {
		r, err := c.Send(context.Background(), tc.method, tc.path, nil, nil)
		if err != nil || r.Status != 200 || string(r.Body) != tc.want {
			t.Fatalf("%s %s: %v, %d bytes", tc.method, tc.path, err, len(r.Body))
		}
	}
}
