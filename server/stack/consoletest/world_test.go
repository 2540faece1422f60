package consoletest

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// The personal data of the world: no screen may show these phones whole.
var (
	customerPhone  = "13812345678"
	senderPhone    = "13900001111"
	recipientPhone = "13700002222"
	allPhones      = []string{customerPhone, senderPhone, recipientPhone}
)

const (
	rootPass  = "root-password"
	staffPass = "staff-password"
	waybill   = "SF100200300"
)

// world is the real stack on loopback with staff accounts and two
// couriers whose handhelds (real mobile-api outboxes) have synced a day's
// work.
type world struct {
	st  *stack.Stack
	url string

	mu     sync.Mutex
	status map[string][]int // path → statuses the couriers' outboxes got

	li, wang *mobileapi.Outbox // couriers 李四 and 王五
	liID     string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	st, err := stack.Open(context.Background(), stack.Config{DataDir: t.TempDir(), BootstrapAdmin: "root:" + rootPass, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	url, err := st.Start()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{st: st, url: url, status: map[string][]int{}}
	t.Cleanup(func() {
		for _, ob := range []*mobileapi.Outbox{w.li, w.wang} {
			if ob != nil {
				ob.Close()
			}
		}
		if err := st.Shutdown(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	root := w.login(t, "root", rootPass)
	for _, u := range []struct{ name, role, display string }{
		{"disp", syncproto.RoleDispatcher, "Dana Dispatcher"},
		{"sup", syncproto.RoleSupervisor, "Sam Supervisor"},
		{"lisi", syncproto.RoleCourier, "李四"},
		{"wang", syncproto.RoleCourier, "王五"},
	} {
		var out syncproto.User
		w.call(t, root, "POST", "/v1/admin/users", syncproto.CreateUserRequest{Username: u.name, Password: staffPass, Role: u.role, DisplayName: u.display}, 201, &out)
		if u.name == "lisi" {
			w.liID = out.UserID
		}
	}
	w.li = w.outbox(t, "lisi", "handheld-li")
	w.wang = w.outbox(t, "wang", "handheld-wang")
	w.dayOfWork(t)
	return w
}

// transport records the status of every request an outbox makes.
type transport struct{ w *world }

func (tr transport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		tr.w.mu.Lock()
		tr.w.status[r.URL.Path] = append(tr.w.status[r.URL.Path], resp.StatusCode)
		tr.w.mu.Unlock()
	}
	return resp, err
}

// statuses returns the statuses seen on path since the last call.
func (w *world) statuses(path string) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.status[path]
	delete(w.status, path)
	return out
}

func (w *world) outbox(t *testing.T, user, device string) *mobileapi.Outbox {
	t.Helper()
	ob, err := mobileapi.Open(filepath.Join(t.TempDir(), "outbox.db"), &mobileapi.Options{ServerURL: w.url, DeviceID: device, Username: user, Password: staffPass, Transport: transport{w}})
	if err != nil {
		t.Fatal(err)
	}
	return ob
}

func sync1(t *testing.T, ob *mobileapi.Outbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ob.Sync(ctx); err != nil {
		t.Fatalf("sync: %v", err)
	}
	if st, _ := ob.Status(); st.Rejected > 0 {
		rej, _ := ob.RejectedOps()
		for _, r := range rej {
			t.Errorf("rejected op %s: %s %s", r.Kind, r.Code, r.Message)
		}
		t.FailNow()
	}
}

// recorded returns a check for the (op id, error) of a Record call.
func recorded(t *testing.T) func(string, error) {
	return func(_ string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("record: %v", err)
		}
	}
}

// dayOfWork records what the couriers did: pickups, COD receipts, a
// complaint at risk and one past its deadline, a damage report with a
// photo and one whose photo never came, a vehicle inspection with a
// failed item.
func (w *world) dayOfWork(t *testing.T) {
	t.Helper()
	now := time.Now()
	ago := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	ok := recorded(t)
	for i, wb := range []string{waybill, "SF100200301", "SF100200302"} {
		ok(w.li.RecordPickup(&mobileapi.Pickup{Waybill: wb, SenderName: "赵六", SenderPhone: senderPhone, SenderAddress: "上海市黄浦区南京东路 1 号",
			RecipientName: "钱七", RecipientPhone: recipientPhone, RecipientAddress: "北京市朝阳区建国路 8 号", WeightG: 1200 + int64(i)*300,
			DeclaredValueCents: 50000, CODAmountCents: []int64{12050, 8000, 4500}[i], Inspected: true}))
	}
	ok(w.wang.RecordPickup(&mobileapi.Pickup{Waybill: "YT900800700", SenderName: "孙八", SenderPhone: senderPhone, SenderAddress: "杭州市西湖区 2 号",
		RecipientName: "周九", RecipientPhone: recipientPhone, RecipientAddress: "南京市鼓楼区 3 号", WeightG: 800, DeclaredValueCents: 20000, Inspected: true}))
	ok(w.li.RecordCODReceipt(&mobileapi.CODReceipt{Waybill: waybill, ReceiptNo: "R-0001", AmountCents: 12050, Method: "cash"}))
	ok(w.li.RecordCODReceipt(&mobileapi.CODReceipt{Waybill: "SF100200301", ReceiptNo: "R-0002", AmountCents: 8000, Method: "cash"}))
	ok(w.li.RecordCODReceipt(&mobileapi.CODReceipt{Waybill: "SF100200302", ReceiptNo: "R-0003", AmountCents: 4000, Method: "qr"})) // 5.00 short of the pickup
	ok(w.li.RecordComplaint(&mobileapi.Complaint{Category: "delay", Description: "Parcel two days late; customer asks for a call.",
		CustomerName: "张伟", CustomerPhone: customerPhone, ReceivedAt: ago(6 * 24 * time.Hour), Waybill: waybill}))
	ok(w.wang.RecordComplaint(&mobileapi.Complaint{Category: "attitude", Description: "Courier was rude at the door.",
		CustomerName: "刘洋", CustomerPhone: "13655556666", ReceivedAt: ago(8 * 24 * time.Hour), Waybill: "YT900800700"}))
	ok(w.li.RecordVehicleLog(&mobileapi.VehicleLog{VehicleID: "VAN-01", Type: "inspection", OdometerKM: 42180, Items: []mobileapi.InspectionItem{
		{Item: "brakes", OK: false, Note: "front left pad worn"}, {Item: "lights", OK: true}, {Item: "tyres", OK: true}}}))
	ok(w.wang.RecordVehicleLog(&mobileapi.VehicleLog{VehicleID: "VAN-02", Type: "odometer", OdometerKM: 10250}))
	photo := filepath.Join(t.TempDir(), "crushed.jpg")
	writeJPEG(t, photo)
	digest, err := w.li.AttachPhoto(photo)
	if err != nil {
		t.Fatal(err)
	}
	ok(w.li.RecordDamageReport(&mobileapi.DamageReport{Waybill: "SF100200301", Stage: "delivery", Severity: "major", Description: "Box crushed on one side.", Photos: []string{digest}}))
	missing := "5f2b1d8c3a4e6f708192a3b4c5d6e7f80912a3b4c5d6e7f8091a2b3c4d5e6f70"
	ok(w.wang.RecordDamageReport(&mobileapi.DamageReport{Waybill: "YT900800700", Stage: "transit", Severity: "minor", Description: "Corner dented.", Photos: []string{missing}}))
	sync1(t, w.li)
	sync1(t, w.wang)
	w.st.WaitPhotos()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.st.DB.RefreshReportIndex(ctx); err != nil {
		t.Fatal(err)
	}
}

// writeJPEG writes a 640×480 photo of a brown box.
func writeJPEG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			c := color.RGBA{200, 200, 205, 255}
			if x > 120 && x < 520 && y > 90 && y < 400 {
				c = color.RGBA{uint8(150 + (x+y)%30), 110, 60, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// login returns an access token.
func (w *world) login(t *testing.T, user, pass string) string {
	t.Helper()
	var tok syncproto.TokenResponse
	w.call(t, "", "POST", "/v1/auth/login", syncproto.LoginRequest{Username: user, Password: pass, DeviceID: "test-" + user}, 200, &tok)
	return tok.AccessToken
}

// call sends a JSON request with a token and checks the status.
func (w *world) call(t *testing.T, token, method, path string, body any, status int, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, w.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
}
