package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/client"
	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// plainJPEG is a small grey JPEG of w×h without any APP segment.
func plainJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDisplayFaultFindsMetadataWrongTurnsAndOversizedCopies(t *testing.T) {
	turned := shot{Width: 64, Height: 48, Orientation: 6} // shown 48×64
	exif := exifSegment(exifMeta{Orientation: 1, Taken: time.Now(), Lat: 31, Lon: 121})
	ok := &client.Response{Status: 200, Header: http.Header{"Content-Type": {"image/jpeg"}}}
	tests := []struct {
		name string
		ans  *client.Response
		s    shot
		want string
	}{
		{"an upright copy without metadata passes", ok, turned, ""},
		{"a copy still carrying EXIF and GPS fails", ok, turned, "APP1"},
		{"a copy left as stored, sideways, fails", ok, turned, "not upright"},
		{"a copy over 1600 px fails", ok, shot{Width: 1700, Height: 1200, Orientation: 1}, "over 1600"},
		{"an answer that is not a JPEG fails", &client.Response{Status: 200, Header: http.Header{"Content-Type": {"image/png"}}}, turned, "image/png"},
	}
	bodies := [][]byte{plainJPEG(t, 48, 64), withSegment(plainJPEG(t, 48, 64), exif), plainJPEG(t, 64, 48), plainJPEG(t, 1700, 1200), plainJPEG(t, 48, 64)}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans := *tt.ans
			ans.Body = bodies[i]
			got := displayFault(&ans, tt.s)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("fault %q, want one mentioning %q", got, tt.want)
			}
		})
	}
}

func TestHandheldCheckCountsPhotosLeftBehind(t *testing.T) {
	shots := []shot{{Digest: strings.Repeat("a", 64)}, {Digest: strings.Repeat("b", 64)}, {Digest: strings.Repeat("c", 64)}}
	p := &photoCheck{}
	blobs := p.checkHandheld(handheldPhotos{
		DeviceID: "pda-1", Pending: 1, Failed: 1, Shots: shots,
		Photos: []*mobileapi.PhotoStatus{
			{Digest: shots[0].Digest, Size: 10, Sent: 10, State: mobileapi.PhotoUploaded},
			{Digest: shots[1].Digest, Size: 10, Sent: 4, State: mobileapi.PhotoUploading},
			{Digest: shots[2].Digest, Size: 10, State: mobileapi.PhotoFailed, Code: "unsupported_media_type"},
		},
	})
	if p.Attached != 3 || p.Uploaded != 1 || p.HandheldPending != 1 || p.HandheldFailed != 1 || len(blobs) != 3 {
		t.Errorf("attached %d uploaded %d pending %d failed %d, %d to check on the server", p.Attached, p.Uploaded, p.HandheldPending, p.HandheldFailed, len(blobs))
	}
	all := strings.Join(p.Problems, "\n")
	for _, want := range []string{"uploading on the handheld (4 of 10", "failed: unsupported_media_type", "1 still pending"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	if p.OK() {
		t.Error("a handheld with photos left behind passed")
	}
}

// fakeBlobServer answers the routes the photo check reads, from maps.
type fakeBlobServer struct {
	originals  map[string][]byte            // digest → bytes
	incomplete map[string]bool              // HEAD says not whole
	displays   map[string][]byte            // digest → display copy
	reports    []syncproto.DamageReportView // courier u1's damage reports
}

func (f *fakeBlobServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	writeJSON := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	path := r.URL.Path
	switch {
	case path == "/v1/auth/login":
		writeJSON(syncproto.TokenResponse{AccessToken: "tok", Role: syncproto.RoleAdmin})
	case r.Header.Get("Authorization") != "Bearer tok":
		w.WriteHeader(http.StatusUnauthorized)
	case path == "/v1/damage-reports" && r.URL.Query().Get("courier_id") == "u1":
		writeJSON(map[string]any{"reports": f.reports, "cursor": "9", "has_more": false})
	case strings.HasPrefix(path, "/v1/blobs/"):
		digest, variant, _ := strings.Cut(strings.TrimPrefix(path, "/v1/blobs/"), "/")
		orig := f.originals[digest]
		switch {
		case orig == nil:
			w.WriteHeader(http.StatusNotFound)
		case r.Method == http.MethodHead:
			n := len(orig)
			if f.incomplete[digest] {
				n /= 2
			} else {
				w.Header().Set("Upload-Complete", "?1")
			}
			w.Header().Set("Upload-Offset", strconv.Itoa(n))
		case variant == "original":
			w.Write(orig)
		default:
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(f.displays[digest])
		}
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestPhotoCheckFindsPhotosNotStoredNotProcessedOrNotLinked(t *testing.T) {
	fake := &fakeBlobServer{originals: map[string][]byte{}, incomplete: map[string]bool{}, displays: map[string][]byte{}}
	var shots []shot
	var statuses []*mobileapi.PhotoStatus
	var reports []expectedReport
	for i, name := range []string{"good", "half-uploaded", "display-with-exif", "shown-pending"} {
		orig := withSegment(plainJPEG(t, 64+i, 48), exifSegment(exifMeta{Orientation: 6, Taken: time.Now(), Lat: 31, Lon: 121}))
		sum := sha256.Sum256(orig)
		d := hex.EncodeToString(sum[:])
		fake.originals[d] = orig
		fake.displays[d] = plainJPEG(t, 48, 64+i)
		shots = append(shots, shot{Digest: d, Width: 64 + i, Height: 48, Orientation: 6, Kind: syncproto.KindDamageReport})
		statuses = append(statuses, &mobileapi.PhotoStatus{Digest: d, Size: int64(len(orig)), Sent: int64(len(orig)), State: mobileapi.PhotoUploaded})
		reports = append(reports, expectedReport{OpID: "op-" + name, CourierID: "u1", Digests: []string{d}, Real: true})
		v := syncproto.DamageReportView{ReportID: "dr-" + name}
		state := "stored"
		switch name {
		case "half-uploaded":
			fake.incomplete[d] = true
			state = "pending"
		case "display-with-exif":
			fake.displays[d] = withSegment(fake.displays[d], exifSegment(exifMeta{Orientation: 1, Taken: time.Now()}))
		case "shown-pending":
			state = "pending"
		}
		v.Photos = append(v.Photos, syncproto.PhotoState{SHA256: d, State: state})
		fake.reports = append(fake.reports, v)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ad := newAdmin(srv.URL, srv.Client(), "admin", "pw")
	if err := ad.ensureLogin(t.Context()); err != nil {
		t.Fatal(err)
	}

	p, err := checkPhotos(context.Background(), ad, []handheldPhotos{{DeviceID: "pda-1", Shots: shots, Photos: statuses}}, reports)
	if err != nil {
		t.Fatal(err)
	}
	if p.Attached != 4 || p.Uploaded != 4 || p.Stored != 3 || p.Processed != 2 || p.Reports != 4 || p.Linked != 2 {
		t.Errorf("attached %d uploaded %d stored %d processed %d reports %d linked %d, want 4 4 3 2 4 2",
			p.Attached, p.Uploaded, p.Stored, p.Processed, p.Reports, p.Linked)
	}
	all := strings.Join(p.Problems, "\n")
	for _, want := range []string{"not stored whole", "APP1", "dr-shown-pending (op op-shown-pending): photos pending, want all stored"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	s := &summary{Check: &checkResult{}, Photos: p}
	if s.OK() || !strings.Contains(s.verdict(), "photos not stored") {
		t.Errorf("verdict %q for a run with photo problems", s.verdict())
	}
}
