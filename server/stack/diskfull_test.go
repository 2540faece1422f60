package stack_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// smallDisk mounts a tmpfs of size bytes on a fresh directory, or skips
// the test when that is not possible (not root, no mount).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a full disk is made with a small tmpfs, which needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() }) // after the server stops: cleanups run last first
	return dir
}

// fill writes a file until the disk is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 16<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}

func pickup(seq int64) syncproto.Op {
	party := map[string]any{"name": "Wang Wu", "phone": "13800001111", "address": "1 Road"}
	return newOp(syncproto.KindPickup, seq, map[string]any{"waybill": fmt.Sprintf("SF9%09d", seq), "sender": party, "recipient": party,
		"weight_g": 1200, "declared_value_cents": 5000, "insured": false, "cod_amount_cents": 0, "inspected": true,
		"note": strings.Repeat("x", 2000)})
}

// TestAFullDiskAnswers507AndLosesNothing is issue 8 item 10: on a full disk
// every push answered 500 and /readyz said ready. Now pushes and uploads
// answer 507 with Retry-After, /readyz is 503 until space returns, and
// every op acknowledged before, during and after is kept exactly once.
func TestAFullDiskAnswers507AndLosesNothing(t *testing.T) {
	dir := smallDisk(t, "6m")
	ts := startStack(t, stack.Config{DataDir: dir, MinFreeBytes: 256 << 10})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	var acked []syncproto.Op
	seq := int64(1)
	pushOne := func() (*http.Response, []byte, syncproto.Op) {
		op := pickup(seq)
		seq++
		resp, body := a.do(t, "POST", "/v1/sync/push", syncproto.PushRequest{DeviceID: a.device, Ops: []syncproto.Op{op}},
			map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode == 200 {
			acked = append(acked, op)
		}
		return resp, body, op
	}
	for range 5 {
		if resp, body, _ := pushOne(); resp.StatusCode != 200 {
			t.Fatalf("push before the disk fills: %d %s", resp.StatusCode, body)
		}
	}
	filler := filepath.Join(dir, "filler")
	fill(t, filler)

	if resp, _ := ts.root.do(t, "GET", "/readyz", nil, nil); resp.StatusCode != 503 {
		t.Errorf("/readyz on a full disk: %d, want 503", resp.StatusCode)
	}
	photo := noisyJPEG(t, 64, 48, 81)
	resp, body := a.putBlob(t, digestOf(photo), photo)
	wantError(t, resp, body, 507, syncproto.CodeInsufficientStorage)
	// bbolt reuses free pages of its file: push until a commit needs a new one.
	var refused syncproto.Op
	for i := 0; ; i++ {
		resp, body, op := pushOne()
		if resp.StatusCode == 200 {
			if i > 2000 {
				t.Fatal("2000 pushes fit on a full disk")
			}
			continue
		}
		wantError(t, resp, body, 507, syncproto.CodeInsufficientStorage)
		if resp.Header.Get("Retry-After") == "" {
			t.Error("507 without Retry-After")
		}
		refused = op
		break
	}

	os.Remove(filler)
	if resp, _ := ts.root.do(t, "GET", "/readyz", nil, nil); resp.StatusCode != 200 {
		t.Errorf("/readyz once space is back: %d, want 200", resp.StatusCode)
	}
	res := a.push(t, refused)
	if res[0].Status != syncproto.StatusApplied || res[0].Duplicate {
		t.Fatalf("the refused op sent again: %+v, want applied, not a duplicate", res[0])
	}
	if resp, body := a.putBlob(t, digestOf(photo), photo); resp.StatusCode != 201 {
		t.Fatalf("upload once space is back: %d %s", resp.StatusCode, body)
	}
	for i, r := range a.push(t, acked...) {
		if r.Status != syncproto.StatusApplied || !r.Duplicate {
			t.Fatalf("acknowledged op %d sent again: %+v, want the original result as a duplicate", i, r)
		}
	}
	t.Logf("%d ops acknowledged, the disk filled, none lost", len(acked))
}
