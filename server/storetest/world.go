package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The customer of the suite's records. Behaviours search views, feeds and
// events for these to prove personal data stays masked.
const (
	custName  = "张伟"
	custPhone = "13812345678"
	// maskedPhone is custPhone as every view must show it.
	maskedPhone = "138****5678"
)

// world is one store under test with its staff accounts.
type world struct {
	t     *testing.T
	s     Store
	ctx   context.Context
	clock *Clock
	// admin, disp and sup are real accounts of their roles.
	admin, disp, sup server.Principal
	// open opens another, independent store.
	open func(t *testing.T) Store
}

func newWorld(t *testing.T, s Store) *world {
	t.Helper()
	if s.Clock == nil {
		t.Fatal("storetest: the Store has no Clock (open must make one with NewClock)")
	}
	checkStore(t, s)
	w := &world{t: t, s: s, ctx: context.Background(), clock: s.Clock}
	w.admin = w.account("admin", syncproto.RoleAdmin, "console-admin")
	w.disp = w.account("disp", syncproto.RoleDispatcher, "console-disp")
	w.sup = w.account("sup", syncproto.RoleSupervisor, "console-sup")
	return w
}

// checkStore fails unless every field of s is set.
func checkStore(t *testing.T, s Store) {
	t.Helper()
	v := reflect.ValueOf(s)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsNil() {
			t.Fatalf("storetest: Store.%s is not set", v.Type().Field(i).Name)
		}
	}
}

// reopen restarts the store: every interface of w now reaches the
// reopened one.
func (w *world) reopen() {
	w.t.Helper()
	s := w.s.Reopen()
	checkStore(w.t, s)
	if s.Clock != w.clock {
		w.t.Fatal("storetest: Reopen must keep the Store's Clock")
	}
	w.s = s
}

// now is the store's time.
func (w *world) now() time.Time { return w.clock.Now() }

// account creates a user of role and returns its principal on device.
func (w *world) account(name, role, device string) server.Principal {
	w.t.Helper()
	u := &server.User{Username: name, Role: role, PasswordHash: "x", CreatedAt: w.now()}
	if err := w.s.Users.CreateUser(w.ctx, u); err != nil {
		w.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	if u.ID == "" {
		w.t.Fatalf("CreateUser(%s) gave no id", name)
	}
	return server.Principal{UserID: u.ID, Role: role, DeviceID: device, IP: "192.0.2.7"}
}

// device is a courier's handheld: it numbers its ops.
type device struct {
	w   *world
	p   server.Principal
	seq int64
}

// courier creates a courier account with one handheld.
func (w *world) courier(name string) *device {
	w.t.Helper()
	return &device{w: w, p: w.account(name, syncproto.RoleCourier, "pda-"+name)}
}

// op makes the device's next op.
func (d *device) op(kind string, at time.Time, payload any) syncproto.Op {
	d.w.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		d.w.t.Fatal(err)
	}
	d.seq++
	return syncproto.Op{OpID: newOpID(d.p.UserID, d.seq), Seq: d.seq, Kind: kind, RecordedAt: at.Format(time.RFC3339Nano), Payload: raw}
}

