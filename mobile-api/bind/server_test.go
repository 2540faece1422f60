package courier_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The tests of this package run the real courierd binary on 127.0.0.1:0
// with a temporary data dir, and drive it over loopback HTTP only, as a
// handheld app does.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func courierdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "courierd-bind-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "courierd")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/courierd").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build courierd: %v\n%s", buildErr, binPath)
	}
	return binPath
}

const (
	adminUser = "root-admin"
	adminPass = "admin-password-1"
)

// startCourierd starts the server and returns its base URL; it is killed
// when the test ends.
func startCourierd(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(courierdBinary(t))
	cmd.Env = append(os.Environ(), "COURIERD_ADDR=127.0.0.1:0", "COURIERD_DATA_DIR="+filepath.Join(t.TempDir(), "data"),
		"COURIERD_BOOTSTRAP_ADMIN="+adminUser+":"+adminPass, "COURIERD_BCRYPT_COST=4", "COURIERD_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("courierd stderr:\n%s", stderr.String())
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "courierd listening on "); ok {
				found <- strings.TrimSpace(addr)
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case addr := <-found:
		return "http://" + addr
	case <-time.After(60 * time.Second):
		t.Fatalf("courierd did not print its address within 60 s")
	}
	return ""
}

// api is one logged-in console user.
type api struct {
	t     *testing.T
	base  string
	token string
}

func login(t *testing.T, base, user, pass string) *api {
	a := &api{t: t, base: base}
	var tok syncproto.TokenResponse
	a.call("POST", "/v1/auth/login", syncproto.LoginRequest{Username: user, Password: pass, DeviceID: "console-" + user}, 200, &tok)
	a.token = tok.AccessToken
	return a
}

func (a *api) call(method, path string, body any, want int, out any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// fixture is a server with a courier who has one open callback task.
type fixture struct {
	url, courier, password, courierID, taskID string
	admin, disp                               *api
}

func newFixture(t *testing.T, courier string) *fixture {
	t.Helper()
	f := &fixture{url: startCourierd(t), courier: courier, password: courier + "-password"}
	f.admin = login(t, f.url, adminUser, adminPass)
	var u struct {
		UserID string `json:"user_id"`
	}
	f.admin.call("POST", "/v1/admin/users", syncproto.CreateUserRequest{Username: courier, Password: f.password, Role: syncproto.RoleCourier}, 201, &u)
	f.courierID = u.UserID
	f.admin.call("POST", "/v1/admin/users", syncproto.CreateUserRequest{Username: courier + "-disp", Password: "dispatcher-password", Role: syncproto.RoleDispatcher}, 201, nil)
	f.disp = login(t, f.url, courier+"-disp", "dispatcher-password")
	f.taskID = f.newTask("SF1000000001")
	return f
}

// newTask has the dispatcher give the courier a callback task.
func (f *fixture) newTask(waybill string) string {
	var task struct {
		TaskID string `json:"task_id"`
	}
	f.disp.call("POST", "/v1/callbacks", map[string]any{"courier_id": f.courierID, "waybill": waybill, "reason": "customer asked for a call",
		"customer": syncproto.Customer{Name: "张三", Phone: "13812345678"}}, 201, &task)
	return task.TaskID
}

// auditedOps returns the server's op audit: op id → status.
func (f *fixture) auditedOps(t *testing.T) map[string]string {
	t.Helper()
	var l syncproto.AuditOpList
	f.admin.call("GET", "/v1/audit/ops?limit=500", nil, 200, &l)
	out := map[string]string{}
	for _, op := range l.Ops {
		out[op.OpID] = op.Status
	}
	return out
}

// smallJPEG writes a real 64×48 JPEG and returns its path.
func smallJPEG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "damage.jpg")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
