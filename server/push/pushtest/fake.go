// Package pushtest is a fake FCM HTTP v1 endpoint on loopback, for tests and
// the fleet simulator: point the real firebase SDK at URL (with
// push.FCMConfig.Endpoint or COURIERD_FCM_ENDPOINT) and inspect what
// arrived, or script failures.
package pushtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Message is one message the fake accepted (answered 200).
type Message struct {
	Project string
	Token   string
	Data    map[string]string
	// Android is the message's android block as sent.
	Android struct {
		CollapseKey string `json:"collapse_key"`
		Priority    string `json:"priority"`
		TTL         string `json:"ttl"`
	}
	// HasNotification reports a notification block (a wake-up must not
	// have one).
	HasNotification bool
	At              time.Time
}

// Reply is how the fake answers one request.
type Reply struct {
	// Status is the HTTP status (0: 200).
	Status int
	// ErrorCode is the FCM error code of an error answer, such as
	// "UNREGISTERED", "INVALID_ARGUMENT", "QUOTA_EXCEEDED", "UNAVAILABLE",
	// "INTERNAL".
	ErrorCode string
	// RetryAfter is the Retry-After header, if any.
	RetryAfter string
	// Block holds the request until Release is called or the client
	// gives up (a hung FCM).
	Block bool
}

// Fake is the fake FCM server.
type Fake struct {
	URL string

	srv     *httptest.Server
	mu      sync.Mutex
	reply   func(token string, attempt int) Reply
	tries   map[string]int
	msgs    []Message
	bodies  [][]byte
	changed chan struct{}
	release chan struct{}
}

// New starts a fake that accepts every message.
func New() *Fake {
	f := &Fake{tries: map[string]int{}, changed: make(chan struct{}), release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	return f
}

// Close releases blocked requests and stops the server.
func (f *Fake) Close() {
	f.Release()
	f.srv.CloseClientConnections()
	f.srv.Close()
}

// SetReply scripts the answers: fn gets the message's token and how many
// requests for that token came before (0 for the first).
func (f *Fake) SetReply(fn func(token string, attempt int) Reply) {
	f.mu.Lock()
	f.reply = fn
	f.mu.Unlock()
}

// Release lets blocked requests go (they are answered 503); from then on a
// Block reply answers 503 at once.
func (f *Fake) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.release:
	default:
		close(f.release)
	}
}

// Messages returns the accepted messages, in arrival order.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.msgs...)
}

// Bodies returns the raw body of every request the fake received,
// accepted or not: what left the server for FCM.
func (f *Fake) Bodies() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.bodies...)
}

// Requests returns how many requests reached the fake.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

// Wait blocks until cond holds for the accepted messages, or fails after
// timeout. It wakes on each request, not on a timer.
func (f *Fake) Wait(timeout time.Duration, cond func([]Message) bool) ([]Message, error) {
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		msgs, ch := append([]Message(nil), f.msgs...), f.changed
		f.mu.Unlock()
		if cond(msgs) {
			return msgs, nil
		}
		select {
		case <-ch:
		case <-deadline:
			return msgs, fmt.Errorf("pushtest: condition not met within %v (%d messages)", timeout, len(msgs))
		}
	}
}

// WaitRequests blocks until at least n requests arrived (accepted, failed
// or blocked), or fails after timeout.
func (f *Fake) WaitRequests(timeout time.Duration, n int) error {
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		got, ch := len(f.bodies), f.changed
		f.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-deadline:
			return fmt.Errorf("pushtest: %d requests within %v, want %d", got, timeout, n)
		}
	}
}

type request struct {
	Message struct {
		Token        string            `json:"token"`
		Data         map[string]string `json:"data"`
		Notification json.RawMessage   `json:"notification"`
		Android      json.RawMessage   `json:"android"`
	} `json:"message"`
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	project, ok := strings.CutPrefix(r.URL.Path, "/v1/projects/")
	project, ok2 := strings.CutSuffix(project, "/messages:send")
	if r.Method != http.MethodPost || !ok || !ok2 {
		http.Error(w, `{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}`, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		f.fail(w, body, Reply{Status: 400, ErrorCode: "INVALID_ARGUMENT"})
		return
	}
	f.mu.Lock()
	tok := req.Message.Token
	n := f.tries[tok]
	f.tries[tok]++
	reply := Reply{}
	if f.reply != nil {
		reply = f.reply(tok, n)
	}
	release := f.release
	f.mu.Unlock()
	if reply.Block {
		f.record(body, nil)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		f.fail(w, nil, Reply{Status: 503, ErrorCode: "UNAVAILABLE"})
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		f.fail(w, body, reply)
		return
	}
	m := Message{Project: project, Token: tok, Data: req.Message.Data, At: time.Now(),
		HasNotification: len(req.Message.Notification) > 0 && string(req.Message.Notification) != "null"}
	_ = json.Unmarshal(req.Message.Android, &m.Android) // no android block: zero
	f.record(body, &m)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"name":"projects/%s/messages/%d"}`, project, time.Now().UnixNano())
}

func (f *Fake) fail(w http.ResponseWriter, body []byte, reply Reply) {
	if body != nil {
		f.record(body, nil)
	}
	status := map[int]string{400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[reply.Status]
	w.Header().Set("Content-Type", "application/json")
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	w.WriteHeader(reply.Status)
	fmt.Fprintf(w, `{"error":{"code":%d,"message":"fake FCM error","status":%q,"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":%q}]}}`,
		reply.Status, status, reply.ErrorCode)
}

// record keeps a request body and, when m is not nil, an accepted message,
// and wakes waiters.
func (f *Fake) record(body []byte, m *Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if body != nil {
		f.bodies = append(f.bodies, body)
	}
	if m != nil {
		f.msgs = append(f.msgs, *m)
	}
	close(f.changed)
	f.changed = make(chan struct{})
}
