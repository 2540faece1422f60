package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/server/crypt"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// loginAs returns a client of an in-process server logged in as user.
func loginAs(t *testing.T, base, user, pass, device string) *client.Client {
	t.Helper()
	c := client.New(base)
	if _, err := c.Login(t.Context(), user, pass, device); err != nil {
		t.Fatal(err)
	}
	return c
}

// must returns v, or panics with err (which fails the test with its
// stack).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func serve(t *testing.T, dir string) (*stack.Stack, string) {
	t.Helper()
	s, err := stack.Open(context.Background(), stack.Config{DataDir: dir, BootstrapAdmin: "root:root-password", BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	return s, url
}

func photo(t *testing.T) ([]byte, string) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(1, 1, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b.Bytes())
	return b.Bytes(), hex.EncodeToString(sum[:])
}

// The README's restore steps, end to end: a verified hot backup, the
// keys and the blobs copied beside it, the data dir wiped, `courierctl
// restore`, a start on the restored dir; then every acknowledged op is in
// the audit, every sealed contact opens and the photo is byte-identical.
func TestBackupWipeRestoreLosesNothing(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s, base := serve(t, data)
	root := loginAs(t, base, "root", "root-password", "console")
	ctx := t.Context()
	must(root.CreateUser(ctx, &syncproto.CreateUserRequest{Username: "courier.a", Password: "courier-pass-1", Role: syncproto.RoleCourier}))
	must(root.CreateUser(ctx, &syncproto.CreateUserRequest{Username: "disp", Password: "disp-pass-1", Role: syncproto.RoleDispatcher}))
	c := loginAs(t, base, "courier.a", "courier-pass-1", "pda-1")
	disp := loginAs(t, base, "disp", "disp-pass-1", "console-1")

	var acked []string
	party := map[string]any{"name": "王芳", "phone": "13912345678", "address": "杭州市西湖区文三路 90 号"}
	for i := 1; i <= 5; i++ {
		raw, _ := json.Marshal(map[string]any{"waybill": fmt.Sprintf("SF%010d", i), "sender": party, "recipient": party, "weight_g": 1200,
			"declared_value_cents": 5000, "insured": false, "cod_amount_cents": 0, "inspected": true})
		op := syncproto.Op{OpID: uuid.NewString(), Seq: int64(i), Kind: syncproto.KindPickup, RecordedAt: time.Now().Format(time.RFC3339Nano), Payload: raw}
		res := must(c.Push(ctx, &syncproto.PushRequest{DeviceID: "pda-1", Ops: []syncproto.Op{op}}))
		if res.Results[0].Status != syncproto.StatusApplied {
			t.Fatalf("push: %+v", res.Results[0])
		}
		acked = append(acked, op.OpID)
	}
	task := must(disp.CreateCallback(ctx, &syncproto.NewCallback{CourierID: c.UserID(), Waybill: "SF0000000001", Reason: "call",
		Customer: syncproto.Customer{Name: "张伟", Phone: "13812345678"}}))
	img, digest := photo(t)
	if created, err := c.PutBlob(ctx, digest, "image/png", img); err != nil || !created {
		t.Fatalf("put photo: %v %v", created, err)
	}
	s.WaitPhotos()

	// Backup, as the README says: the hot copy, then keys and blobs.
	set := filepath.Join(t.TempDir(), "set")
	if err := os.MkdirAll(set, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := ctl(t, base, "backup", "-o", filepath.Join(set, "courier.db")); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	for _, f := range []string{"pii-keys.json", "jwt-ed25519.pem"} {
		if err := copyFile(filepath.Join(data, f), filepath.Join(set, f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyTree(filepath.Join(data, "blobs"), filepath.Join(set, "blobs")); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}

	for name, keyFile := range map[string]func(dir string) error{
		"without its key file":  func(string) error { return nil },
		"with another key file": func(dir string) error { return crypt.Generate().Save(filepath.Join(dir, "pii-keys.json")) },
	} {
		t.Run("a set "+name+" is refused before anything is copied", func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad")
			if err := copyTree(set, bad); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(bad, "pii-keys.json")); err != nil {
				t.Fatal(err)
			}
			if err := keyFile(bad); err != nil {
				t.Fatal(err)
			}
			if out, err := ctl(t, "", "restore", "-from", bad, "-data-dir", data); err == nil {
				t.Fatalf("restore succeeded:\n%s", out)
			}
			if _, err := os.Stat(data); err == nil {
				t.Fatal("the data dir was written")
			}
		})
	}
	if out, err := ctl(t, "", "restore", "-from", set, "-data-dir", data); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	t.Run("a second restore into the now full data dir is refused", func(t *testing.T) {
		if out, err := ctl(t, "", "restore", "-from", set, "-data-dir", data); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("got %v\n%s", err, out)
		}
	})
	if out, err := ctl(t, "", "keys", "check", "-data-dir", data); err != nil || !strings.Contains(out, "key 1: 12 sealed values, all open") {
		t.Fatalf("keys check: %v\n%s", err, out)
	}

	s, base = serve(t, data)
	defer s.Shutdown(5 * time.Second)
	root = loginAs(t, base, "root", "root-password", "console")
	c = loginAs(t, base, "courier.a", "courier-pass-1", "pda-1")
	seen := map[string]int{}
	for _, o := range must(root.AllAuditOps(ctx, nil)) {
		seen[o.OpID]++
	}
	for _, id := range acked {
		if seen[id] != 1 {
			t.Errorf("acknowledged op %s is in the restored audit %d times, want once", id, seen[id])
		}
	}
	contact := must(c.RevealContact(ctx, task.TaskID))
	if contact.Phone != "13812345678" || contact.Name != "张伟" {
		t.Fatalf("revealed %+v after the restore", contact)
	}
	if got := must(c.GetBlob(ctx, digest, client.VariantOriginal)); !bytes.Equal(got.Body, img) {
		t.Fatal("the restored photo differs from the uploaded one")
	}
}
