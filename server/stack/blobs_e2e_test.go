package stack_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// noisyJPEG makes a real photo-like JPEG of w×h pixels.
func noisyJPEG(t testing.TB, w, h int, seed uint64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8(r.IntN(256)), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func digestOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// pngClaiming is a PNG signature and IHDR chunk claiming w×h, with no data.
func pngClaiming(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(13))
	chunk := append([]byte("IHDR"), ihdr[:]...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func (c *caller) putBlob(t *testing.T, digest string, body []byte) (*http.Response, []byte) {
	return c.do(t, "PUT", "/v1/blobs/"+digest, body, map[string]string{"Content-Type": "image/jpeg"})
}

func (c *caller) patchBlob(t *testing.T, digest string, offset, total int, chunk []byte) (*http.Response, []byte) {
	return c.do(t, "PATCH", "/v1/blobs/"+digest, chunk, map[string]string{
		"Content-Type": "application/offset+octet-stream", "Upload-Offset": strconv.Itoa(offset), "Upload-Length": strconv.Itoa(total)})
}

func TestWholeUploadsAreCheckedStoredOnceAndProcessed(t *testing.T) {
	ts := startStack(t, stack.Config{})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	photo := noisyJPEG(t, 1700, 1275, 1)
	d := digestOf(photo)

	if resp, body := a.putBlob(t, d, photo); resp.StatusCode != 201 {
		t.Fatalf("first upload: %d %s", resp.StatusCode, body)
	}
	if resp, body := a.putBlob(t, d, photo); resp.StatusCode != 200 {
		t.Fatalf("second upload of the same bytes: %d %s, want 200", resp.StatusCode, body)
	}
	t.Run("the original reads back byte for byte at once", func(t *testing.T) {
		resp, body := a.do(t, "GET", "/v1/blobs/"+d+"/original", nil, nil)
		if resp.StatusCode != 200 || !bytes.Equal(body, photo) {
			t.Fatalf("got %d, %d bytes; want 200 and the uploaded bytes", resp.StatusCode, len(body))
		}
	})
	ts.WaitPhotos()
	t.Run("the display copy is a re-encoded JPEG of at most 1600 px without metadata", func(t *testing.T) {
		resp, body := a.do(t, "GET", "/v1/blobs/"+d, nil, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(body))
		if err != nil || max(cfg.Width, cfg.Height) != 1600 || cfg.Width*3 != cfg.Height*4 {
			t.Fatalf("display %dx%d (%v), want 1600x1200", cfg.Width, cfg.Height, err)
		}
		if bytes.Contains(body, []byte("Exif")) {
			t.Fatal("display copy carries EXIF")
		}
	})
	t.Run("the thumbnail keeps the aspect ratio within 320 px", func(t *testing.T) {
		resp, body := a.do(t, "GET", "/v1/blobs/"+d+"/thumb", nil, nil)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(body))
		if resp.StatusCode != 200 || err != nil || cfg.Width != 320 || cfg.Height != 240 {
			t.Fatalf("thumb %d %dx%d (%v), want 320x240", resp.StatusCode, cfg.Width, cfg.Height, err)
		}
	})
}

func TestUploadsThatMustBeRefused(t *testing.T) {
	ts := startStack(t, stack.Config{})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	photo := noisyJPEG(t, 64, 48, 2)

	t.Run("a body whose digest differs is 422 digest_mismatch and nothing is kept", func(t *testing.T) {
		wrong := strings.Repeat("ab", 32)
		resp, body := a.putBlob(t, wrong, photo)
		wantError(t, resp, body, 422, syncproto.CodeDigestMismatch)
		if resp, _ := a.do(t, "HEAD", "/v1/blobs/"+wrong, nil, nil); resp.StatusCode != 404 {
			t.Fatalf("HEAD after a mismatch: %d, want 404", resp.StatusCode)
		}
	})
	t.Run("a PNG header claiming 60000x60000 is 422 before any decoding", func(t *testing.T) {
		bomb := pngClaiming(60000, 60000)
		resp, body := a.putBlob(t, digestOf(bomb), bomb)
		wantError(t, resp, body, 422, syncproto.CodeUnprocessable)
	})
	for name, header := range map[string][]byte{
		"GIF":  []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
		"TIFF": []byte("II*\x00\x08\x00\x00\x00\x00\x00\x00\x00"),
		"BMP":  append([]byte("BM"), make([]byte, 60)...),
	} {
		t.Run("a "+name+" is 415 unsupported_media_type", func(t *testing.T) {
			resp, body := a.putBlob(t, digestOf(header), header)
			wantError(t, resp, body, 415, syncproto.CodeUnsupportedMediaType)
		})
	}
	t.Run("a wrong offset is 409 with the offset the server holds", func(t *testing.T) {
		d := digestOf(photo)
		if resp, body := a.patchBlob(t, d, 0, len(photo), photo[:100]); resp.StatusCode != 204 {
			t.Fatalf("first chunk: %d %s", resp.StatusCode, body)
		}
		resp, body := a.patchBlob(t, d, 50, len(photo), photo[50:200])
		wantError(t, resp, body, 409, syncproto.CodeConflict)
		if got := resp.Header.Get("Upload-Offset"); got != "100" {
			t.Fatalf("Upload-Offset %q, want 100", got)
		}
	})
	t.Run("a PATCH without the offset content type is 415", func(t *testing.T) {
		resp, body := a.do(t, "PATCH", "/v1/blobs/"+digestOf(photo), photo, map[string]string{"Upload-Offset": "0", "Upload-Length": "10"})
		wantError(t, resp, body, 415, syncproto.CodeUnsupportedMediaType)
	})
	t.Run("21 MiB is 413 without the server reading it all", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "PUT /v1/blobs/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", digestOf(photo), a.token, 21<<20)
		conn.Write(bytes.Repeat([]byte{0xff}, 64<<10)) // a small part of the body, then wait for the answer
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer before the body was sent: %v", err)
		}
		if resp.StatusCode != 413 {
			t.Fatalf("got %d, want 413", resp.StatusCode)
		}
	})
}

