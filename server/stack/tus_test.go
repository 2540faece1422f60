package stack_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// tusClientDir is where scripts/tus-test.sh installs tus-js-client (npm
// install --prefix build/tusclient tus-js-client), from this package.
const tusClientDir = "../../build/tusclient/node_modules"

// noiseJPEG makes a w×h JPEG of random pixels at quality 100 (noise does
// not compress: ~2-3 bytes a pixel).
func noiseJPEG(t *testing.T, w, h int, seed uint64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var key [32]byte
	key[0] = byte(seed)
	rand.NewChaCha8(key).Read(img.Pix)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// nodeTusClient returns node's path, or skips the test when node or
// tus-js-client is missing outside CI (in CI a missing client fails).
func nodeTusClient(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(tusClientDir, "tus-js-client", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node or tus-js-client missing (%v): run scripts/tus-test.sh", err)
		}
		t.Skipf("node or tus-js-client missing (%v): scripts/tus-test.sh installs the client and runs this test", err)
	}
	return node
}

// TestTusJSClientUploadsA10MBPhotoAcrossThreeCuts: the stock tus-js-client
// under Node uploads a real 10 MB JPEG to /v1/uploads through a link cut
// three times; the photo is stored once as the blob of its digest,
// processed, and linked to the damage report the same courier pushes.
func TestTusJSClientUploadsA10MBPhotoAcrossThreeCuts(t *testing.T) {
	node := nodeTusClient(t)
	ts := startStack(t, stack.Config{})
	courier := ts.user(t, "courier-tus", syncproto.RoleCourier, "pda-tus")
	disp := ts.user(t, "dispatcher-tus", syncproto.RoleDispatcher, "console-tus")

	photo := noiseJPEG(t, 2600, 2050, 11)
	if len(photo) < 10_000_000 || len(photo) > server.MaxBlobBytes {
		t.Fatalf("the photo is %d bytes, want ~10 MB and within the server's limit", len(photo))
	}
	digest := digestOf(photo)
	file := filepath.Join(t.TempDir(), "IMG_0002.jpg")
	if err := os.WriteFile(file, photo, 0o600); err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, strings.TrimPrefix(ts.url, "http://"), 3, int64(len(photo)), 20261206)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "testdata/tus_upload.cjs")
	abs, _ := filepath.Abs(tusClientDir)
	cmd.Env = append(os.Environ(), "NODE_PATH="+abs, "TUS_ENDPOINT="+proxy.URL()+"/v1/uploads",
		"TUS_TOKEN="+courier.token, "TUS_FILE="+file, "TUS_SHA256="+digest)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tus-js-client: %v\n%s", err, out)
	}
	sent, cuts := proxy.stats()
	t.Logf("%d-byte JPEG: %d cuts, %d bytes client→server (%.3f×); client said %s", len(photo), cuts, sent,
		float64(sent)/float64(len(photo)), bytes.TrimSpace(out))
	if cuts != 3 {
		t.Fatalf("%d cuts, want 3", cuts)
	}

	for i, r := range courier.push(t, newOp("damage_report", 1, map[string]any{"waybill": "SF7000000002", "stage": "delivery",
		"severity": "major", "description": "box crushed", "photos": []string{digest}})) {
		if r.Status != "applied" {
			t.Fatalf("op %d: %+v", i, r)
		}
	}
	t.Run("the courier reads back the exact bytes, stored once", func(t *testing.T) {
		resp, body := courier.do(t, "GET", "/v1/blobs/"+digest+"/original", nil, nil)
		if resp.StatusCode != 200 || !bytes.Equal(body, photo) {
			t.Fatalf("original: %d, %d bytes; want the %d uploaded bytes", resp.StatusCode, len(body), len(photo))
		}
		if left, _ := filepath.Glob(filepath.Join(ts.dir, "tus", "*")); len(left) != 0 {
			t.Fatalf("tusd's files are left: %v", left)
		}
	})
	ts.WaitPhotos()
	t.Run("the display copy is served once processed", func(t *testing.T) {
		resp, body := courier.do(t, "GET", "/v1/blobs/"+digest, nil, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("display: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(body)); err != nil || cfg.Width != 1600 {
			t.Fatalf("display %dx%d (%v), want 1600 wide", cfg.Width, cfg.Height, err)
		}
	})
	t.Run("the dispatcher sees the damage report's photo stored", func(t *testing.T) {
		var list server.DamageReportList
		disp.mustJSON(t, "GET", "/v1/damage-reports?waybill=SF7000000002", nil, 200, &list)
		if len(list.Reports) != 1 || len(list.Reports[0].Photos) != 1 || list.Reports[0].Photos[0].State != server.BlobStored {
			t.Fatalf("reports %+v", list.Reports)
		}
	})
}
