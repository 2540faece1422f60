package httpapi

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // tus checksum extension: sha1 is the algorithm every client knows
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	xslog "golang.org/x/exp/slog"
)

// tus 1.0 resumable uploads at /v1/uploads (PROTOCOL.md "Additions to
// v1"), built on tusd's handler: partials live in Config.UploadsDir; a
// finished upload is handed to Blobs.Put as if it were PUT /v1/blobs/{sha256}
// by its uploader, then removed.
const (
	tusBasePath = "/v1/uploads/"
	// TusExpiry is how long an upload untouched stays resumable.
	TusExpiry = 24 * time.Hour
	// metaOwner is the metadata key (set by the server, never the client)
	// naming the uploader.
	metaOwner  = "courier_owner"
	metaSHA256 = "sha256"
)

var tusID = regexp.MustCompile(`^[0-9a-f]{32}$`)

type ctxKey struct{}

// tusService is the tusd handler with our ownership, checksum and
// expiration layer around it.
type tusService struct {
	blobs   *server.Blobs
	store   filestore.FileStore
	dir     string
	handler *tusd.Handler
	now     func() time.Time
	gate    *chunkGate

	mu        sync.Mutex
	lastSweep time.Time
}

func newTusService(dir string, blobs *server.Blobs) (*tusService, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	t := &tusService{blobs: blobs, store: filestore.New(dir), dir: dir, now: blobs.Clock.Now, gate: newChunkGate(tusChunksPerUser, tusChunks)}
	composer := tusd.NewStoreComposer()
	t.store.UseIn(composer)
	memorylocker.New().UseIn(composer)
	h, err := tusd.NewHandler(tusd.Config{
		StoreComposer:             composer,
		BasePath:                  tusBasePath,
		MaxSize:                   server.MaxBlobBytes,
		DisableDownload:           true,
		Cors:                      &tusd.CorsConfig{Disable: true},
		Logger:                    xslog.New(xslog.NewTextHandler(io.Discard, nil)), // its lines quote requests
		PreUploadCreateCallback:   t.preCreate,
		PreFinishResponseCallback: t.preFinish,
	})
	if err != nil {
		return nil, err
	}
	t.handler = h
	return t, nil
}

// tusError is a tusd error whose body is the contract's error object.
func tusError(code syncproto.Code, status int, msg string) tusd.Error {
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": string(code), "message": msg}})
	return tusd.Error{ErrorCode: string(code), Message: msg, HTTPResponse: tusd.HTTPResponse{
		StatusCode: status, Body: string(body),
		Header: tusd.HTTPHeader{"Content-Type": "application/json"},
	}}
}

// asTusError turns an error of the blob service into its contract answer.
func asTusError(err error) tusd.Error {
	var pe *syncproto.Error
	var ra *server.RetryAfterError
	switch {
	case errors.As(err, &ra):
		pe = ra.Err
	case errors.As(err, &pe):
	case server.IsDiskFull(err):
		pe = server.ErrInsufficientStorage
	default:
		return tusError(syncproto.CodeInternal, http.StatusInternalServerError, "internal error")
	}
	return tusError(pe.Code, syncproto.StatusOf(pe.Code), pe.Message)
}

func principalOf(ctx context.Context) server.Principal {
	p, _ := ctx.Value(ctxKey{}).(server.Principal)
	return p
}

// preCreate checks the declared digest and length, and replaces the
// client's metadata with the digest and the uploader (no file names or
// other free text are kept).
func (t *tusService) preCreate(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	t.sweep()
	digest := hook.Upload.MetaData[metaSHA256]
	if !syncproto.ValidDigest(digest) {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(syncproto.CodeInvalidRequest, 400,
			"Upload-Metadata: sha256 (the base64 of the lowercase hex SHA-256 of the file) is required")
	}
	if hook.Upload.SizeIsDeferred || hook.Upload.Size <= 0 {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(syncproto.CodeInvalidRequest, 400,
			"Upload-Length: required, at least one byte")
	}
	p := principalOf(hook.Context)
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{MetaData: tusd.MetaData{metaSHA256: digest, metaOwner: p.UserID}}, nil
}

