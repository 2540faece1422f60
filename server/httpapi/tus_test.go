package httpapi_test

import (
	"crypto/sha1" //nolint:gosec // the tus checksum algorithm
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// tusCreate starts a tus upload of size bytes named digest and returns its
// path.
func tusCreate(t *testing.T, h *harness, token, digest string, size int) string {
	t.Helper()
	r := h.do(t, "POST", "/v1/uploads", token, nil, "Tus-Resumable", "1.0.0", "Upload-Length", strconv.Itoa(size),
		"Upload-Metadata", "sha256 "+base64.StdEncoding.EncodeToString([]byte(digest))+",filename "+base64.StdEncoding.EncodeToString([]byte("Li Na.png")))
	if r.status != 201 {
		t.Fatalf("create: %s", r)
	}
	loc := r.header.Get("Location")
	i := strings.Index(loc, "/v1/uploads/")
	if i < 0 || r.header.Get("Upload-Expires") == "" {
		t.Fatalf("create: Location %q, Upload-Expires %q", loc, r.header.Get("Upload-Expires"))
	}
	return loc[i:]
}

func tusPatch(t *testing.T, h *harness, token, path string, offset int, chunk []byte, hdr ...string) reply {
	t.Helper()
	hdr = append([]string{"Tus-Resumable", "1.0.0", "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.Itoa(offset)}, hdr...)
	return h.do(t, "PATCH", path, token, chunk, hdr...)
}

// TestTusUploadBecomesTheBlob: create, two PATCHes with a HEAD between,
// and the finished upload is the blob of its digest, readable by its
// uploader; tusd's files are gone.
func TestTusUploadBecomesTheBlob(t *testing.T) {
	h := newHarness(t)
	t.Cleanup(h.st.WaitPhotos) // the pipeline is done with the blob before its folder goes
	c, other := h.courier(t, "tus-a"), h.courier(t, "tus-b")
	photo := pngBytes(t, 77)
	digest := sum(photo)
	path := tusCreate(t, h, c.access, digest, len(photo))
	half := len(photo) / 2

	if r := tusPatch(t, h, c.access, path, 0, photo[:half]); r.status != 204 || r.header.Get("Upload-Offset") != strconv.Itoa(half) {
		t.Fatalf("first chunk: %s offset %q", r, r.header.Get("Upload-Offset"))
	}
	r := h.do(t, "HEAD", path, c.access, nil, "Tus-Resumable", "1.0.0")
	if r.status != 200 || r.header.Get("Upload-Offset") != strconv.Itoa(half) || r.header.Get("Upload-Length") != strconv.Itoa(len(photo)) {
		t.Fatalf("HEAD: %s %v", r, r.header)
	}
	// Another courier learns nothing of it and cannot touch it.
	h.do(t, "HEAD", path, other.access, nil, "Tus-Resumable", "1.0.0").wantStatus(t, 404)
	tusPatch(t, h, other.access, path, half, photo[half:]).wantError(t, 404, syncproto.CodeNotFound)
	h.do(t, "DELETE", path, other.access, nil, "Tus-Resumable", "1.0.0").wantError(t, 404, syncproto.CodeNotFound)
	// A wrong offset is refused; a chunk that does not match its checksum too.
	tusPatch(t, h, c.access, path, 1, photo[1:]).wantError(t, 409, syncproto.CodeConflict)
	tusPatch(t, h, c.access, path, half, photo[half:], "Upload-Checksum", "sha1 "+b64sha1([]byte("other"))).wantError(t, 460, syncproto.CodeDigestMismatch)

	if r := tusPatch(t, h, c.access, path, half, photo[half:], "Upload-Checksum", "sha1 "+b64sha1(photo[half:])); r.status != 204 {
		t.Fatalf("last chunk: %s", r)
	}
	if r := h.do(t, "HEAD", "/v1/blobs/"+digest, c.access, nil); r.status != 200 || r.header.Get("Upload-Complete") != "?1" {
		t.Fatalf("the blob is not stored: %s", r)
	}
	h.do(t, "HEAD", "/v1/blobs/"+digest, other.access, nil).wantStatus(t, 404)
	h.do(t, "HEAD", path, c.access, nil, "Tus-Resumable", "1.0.0").wantStatus(t, 404)
	if left, _ := filepath.Glob(filepath.Join(h.dir, "tus", "*")); len(left) != 0 {
		t.Fatalf("tusd's files are left: %v", left)
	}
}

// TestTusRefusesAMismatchAndKeepsNothing: a finished upload whose bytes
// are not its declared digest fails the last PATCH with digest_mismatch,
// and neither the blob nor tusd's partial is kept.
func TestTusRefusesAMismatchAndKeepsNothing(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "tus-c")
	photo, claimed := pngBytes(t, 90), pngBytes(t, 91)
	path := tusCreate(t, h, c.access, sum(claimed), len(photo))
	tusPatch(t, h, c.access, path, 0, photo).wantError(t, 422, syncproto.CodeDigestMismatch)
	h.do(t, "HEAD", "/v1/blobs/"+sum(claimed), c.access, nil).wantStatus(t, 404)
	h.do(t, "HEAD", "/v1/blobs/"+sum(photo), c.access, nil).wantStatus(t, 404)
	if left, _ := filepath.Glob(filepath.Join(h.dir, "tus", "*")); len(left) != 0 {
		t.Fatalf("tusd's files are left: %v", left)
	}

	// Not an image at all: refused the same way.
	text := []byte("this is not a photo, just text that claims to be one")
	path = tusCreate(t, h, c.access, sum(text), len(text))
	if r := tusPatch(t, h, c.access, path, 0, text); r.status != 415 {
		t.Fatalf("text upload: %s", r)
	}
	h.do(t, "HEAD", "/v1/blobs/"+sum(text), c.access, nil).wantStatus(t, 404)
}

// TestTusCreationChecks: the digest is required, sizes are bounded, the
// tus version is required, and termination removes the partial.
func TestTusCreationChecks(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "tus-d")
	h.do(t, "POST", "/v1/uploads", c.access, nil, "Tus-Resumable", "1.0.0", "Upload-Length", "10").wantError(t, 400, syncproto.CodeInvalidRequest)
	h.do(t, "POST", "/v1/uploads", c.access, nil, "Tus-Resumable", "1.0.0", "Upload-Length", "10",
		"Upload-Metadata", "sha256 "+base64.StdEncoding.EncodeToString([]byte("abc"))).wantError(t, 400, syncproto.CodeInvalidRequest)
	h.do(t, "POST", "/v1/uploads", c.access, nil, "Tus-Resumable", "1.0.0", "Upload-Length", strconv.Itoa(20<<20+1),
		"Upload-Metadata", "sha256 "+base64.StdEncoding.EncodeToString([]byte(sum(nil)))).wantError(t, 413, syncproto.CodePayloadTooLarge)
	h.do(t, "POST", "/v1/uploads", c.access, nil, "Upload-Length", "10",
		"Upload-Metadata", "sha256 "+base64.StdEncoding.EncodeToString([]byte(sum(nil)))).wantStatus(t, 412)
	h.do(t, "POST", "/v1/uploads", "", nil, "Tus-Resumable", "1.0.0").wantStatus(t, 401)
	if r := h.do(t, "OPTIONS", "/v1/uploads", c.access, nil); r.status != 204 || !strings.Contains(r.header.Get("Tus-Extension"), "checksum") {
		t.Fatalf("OPTIONS: %s %v", r, r.header)
	}

	photo := pngBytes(t, 5)
	path := tusCreate(t, h, c.access, sum(photo), len(photo))
	h.do(t, "DELETE", path, c.access, nil, "Tus-Resumable", "1.0.0").wantStatus(t, 204)
	h.do(t, "HEAD", path, c.access, nil, "Tus-Resumable", "1.0.0").wantStatus(t, 404)
	entries, _ := os.ReadDir(filepath.Join(h.dir, "tus"))
	if len(entries) != 0 {
		t.Fatalf("tus folder after DELETE: %d files", len(entries))
	}
}

func b64sha1(b []byte) string {
	s := sha1.Sum(b) //nolint:gosec // the tus checksum algorithm
	return base64.StdEncoding.EncodeToString(s[:])
}

// wantStatus checks a reply's status only.
func (r reply) wantStatus(tb testing.TB, status int) {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
}

// TestTusUploadsExpireAfter24Hours: an upload untouched for a day is no
// longer resumable (404) and its files are removed by the next creation's
// sweep.
func TestTusUploadsExpireAfter24Hours(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "tus-e")
	photo := pngBytes(t, 6)
	path := tusCreate(t, h, c.access, sum(photo), len(photo))
	tusPatch(t, h, c.access, path, 0, photo[:10]).wantStatus(t, 204)
	h.clock.Advance(23 * time.Hour)
	c = h.login(t, "tus-e", "dev-tus-e") // the access token expired meanwhile
	h.do(t, "HEAD", path, c.access, nil, "Tus-Resumable", "1.0.0").wantStatus(t, 200)
	h.clock.Advance(2 * time.Hour)
	c = h.login(t, "tus-e", "dev-tus-e") // the access token expired meanwhile
	h.do(t, "HEAD", path, c.access, nil, "Tus-Resumable", "1.0.0").wantStatus(t, 404)
	tusPatch(t, h, c.access, path, 10, photo[10:]).wantStatus(t, 404)
	tusCreate(t, h, c.access, sum(photo), len(photo))
	if entries, _ := os.ReadDir(filepath.Join(h.dir, "tus")); len(entries) != 2 { // the new upload's file and .info
		t.Fatalf("tus folder after the sweep: %d files, want the new upload's 2", len(entries))
	}
}
