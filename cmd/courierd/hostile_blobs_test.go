//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

	"github.com/courier-sync/courier-sync/client"
	"github.com/courier-sync/courier-sync/server/photo/phototest"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// The attacks of issue 8 on photo uploads (items 5, 6 and 8), run against
// the real courierd binary over loopback.

func hostilePhoto(t *testing.T, w, h int, seed uint64) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 7))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// hostileServer starts courierd with extra env and returns its base URL,
// an API client and an admin token.
func hostileServer(t *testing.T, env ...string) (string, *apiClient, string) {
	t.Helper()
	srv := newServerProc(t)
	srv.env = env
	srv.start()
	api := newAPIClient(t)
	admin, err := api.login(t.Context(), srv.url(), adminUser, adminPassword, "admin-console")
	if err != nil {
		t.Fatal(err)
	}
	return srv.url(), api, admin
}

func hostileCourier(t *testing.T, api *apiClient, base, admin, name string) string {
	t.Helper()
	if _, err := api.createCourier(t.Context(), base, admin, name, name+"-password"); err != nil {
		t.Fatal(err)
	}
	tok, err := api.login(t.Context(), base, name, name+"-password", name+"-pda")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// rawUpload sends a request on a fresh connection and returns the
// connection and a reader of its responses.
func rawUpload(t *testing.T, base, method, digest, token string, hdr string, body []byte, contentLength int) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "%s /v1/blobs/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n%sContent-Length: %d\r\n\r\n",
		method, digest, token, hdr, contentLength)
	conn.Write(body)
	return conn, bufio.NewReader(conn)
}

func putPhoto(t *testing.T, base, token string, photo []byte) int {
	t.Helper()
	created, err := client.New(base, client.WithToken(token)).PutBlob(t.Context(), sha(photo), "", photo)
	switch {
	case client.StatusOf(err) != 0:
		return client.StatusOf(err)
	case err != nil:
		t.Fatal(err)
	case created:
		return http.StatusCreated
	}
	return http.StatusOK
}

func TestHostileBlobsSmuggledRequestIsNeverExecuted(t *testing.T) {
	base, api, admin := hostileServer(t)
	tok := hostileCourier(t, api, base, admin, "smuggler")
	photo := hostilePhoto(t, 600, 400, 1)
	// The smuggled request is a push: if it ran, the audit trail shows it.
	opID := uuid.Must(uuid.NewV7()).String()
	push, _ := json.Marshal(syncproto.PushRequest{DeviceID: "smuggler-pda", Ops: []syncproto.Op{{OpID: opID, Seq: 1, Kind: syncproto.KindDamageReport,
		RecordedAt: time.Now().Format(time.RFC3339), Payload: json.RawMessage(`{"waybill":"SF77770001","stage":"delivery","severity":"minor","description":"x","photos":["` + sha(photo) + `"]}`)}}})
	smuggled := fmt.Sprintf("POST /v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", tok, len(push), push)
	body := append(bytes.Clone(photo), smuggled...)
	hdr := "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nUpload-Length: " + strconv.Itoa(len(photo)) + "\r\n"
	conn, r := rawUpload(t, base, "PATCH", sha(photo), tok, hdr, body, len(body))
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("no answer to the PATCH: %v", err)
	}
	resp.Body.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second)) // a fixed server closes at once
	if second, err := http.ReadResponse(r, nil); err == nil {
		t.Errorf("the bytes past Upload-Length were answered as a request: %d", second.StatusCode)
	}
	ops, err := api.auditOps(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.OpID == opID {
			t.Fatal("the smuggled push was applied")
		}
	}
}

func TestHostileBlobsTricklingUploadsStallNoOne(t *testing.T) {
	base, api, admin := hostileServer(t)
	photo := hostilePhoto(t, 600, 400, 2)
	n := 0
	for c := range 16 {
		tok := hostileCourier(t, api, base, admin, fmt.Sprint("trickler-", c))
		for range 4 {
			trick := hostilePhoto(t, 600, 400, uint64(100+n))
			n++
			rawUpload(t, base, "PUT", sha(trick), tok, "", trick[:len(trick)/2], len(trick))
		}
	}
	victim := hostileCourier(t, api, base, admin, "victim")
	start := time.Now()
	if got := putPhoto(t, base, victim, photo); got != 201 {
		t.Fatalf("the victim's upload with %d trickling uploads open: %d", n, got)
	}
	// Issue 8 measured 57 s; with nothing shared held it takes milliseconds.
	if took := time.Since(start); took > 15*time.Second {
		t.Fatalf("the victim's %d KB photo took %v behind %d trickling uploads", len(photo)>>10, took, n)
	}
}

func TestHostileBlobsImageBombsNeitherStallNorCrashLoop(t *testing.T) {
	base, api, admin := hostileServer(t, "COURIERD_PHOTO_MEMORY_MB=64")
	bomber := hostileCourier(t, api, base, admin, "bomber")
	normal := hostileCourier(t, api, base, admin, "normal")
	scanBomb := phototest.ScanBomb(4096, 4096, 15000)
	if got := putPhoto(t, base, bomber, scanBomb); got != 422 {
		t.Fatalf("a %d KB JPEG of 15,000 scans: %d, want 422 at upload", len(scanBomb)>>10, got)
	}
	// 40 PNGs that would decode past the budget, each a little different.
	var bombs []string
	pngBomb := phototest.PNGBomb(2200, 2200, true)
	for i := range 40 {
		b := phototest.Tagged(pngBomb, strconv.Itoa(i))
		if got := putPhoto(t, base, bomber, b); got != 201 {
			t.Fatalf("PNG bomb %d: %d", i, got)
		}
		bombs = append(bombs, sha(b))
	}
	photo := hostilePhoto(t, 800, 600, 3)
	if got := putPhoto(t, base, normal, photo); got != 201 {
		t.Fatalf("normal photo: %d", got)
	}
	thumb := func(tok, digest string) int {
		r, err := api.send(t.Context(), "GET", base, "/v1/blobs/"+digest+"/thumb", tok, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.status
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for thumb(normal, sha(photo)) != 200 {
		if ctx.Err() != nil {
			t.Fatal("the normal photo's thumbnail is not made behind 40 bombs")
		}
		time.Sleep(50 * time.Millisecond) // polling the server, as a handheld does (Retry-After)
	}
	for _, d := range bombs {
		for {
			st := thumb(bomber, d)
			if st == 422 {
				break
			}
			if st != 202 || ctx.Err() != nil {
				t.Fatalf("bomb %s: %d, want 422 unprocessable", d[:8], st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
