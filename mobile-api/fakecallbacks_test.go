package mobileapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// fakeContact is what the fake server reveals for a task, and whether it
// may: only an open task assigned to the caller.
type fakeContact struct {
	name, phone  string
	status       string // syncproto task status; "open" reveals
	otherCourier bool   // assigned to someone else: 404
}

// tokenPut is one accepted PUT /v1/devices/self/push-token.
type tokenPut struct {
	token  string
	access string // the access token it came with
}

// revealExpiry is the expires_at the fake server answers reveals with.
const revealExpiry = "2026-11-27T09:17:03+08:00"

func (f *fakeServer) handleReveal(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trace = append(f.trace, "reveal")
	f.reveals++
	if !f.authorized(r) {
		writeErr(w, 401, syncproto.CodeUnauthorized, "bad token")
		return
	}
	ft := take(&f.revealFaults)
	switch ft {
	case fault401:
		delete(f.access, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	case faultDropAfter:
		drop(f.t, w)
		return
	}
	if common(w, ft) {
		return
	}
	c := f.contacts[r.PathValue("id")]
	switch {
	case c == nil || c.otherCourier:
		writeErr(w, 404, syncproto.CodeNotFound, "not found")
	case c.status != TaskOpen:
		writeErr(w, 409, syncproto.CodeConflict, "the task is closed; its contact is no longer available")
	default:
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, 200, map[string]string{"phone": c.phone, "name": c.name, "expires_at": revealExpiry})
	}
}

func (f *fakeServer) handlePushToken(w http.ResponseWriter, r *http.Request) {
	var req syncproto.PushTokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.FCMToken == "" {
		writeErr(w, 400, syncproto.CodeInvalidRequest, "fcm_token")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trace = append(f.trace, "push-token")
	if !f.authorized(r) {
		writeErr(w, 401, syncproto.CodeUnauthorized, "bad token")
		return
	}
	ft := take(&f.tokenFaults)
	switch ft {
	case fault401:
		delete(f.access, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	case faultDropAfter:
		drop(f.t, w)
		return
	}
	if common(w, ft) {
		return
	}
	f.tokenPuts = append(f.tokenPuts, tokenPut{token: req.FCMToken, access: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")})
	w.WriteHeader(http.StatusNoContent)
}

// addTaskView appends a callback_task change with the given view.
func (f *fakeServer) addTaskView(v syncproto.CallbackTask) {
	data, err := json.Marshal(v)
	if err != nil {
		f.t.Fatal(err)
	}
	f.addChange(syncproto.ChangeCallbackTask, data)
}

// taskView is a task view due at due (RFC 3339) with a masked contact.
func taskView(id string, version int64, status, due, nameMasked, phoneMasked string) syncproto.CallbackTask {
	d, err := time.Parse(time.RFC3339, due)
	if err != nil {
		panic(err)
	}
	return syncproto.CallbackTask{TaskID: id, Waybill: "WB-" + id, Reason: "late parcel, call back", Status: status,
		DueBy: d, Contact: syncproto.Contact{NameMasked: nameMasked, PhoneMasked: phoneMasked}, Version: version}
}

// traced returns the requests the server has seen, comma separated.
func (f *fakeServer) traced() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.trace, ",")
}

// tokens returns the push tokens the server accepted, in order.
func (f *fakeServer) tokens() []tokenPut {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]tokenPut(nil), f.tokenPuts...)
}

// fileHas reports whether the bytes of the file at path contain s.
func fileHas(t *testing.T, path, s string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, []byte(s))
}