// preFinish stores the finished upload as the blob it names, checked as
// PUT /v1/blobs/{sha256}; the client's last PATCH is answered after.
// Success or not, tusd's copy is removed.
func (t *tusService) preFinish(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	defer t.remove(hook.Upload.ID)
	f, err := os.Open(hook.Upload.Storage["Path"])
	if err != nil {
		return tusd.HTTPResponse{}, asTusError(err)
	}
	defer f.Close()
	header := make([]byte, t.blobs.Inspector.SniffNeed())
	n, err := io.ReadFull(f, header)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return tusd.HTTPResponse{}, asTusError(err)
	}
	p := principalOf(hook.Context)
	if _, err := t.blobs.Put(hook.Context, p, hook.Upload.MetaData[metaSHA256], hook.Upload.Size, header[:n], f); err != nil {
		return tusd.HTTPResponse{}, asTusError(err)
	}
	return tusd.HTTPResponse{}, nil
}

// remove deletes tusd's files of an upload.
func (t *tusService) remove(id string) {
	if !tusID.MatchString(id) {
		return
	}
	_ = os.Remove(filepath.Join(t.dir, id))
	_ = os.Remove(filepath.Join(t.dir, id+".info"))
}

// sweep removes uploads untouched for TusExpiry, at most once a minute.
func (t *tusService) sweep() {
	now := t.now()
	t.mu.Lock()
	if now.Sub(t.lastSweep) < time.Minute {
		t.mu.Unlock()
		return
	}
	t.lastSweep = now
	t.mu.Unlock()
	t.expire(now)
}

// expire removes every upload whose files were last touched before
// now-TusExpiry.
func (t *tusService) expire(now time.Time) int {
	entries, err := os.ReadDir(t.dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".info")
		if !ok || !tusID.MatchString(id) {
			continue
		}
		if t.touched(id).Add(TusExpiry).Before(now) {
			t.remove(id)
			n++
		}
	}
	return n
}

// touched is the last change of an upload's files.
func (t *tusService) touched(id string) time.Time {
	var last time.Time
	for _, name := range []string{id, id + ".info"} {
		if st, err := os.Stat(filepath.Join(t.dir, name)); err == nil && st.ModTime().After(last) {
			last = st.ModTime()
		}
	}
	return last
}

// owns reports whether upload id exists and is p's.
func (t *tusService) owns(ctx context.Context, p server.Principal, id string) bool {
	if !tusID.MatchString(id) {
		return false
	}
	up, err := t.store.GetUpload(ctx, id)
	if err != nil {
		return false
	}
	info, err := up.GetInfo(ctx)
	return err == nil && info.MetaData[metaOwner] == p.UserID && p.UserID != "" &&
		!t.touched(id).Add(TusExpiry).Before(t.now())
}

// serve is the fiber handler of every /v1/uploads route.
func (t *tusService) serve(c *fiber.Ctx) error {
	p := principal(c)
	id := c.Params("id")
	if c.Method() != fiber.MethodPost && !t.owns(c.UserContext(), p, id) {
		return server.ErrNotFound // another's upload is not known to exist
	}
	if hasChunk(c) {
		release, err := t.gate.admit(p.UserID)
		if err != nil {
			c.Context().SetConnectionClose() // the chunk is not read
			return err
		}
		defer release()
		if err := readChunk(c); err != nil {
			return err
		}
	}
	c.Set("Upload-Expires", t.now().Add(TusExpiry).UTC().Format(http.TimeFormat))
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Not the adaptor's context (fasthttp's RequestCtx): its Done closes
	// at shutdown while its Err stays nil, which makes a context derived
	// from it panic. The body is already read, so nothing needs cancelling.
	ctx := context.WithValue(c.UserContext(), ctxKey{}, p)
	return adaptor.HTTPHandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(ctx)
		if r.Method == http.MethodPatch && !checksumOK(w, r) {
			return
		}
		jw := &jsonErrors{ResponseWriter: w}
		http.StripPrefix(strings.TrimSuffix(tusBasePath, "/"), t.handler).ServeHTTP(jw, r)
		jw.flush()
	})(c)
}

// jsonErrors turns tusd's plain-text errors ("ERR_X: message") into the
// contract's error object.
type jsonErrors struct {
	http.ResponseWriter
	status int
	text   bytes.Buffer
}

func (j *jsonErrors) WriteHeader(status int) {
	h := j.Header()
	if status >= 400 && !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		j.status = status
		h.Set("Content-Type", "application/json")
		h.Del("Content-Length")
	}
	j.ResponseWriter.WriteHeader(status)
}

func (j *jsonErrors) Write(b []byte) (int, error) {
	if j.status != 0 {
		return j.text.Write(b)
	}
	return j.ResponseWriter.Write(b)
}