func TestResumableUploadSurvivesAServerRestart(t *testing.T) {
	dir := t.TempDir()
	ts := startStack(t, stack.Config{DataDir: dir})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	photo := noisyJPEG(t, 800, 600, 3)
	d := digestOf(photo)
	half := len(photo) / 2
	if resp, body := a.patchBlob(t, d, 0, len(photo), photo[:half]); resp.StatusCode != 204 || resp.Header.Get("Upload-Offset") != strconv.Itoa(half) {
		t.Fatalf("first half: %d %s offset %s", resp.StatusCode, body, resp.Header.Get("Upload-Offset"))
	}
	ts.stop(t)

	ts2 := startStack(t, stack.Config{DataDir: dir})
	a2 := ts2.login(t, "courier-a", "courier-a-password", "dev-a")
	resp, _ := a2.do(t, "HEAD", "/v1/blobs/"+d, nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Upload-Offset") != strconv.Itoa(half) || resp.Header.Get("Upload-Complete") != "" {
		t.Fatalf("HEAD after restart: %d offset %q complete %q, want 200, %d, incomplete", resp.StatusCode, resp.Header.Get("Upload-Offset"), resp.Header.Get("Upload-Complete"), half)
	}
	resp, body := a2.patchBlob(t, d, half, len(photo), photo[half:])
	if resp.StatusCode != 201 || resp.Header.Get("Upload-Complete") != "?1" {
		t.Fatalf("last half: %d %s", resp.StatusCode, body)
	}
	if resp, body := a2.do(t, "GET", "/v1/blobs/"+d+"/original", nil, nil); resp.StatusCode != 200 || !bytes.Equal(body, photo) {
		t.Fatalf("original after resume: %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestWhoMayReadWhichPhoto(t *testing.T) {
	ts := startStack(t, stack.Config{})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	b := ts.user(t, "courier-b", syncproto.RoleCourier, "dev-b")
	disp := ts.user(t, "dispatcher", syncproto.RoleDispatcher, "console-d")
	sup := ts.user(t, "supervisor", syncproto.RoleSupervisor, "console-s")
	photo := noisyJPEG(t, 320, 240, 4)
	d := digestOf(photo)
	if resp, _ := a.putBlob(t, d, photo); resp.StatusCode != 201 {
		t.Fatal("upload failed")
	}
	ts.WaitPhotos()
	tests := []struct {
		who     *caller
		name    string
		variant string
		want    int
	}{
		{a, "the uploading courier reads the original", "/original", 200},
		{a, "the uploading courier reads the display copy", "", 200},
		{b, "another courier gets 404 for the display copy", "", 404},
		{b, "another courier gets 404 for the original", "/original", 404},
		{disp, "a dispatcher reads the display copy", "", 200},
		{disp, "a dispatcher reads the thumbnail", "/thumb", 200},
		{disp, "a dispatcher may not read the original", "/original", 403},
		{sup, "a supervisor reads the original", "/original", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp, body := tt.who.do(t, "GET", "/v1/blobs/"+d+tt.variant, nil, nil); resp.StatusCode != tt.want {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, body, tt.want)
			}
		})
	}
}