// newOpID makes a UUID unique to a user and seq (deterministic, version 8).
func newOpID(user string, seq int64) string {
	var h uint64 = 14695981039346656037
	for _, b := range []byte(user) {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return fmt.Sprintf("%08x-%04x-8%03x-8%03x-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff, uint16(seq>>48)&0xfff, uint64(seq)&0xffffffffffff)
}

// send pushes ops as one request and returns their results.
func (d *device) send(ops ...syncproto.Op) []syncproto.PushResult {
	d.w.t.Helper()
	resp, err := d.w.s.Sync.Push(d.w.ctx, d.p, &syncproto.PushRequest{DeviceID: d.p.DeviceID, Ops: ops})
	if err != nil {
		d.w.t.Fatalf("Push: %v", err)
	}
	if len(resp.Results) != len(ops) {
		d.w.t.Fatalf("Push of %d ops gave %d results", len(ops), len(resp.Results))
	}
	return resp.Results
}

// apply pushes one op at the store's now and fails unless it is applied.
func (d *device) apply(kind string, payload any) syncproto.PushResult {
	d.w.t.Helper()
	return d.applyAt(kind, d.w.now(), payload)
}

// applyAt pushes one op recorded at at and fails unless it is applied.
func (d *device) applyAt(kind string, at time.Time, payload any) syncproto.PushResult {
	d.w.t.Helper()
	r := d.send(d.op(kind, at, payload))[0]
	if r.Status != syncproto.StatusApplied {
		d.w.t.Fatalf("%s op: %s", kind, outcome(r))
	}
	return r
}

// outcome is "applied" or "rejected:<code>".
func outcome(r syncproto.PushResult) string {
	if r.Error == nil {
		return r.Status
	}
	return r.Status + ":" + string(r.Error.Code)
}

// pull drains p's feed from cursor and returns every change.
func (w *world) pull(p server.Principal) []syncproto.Change {
	w.t.Helper()
	var all []syncproto.Change
	cursor := ""
	for {
		page, err := w.s.Sync.Pull(w.ctx, p, cursor, 500)
		if err != nil {
			w.t.Fatalf("Pull: %v", err)
		}
		all = append(all, page.Changes...)
		cursor = page.Cursor
		if !page.HasMore {
			return all
		}
	}
}

// changesOf decodes the changes of one type of p's feed into T.
func changesOf[T any](w *world, p server.Principal, typ string) []T {
	w.t.Helper()
	var out []T
	for _, ch := range w.pull(p) {
		if ch.Type != typ {
			continue
		}
		var v T
		if err := json.Unmarshal(ch.Data, &v); err != nil {
			w.t.Fatalf("decode %s change: %v", typ, err)
		}
		out = append(out, v)
	}
	return out
}

// wantCode fails unless err is a *syncproto.Error of code.
func wantCode(t *testing.T, err error, code syncproto.Code) {
	t.Helper()
	var pe *syncproto.Error
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// pickup is a pickup payload of waybill with a COD amount.
func pickup(waybill string, codCents int64) map[string]any {
	party := map[string]any{"name": "王芳", "phone": "13912345678", "address": "杭州市西湖区文三路 90 号"}
	return map[string]any{"waybill": waybill, "sender": party, "recipient": party, "weight_g": 1200,
		"declared_value_cents": 5000, "insured": false, "cod_amount_cents": codCents, "inspected": true}
}

// receipt is a cod_receipt payload paid in cash.
func receipt(waybill, no string, cents int64) map[string]any {
	return map[string]any{"waybill": waybill, "receipt_no": no, "amount_cents": cents, "currency": "CNY", "method": syncproto.MethodCash}
}

// complaintPayload is a complaint op's payload received at.
func complaintPayload(waybill string, at time.Time) map[string]any {
	c := map[string]any{"category": syncproto.CategoryDelay, "description": "arrived two days late",
		"customer": map[string]any{"name": custName, "phone": custPhone}, "received_at": at.Format(time.RFC3339)}
	if waybill != "" {
		c["waybill"] = waybill
	}
	return c
}

// outcomePayload is a callback_outcome payload.
func outcomePayload(taskID, result string, resolved bool) map[string]any {
	p := map[string]any{"task_id": taskID, "result": result, "resolved": resolved, "note": "called the customer"}
	if result == syncproto.ResultReached {
		p["satisfaction"] = 5
	}
	return p
}

// odometer is a vehicle_log payload of an odometer reading.
func odometer(vehicle string, km int64) map[string]any {
	return map[string]any{"vehicle_id": vehicle, "type": syncproto.LogOdometer, "odometer_km": km}
}

// inspectionLog is a vehicle inspection with the failed items named.
func inspectionLog(vehicle string, km int64, failed ...string) map[string]any {
	items := []map[string]any{{"item": "brakes", "ok": true}}
	for _, f := range failed {
		items = append(items, map[string]any{"item": f, "ok": false, "note": f + " needs work"})
	}
	return map[string]any{"vehicle_id": vehicle, "type": syncproto.LogInspection, "odometer_km": km, "items": items}
}

// digest is a fixed lowercase hex SHA-256-shaped blob name.
func digest(b byte) string {
	return strings.Repeat(fmt.Sprintf("%02x", b), 32)
}

// callback creates an open task for courier about waybill.
func (w *world) callback(courierID, waybill string) *server.CallbackTask {
	w.t.Helper()
	task, err := w.s.Callbacks.CreateCallback(w.ctx, w.disp, &server.NewCallback{CourierID: courierID, Waybill: waybill,
		Reason: "customer asked for a call", Customer: syncproto.Customer{Name: custName, Phone: custPhone}})
	if err != nil {
		w.t.Fatalf("CreateCallback: %v", err)
	}
	return task
}

// complaint records a complaint taken by the dispatcher, received at.
func (w *world) complaint(waybill string, at time.Time) *server.Complaint {
	w.t.Helper()
	c, err := w.s.Complaints.CreateComplaint(w.ctx, w.disp, &server.NewComplaint{Category: syncproto.CategoryDamage,
		Description: "box crushed", Channel: syncproto.ChannelPhone, Customer: syncproto.Customer{Name: custName, Phone: custPhone},
		ReceivedAt: at.Format(time.RFC3339), Waybill: waybill})
	if err != nil {
		w.t.Fatalf("CreateComplaint: %v", err)
	}
	return c
}

// ledger lists the whole ledger under f (one page of up to 500).
func (w *world) ledger(f server.LedgerFilter) *server.LedgerPage {
	w.t.Helper()
	if f.Limit == 0 {
		f.Limit = 500
	}
	page, err := w.s.Ledger.ListLedger(w.ctx, f)
	if err != nil {
		w.t.Fatalf("ListLedger(%+v): %v", f, err)
	}
	return page
}

// events lists the audit events of an action, oldest first.
func (w *world) events(action string) []server.AuditEvent {
	w.t.Helper()
	l, err := w.s.Events.ListEvents(w.ctx, server.EventFilter{Action: action, Limit: 500})
	if err != nil {
		w.t.Fatalf("ListEvents(%s): %v", action, err)
	}
	return l.Events
}

// mustJSON marshals v, panicking on values that cannot be (test data).
func mustJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return raw
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