func (j *jsonErrors) flush() {
	if j.status == 0 {
		return
	}
	code, ok := tusCodes[j.status]
	if !ok {
		code = syncproto.CodeInvalidRequest
	}
	msg := strings.TrimSpace(j.text.String())
	if _, after, found := strings.Cut(msg, ": "); found {
		msg = after
	}
	if msg == "" || j.status >= 500 {
		msg = strings.ToLower(http.StatusText(j.status))
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": string(code), "message": msg}})
	_, _ = j.ResponseWriter.Write(body)
}

var tusCodes = map[int]syncproto.Code{
	404: syncproto.CodeNotFound, 403: syncproto.CodeForbidden, 409: syncproto.CodeConflict,
	413: syncproto.CodePayloadTooLarge, 415: syncproto.CodeUnsupportedMediaType, 500: syncproto.CodeInternal,
}

// hasChunk reports whether a request carries upload bytes: every PATCH,
// and a creation with a body.
func hasChunk(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodPatch || c.Method() == fiber.MethodPost && c.Request().Header.ContentLength() != 0
}

// readChunk reads a PATCH's (or a creation's) body here, bounded: fiber's
// adaptor would read a streamed body itself and, on a cut connection, hand
// the handler the read error's text as the body. A chunk cut short is
// passed on as the bytes that arrived (tus keeps them; the client resumes
// from the new offset).
func readChunk(c *fiber.Ctx) error {
	n := c.Request().Header.ContentLength()
	if n < 0 || n > server.MaxBlobBytes {
		c.Context().SetConnectionClose()
		return syncproto.Errorf(syncproto.CodePayloadTooLarge, "a chunk needs a Content-Length of at most 20 MiB")
	}
	buf := make([]byte, n)
	k, err := io.ReadFull(bodyStream(c), buf)
	if err != nil {
		c.Context().SetConnectionClose()
	}
	c.Request().SetBodyRaw(buf[:k])
	c.Request().Header.SetContentLength(k)
	return nil
}

// checksumOK applies the tus checksum extension to a PATCH: with
// Upload-Checksum, the chunk must hash to it (460 otherwise, nothing
// written). The body is already in memory (fiber's adaptor buffers it).
func checksumOK(w http.ResponseWriter, r *http.Request) bool {
	v := r.Header.Get("Upload-Checksum")
	if v == "" {
		return true
	}
	algo, sum, _ := strings.Cut(v, " ")
	want, err := base64.StdEncoding.DecodeString(sum)
	var h hash.Hash
	switch algo {
	case "sha1":
		h = sha1.New() //nolint:gosec // the tus checksum algorithm
	case "sha256":
		h = sha256.New()
	default:
		writeTusError(w, tusError(syncproto.CodeInvalidRequest, 400, "Upload-Checksum: sha1 or sha256"))
		return false
	}
	body, rerr := io.ReadAll(io.LimitReader(r.Body, server.MaxBlobBytes+1))
	if err != nil || rerr != nil {
		writeTusError(w, tusError(syncproto.CodeInvalidRequest, 400, "Upload-Checksum: base64 digest"))
		return false
	}
	h.Write(body)
	if !bytes.Equal(h.Sum(nil), want) {
		writeTusError(w, tusError(syncproto.CodeDigestMismatch, 460, "the chunk does not match Upload-Checksum"))
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

func writeTusError(w http.ResponseWriter, e tusd.Error) {
	for k, v := range e.HTTPResponse.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Tus-Resumable", "1.0.0")
	w.WriteHeader(e.HTTPResponse.StatusCode)
	_, _ = io.WriteString(w, e.HTTPResponse.Body)
}

// options answers OPTIONS /v1/uploads: the version, extensions and limits.
func (t *tusService) options(c *fiber.Ctx) error {
	c.Set("Tus-Resumable", "1.0.0")
	c.Set("Tus-Version", "1.0.0")
	c.Set("Tus-Extension", "creation,creation-with-upload,checksum,termination,expiration")
	c.Set("Tus-Checksum-Algorithm", "sha1,sha256")
	c.Set("Tus-Max-Size", "20971520")
	return c.SendStatus(fiber.StatusNoContent)
}

// tusRoutes mounts /v1/uploads when an uploads folder is configured.
func (h *handler) tusRoutes(v1 fiber.Router) {
	if h.UploadsDir == "" || h.Blobs == nil {
		return
	}
	t, err := newTusService(h.UploadsDir, h.Blobs)
	if err != nil {
		h.Logger.Error("tus uploads not served", "err", err)
		return
	}
	v1.Options("/uploads", t.options)
	v1.Post("/uploads", t.serve)
	v1.Head("/uploads/:id", t.serve)
	v1.Patch("/uploads/:id", t.serve)
	v1.Delete("/uploads/:id", t.serve)
}