func TestDamageReportShowsWhichPhotosArePending(t *testing.T) {
	ts := startStack(t, stack.Config{})
	a := ts.user(t, "courier-a", syncproto.RoleCourier, "dev-a")
	disp := ts.user(t, "dispatcher", syncproto.RoleDispatcher, "console-d")
	p1, p2 := noisyJPEG(t, 200, 150, 5), noisyJPEG(t, 200, 150, 6)
	d1, d2 := digestOf(p1), digestOf(p2)
	res := a.push(t, newOp("damage_report", 1, map[string]any{"waybill": "SF55550001", "stage": "delivery", "severity": "major",
		"description": "box crushed", "photos": []string{d1, d2}}))
	if res[0].Status != "applied" {
		t.Fatalf("damage report: %+v", res[0])
	}
	states := func() (map[string]string, bool) {
		var list server.DamageReportList
		disp.mustJSON(t, "GET", "/v1/damage-reports?waybill=SF55550001", nil, 200, &list)
		if len(list.Reports) != 1 {
			t.Fatalf("reports: %+v", list.Reports)
		}
		m := map[string]string{}
		for _, p := range list.Reports[0].Photos {
			m[p.SHA256] = p.State
		}
		return m, list.Reports[0].PhotosPending
	}
	if m, pending := states(); m[d1] != "pending" || m[d2] != "pending" || !pending {
		t.Fatalf("before uploads: %v pending=%v", m, pending)
	}
	a.putBlob(t, d1, p1)
	ts.WaitPhotos()
	if m, pending := states(); m[d1] != "stored" || m[d2] != "pending" || !pending {
		t.Fatalf("after one upload: %v pending=%v", m, pending)
	}
	a.putBlob(t, d2, p2)
	ts.WaitPhotos()
	if m, pending := states(); m[d1] != "stored" || m[d2] != "stored" || pending {
		t.Fatalf("after both uploads: %v pending=%v", m, pending)
	}
	t.Run("a courier may not list damage reports", func(t *testing.T) {
		resp, body := a.do(t, "GET", "/v1/damage-reports", nil, nil)
		wantError(t, resp, body, 403, syncproto.CodeForbidden)
	})
}

func TestARefusedUploadLeavesTheConnectionClean(t *testing.T) {
	ts := startStack(t, stack.Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	chunk := bytes.Repeat([]byte{0xd8}, 200<<10)
	fmt.Fprintf(conn, "PATCH /v1/blobs/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer expired.or.forged\r\n"+
		"Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nUpload-Length: %d\r\nContent-Length: %d\r\n\r\n",
		strings.Repeat("cd", 32), len(chunk), len(chunk))
	conn.Write(chunk)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("refused chunk: %v %v, want 401", resp, err)
	}
	resp.Body.Close()
	// The same connection must serve the next request, not the chunk's bytes.
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err = http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("next request on the connection: %v %v, want 200", resp, err)
	}
}
