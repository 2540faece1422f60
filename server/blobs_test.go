package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// blobWorld is the photo service over in-memory files and metadata, with a
// pipeline that answers at once and a clock the test moves.
type blobWorld struct {
	b     *Blobs
	files *memFiles
	meta  *memMeta
	now   time.Time
	wg    sync.WaitGroup // photos in the pipeline
}

// asyncProcessor runs a verdictProcessor on its own goroutine, as the real
// pool does (the service holds the digest's lock while it submits).
type asyncProcessor struct {
	verdictProcessor
	wg *sync.WaitGroup
}

func (p asyncProcessor) Process(d string, info ImageInfo, open func() (io.ReadCloser, error), done func(display, thumb []byte, err error)) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.verdictProcessor.Process(d, info, open, done)
	}()
}

// settle waits until the pipeline has finished every photo submitted.
func (w *blobWorld) settle() { w.wg.Wait() }

func newBlobWorld() *blobWorld {
	w := &blobWorld{now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.now }
	w.files, w.meta = newMemFiles(clock), &memMeta{m: map[string]BlobMeta{}}
	w.b = &Blobs{Files: w.files, Meta: w.meta, Inspector: prefixInspector{}, Clock: clock}
	w.b.Processor = asyncProcessor{wg: &w.wg}
	return w
}

var (
	alice = Principal{UserID: "alice", Role: syncproto.RoleCourier}
	bob   = Principal{UserID: "bob", Role: syncproto.RoleCourier}
	disp  = Principal{UserID: "disp", Role: syncproto.RoleDispatcher}
	sup   = Principal{UserID: "sup", Role: syncproto.RoleSupervisor}
)

func (w *blobWorld) put(p Principal, body []byte) (bool, error) {
	return w.b.Put(context.Background(), p, sum(body), int64(len(body)), body[:min(3, len(body))], bytes.NewReader(body[min(3, len(body)):]))
}

func TestPutScopesWhatEachCallerLearns(t *testing.T) {
	ctx := context.Background()
	w := newBlobWorld()
	photo := []byte("IMG a delivery photo")
	d := sum(photo)
	if isNew, err := w.put(alice, photo); err != nil || !isNew {
		t.Fatalf("first Put = %v, %v", isNew, err)
	}
	w.settle()
	if m, _ := w.meta.BlobMeta(ctx, d); m.State != BlobStored || m.Uploader != "alice" || m.Width != 4 {
		t.Fatalf("meta %+v", m)
	}
	t.Run("the uploader sending it again is told it is there", func(t *testing.T) {
		if isNew, err := w.put(alice, photo); err != nil || isNew {
			t.Fatalf("Put = %v, %v", isNew, err)
		}
	})
	t.Run("another courier cannot learn it exists by naming it", func(t *testing.T) {
		if _, _, err := w.b.StatusFor(ctx, bob, d); err != ErrNotFound {
			t.Fatalf("StatusFor = %v", err)
		}
		if _, _, _, err := w.b.Open(ctx, bob, d, VariantThumb); err != ErrNotFound {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("a courier who sends the same bytes becomes a holder and may read it", func(t *testing.T) {
		if isNew, err := w.put(bob, photo); err != nil || isNew {
			t.Fatalf("Put = %v, %v", isNew, err)
		}
		if n, whole, err := w.b.StatusFor(ctx, bob, d); err != nil || !whole || n != int64(len(photo)) {
			t.Fatalf("StatusFor = %d %v %v", n, whole, err)
		}
		rc, _, _, err := w.b.Open(ctx, bob, d, VariantOriginal)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		if !bytes.Equal(got, photo) {
			t.Fatalf("original %q", got)
		}
	})
	t.Run("dispatchers read display copies but never the original", func(t *testing.T) {
		if _, _, _, err := w.b.Open(ctx, disp, d, VariantDisplay); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := w.b.Open(ctx, disp, d, VariantOriginal); err != ErrForbidden {
			t.Fatalf("original = %v, want forbidden (it carries GPS)", err)
		}
		if n, whole, err := w.b.Status(ctx, d); err != nil || !whole || n != int64(len(photo)) {
			t.Fatalf("Status = %d %v %v", n, whole, err)
		}
	})
	t.Run("supervisors read originals", func(t *testing.T) {
		if _, _, _, err := w.b.Open(ctx, sup, d, VariantOriginal); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPutRefusals(t *testing.T) {
	photo := []byte("IMG fine")
	tests := []struct {
		name   string
		setup  func(*blobWorld)
		digest string
		size   int64
		body   []byte
		want   syncproto.Code
	}{
		{"a name that is not a SHA-256 is invalid", nil, "ABC", 8, photo, syncproto.CodeInvalidRequest},
		{"a declared size past 20 MiB is too large", nil, sum(photo), MaxBlobBytes + 1, photo, syncproto.CodePayloadTooLarge},
		{"bytes that do not hash to the name keep nothing", nil, sum([]byte("other")), 8, photo, syncproto.CodeDigestMismatch},
		{"a header the inspector refuses is refused", nil, sum([]byte("GIF")), 3, []byte("GIF"), syncproto.CodeInvalidRequest},
		{"a body the whole check refuses is refused", nil, sum([]byte("IMG BOMB")), 8, []byte("IMG BOMB"), syncproto.CodeInvalidRequest},
		{"a disk at its floor is 507", func(w *blobWorld) { w.b.MinFreeBytes, w.files.free = 100, 50 }, sum(photo), 8, photo, syncproto.CodeInsufficientStorage},
		{"a full disk while writing is 507", func(w *blobWorld) { w.files.putErr = nil; w.b.Files = fullDisk{w.files} }, sum(photo), 8, photo, syncproto.CodeInsufficientStorage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newBlobWorld()
			if tt.setup != nil {
				tt.setup(w)
			}
			_, err := w.b.Put(context.Background(), alice, tt.digest, tt.size, tt.body[:3], bytes.NewReader(tt.body[3:]))
			if authCode(err) != tt.want {
				t.Fatalf("Put = %v, want %s", err, tt.want)
			}
			if len(w.files.originals) != 0 || len(w.meta.m) != 0 {
				t.Fatalf("something was kept: %d files, %d records", len(w.files.originals), len(w.meta.m))
			}
		})
	}
}

// fullDisk fails every whole write with ENOSPC.
type fullDisk struct{ *memFiles }

func (fullDisk) PutWhole(string, io.Reader, int64) error { return errDiskFull }

var errDiskFull = &diskFullErr{}

type diskFullErr struct{}

func (*diskFullErr) Error() string        { return "no space left on device" }
func (*diskFullErr) Is(target error) bool { return IsDiskFull(target) }

func TestUploadSlotsAreBoundedPerUserAndInAll(t *testing.T) {
	w := newBlobWorld()
	w.b.MaxUploadsPerUser, w.b.MaxUploads = 1, 2
	release, err := w.b.admit(alice)
	if err != nil {
		t.Fatal(err)
	}
	var ra *RetryAfterError
	if _, err := w.put(alice, []byte("IMG x")); !errors.As(err, &ra) || authCode(err) != syncproto.CodeRateLimited {
		t.Fatalf("a second upload of alice = %v, want rate_limited", err)
	}
	releaseBob, err := w.b.admit(bob)
	if err != nil {
		t.Fatalf("bob has a slot of his own: %v", err)
	}
	if _, err := w.b.admit(disp); authCode(err) != syncproto.CodeRateLimited {
		t.Fatalf("past MaxUploads = %v", err)
	}
	release()
	releaseBob()
	if isNew, err := w.put(alice, []byte("IMG x")); err != nil || !isNew {
		t.Fatalf("after release: %v %v", isNew, err)
	}
	w.files.free = -1
	w.b.MinFreeBytes = 1 << 50
	if !w.b.HasRoom(1) {
		t.Fatal("free space that cannot be measured must not stop uploads")
	}
}

func TestResumableUpload(t *testing.T) {
	ctx := context.Background()
	w := newBlobWorld()
	photo := []byte("IMG resumable photo bytes")
	d, total := sum(photo), int64(len(photo))
	patch := func(p Principal, off int64, chunk []byte) (int64, bool, error) {
		return w.b.Patch(ctx, p, d, off, total, bytes.NewReader(chunk))
	}
	if n, whole, err := patch(alice, 0, photo[:10]); err != nil || whole || n != 10 {
		t.Fatalf("first chunk: %d %v %v", n, whole, err)
	}
	t.Run("the offset held is the uploader's own", func(t *testing.T) {
		if n, whole, err := w.b.StatusFor(ctx, alice, d); err != nil || whole || n != 10 {
			t.Fatalf("alice: %d %v %v", n, whole, err)
		}
		if _, _, err := w.b.StatusFor(ctx, bob, d); err != ErrNotFound {
			t.Fatalf("bob: %v", err)
		}
		if _, _, err := patch(bob, 10, photo[10:]); authCode(err) != syncproto.CodeConflict {
			t.Fatalf("bob appending at alice's offset: %v", err)
		}
	})
	t.Run("a wrong offset is a conflict naming the held offset", func(t *testing.T) {
		var oe *OffsetError
		if _, _, err := patch(alice, 4, photo[4:]); !errors.As(err, &oe) || oe.Offset != 10 || oe.Unwrap() == nil || oe.Error() == "" {
			t.Fatalf("Patch = %v", err)
		}
	})
	t.Run("a changed total is invalid", func(t *testing.T) {
		if _, _, err := w.b.Patch(ctx, alice, d, 10, total+1, bytes.NewReader(photo[10:])); authCode(err) != syncproto.CodeInvalidRequest {
			t.Fatalf("Patch = %v", err)
		}
	})
	t.Run("a second request appending at once is told to wait", func(t *testing.T) {
		done, ok := w.b.startAppend(partialKey(d, alice.UserID))
		if !ok {
			t.Fatal("startAppend")
		}
		var oe *OffsetError
		if _, _, err := patch(alice, 10, photo[10:]); !errors.As(err, &oe) || oe.Offset != 10 {
			t.Fatalf("Patch = %v", err)
		}
		done()
	})
	t.Run("the last chunk makes it whole, checked and processed", func(t *testing.T) {
		if n, whole, err := patch(alice, 10, photo[10:]); err != nil || !whole || n != total {
			t.Fatalf("last chunk: %d %v %v", n, whole, err)
		}
		w.settle()
		if m, _ := w.meta.BlobMeta(ctx, d); m.State != BlobStored {
			t.Fatalf("meta %+v", m)
		}
		if _, err := w.meta.BlobMeta(ctx, partialKey(d, alice.UserID)); err != ErrNotFound {
			t.Fatal("the partial's record outlived the upload")
		}
		var oe *OffsetError
		if n, whole, err := patch(alice, 0, photo); !errors.As(err, &oe) || !whole || n != total {
			t.Fatalf("patching a whole blob: %d %v %v", n, whole, err)
		}
	})
	t.Run("bad input is refused before anything is kept", func(t *testing.T) {
		for _, c := range []struct {
			digest string
			total  int64
			want   syncproto.Code
		}{{"nope", 5, syncproto.CodeInvalidRequest}, {d, 0, syncproto.CodeInvalidRequest}, {d, MaxBlobBytes + 1, syncproto.CodePayloadTooLarge}} {
			if _, _, err := w.b.Patch(ctx, bob, c.digest, 0, c.total, strings.NewReader("x")); authCode(err) != c.want {
				t.Errorf("Patch(%q, %d) = %v, want %s", c.digest, c.total, err, c.want)
			}
		}
	})
}

func TestResumableUploadRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("a header the inspector refuses ends the upload", func(t *testing.T) {
		w := newBlobWorld()
		body := []byte("GIF89a...")
		if _, _, err := w.b.Patch(ctx, alice, sum(body), 0, int64(len(body)), bytes.NewReader(body[:5])); authCode(err) != syncproto.CodeInvalidRequest {
			t.Fatalf("Patch = %v", err)
		}
		if len(w.files.partials) != 0 || len(w.meta.m) != 0 {
			t.Fatal("the refused upload was kept")
		}
	})
	t.Run("a body the whole check refuses is dropped at the end", func(t *testing.T) {
		w := newBlobWorld()
		body := []byte("IMG with a BOMB inside")
		_, _, err := w.b.Patch(ctx, alice, sum(body), 0, int64(len(body)), bytes.NewReader(body))
		if authCode(err) != syncproto.CodeInvalidRequest || len(w.files.partials) != 0 || len(w.meta.m) != 0 {
			t.Fatalf("Patch = %v; %d partials, %d records kept", err, len(w.files.partials), len(w.meta.m))
		}
	})
	t.Run("bytes that do not hash to the name are dropped", func(t *testing.T) {
		w := newBlobWorld()
		body := []byte("IMG honest")
		_, _, err := w.b.Patch(ctx, alice, sum([]byte("IMG other!")), 0, int64(len(body)), bytes.NewReader(body))
		if authCode(err) != syncproto.CodeDigestMismatch || len(w.files.originals) != 0 || len(w.meta.m) != 0 {
			t.Fatalf("Patch = %v; %d originals, %d records kept", err, len(w.files.originals), len(w.meta.m))
		}
	})
	t.Run("a first chunk not at 0 is a conflict at 0", func(t *testing.T) {
		w := newBlobWorld()
		var oe *OffsetError
		if _, _, err := w.b.Patch(ctx, alice, sum([]byte("IMG x")), 2, 5, strings.NewReader("G x")); !errors.As(err, &oe) || oe.Offset != 0 {
			t.Fatalf("Patch = %v", err)
		}
	})
	t.Run("a disk at its floor refuses a new upload", func(t *testing.T) {
		w := newBlobWorld()
		w.b.MinFreeBytes, w.files.free = 100, 104
		if _, _, err := w.b.Patch(ctx, alice, sum([]byte("IMG x")), 0, 5, strings.NewReader("IMG x")); authCode(err) != syncproto.CodeInsufficientStorage {
			t.Fatalf("Patch = %v", err)
		}
	})
}

func TestPartialsExpireAndPendingPhotosResume(t *testing.T) {
	ctx := context.Background()
	w := newBlobWorld()
	body := []byte("IMG never finished")
	if _, _, err := w.b.Patch(ctx, alice, sum(body), 0, int64(len(body)), bytes.NewReader(body[:6])); err != nil {
		t.Fatal(err)
	}
	if n, err := w.b.ExpirePartials(ctx); err != nil || n != 0 {
		t.Fatalf("a fresh partial expired: %d %v", n, err)
	}
	w.now = w.now.Add(DefaultPartialTTL + time.Minute)
	if n, err := w.b.ExpirePartials(ctx); err != nil || n != 1 || len(w.files.partials) != 0 || len(w.meta.m) != 0 {
		t.Fatalf("ExpirePartials = %d, %v; %d partials, %d records left", n, err, len(w.files.partials), len(w.meta.m))
	}

	photo := []byte("IMG waits for the pipeline")
	d := sum(photo)
	w.b.Processor = deferring{}
	if _, err := w.put(alice, photo); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := w.b.Open(ctx, alice, d, VariantDisplay); err != ErrBlobPending {
		t.Fatalf("display of a pending photo = %v", err)
	}
	w.b.Processor = asyncProcessor{verdictProcessor{err: errors.New("corrupt")}, &w.wg}
	if n, err := w.b.Resume(ctx); err != nil || n != 1 {
		t.Fatalf("Resume = %d %v", n, err)
	}
	w.settle()
	_, _, _, err := w.b.Open(ctx, alice, d, VariantThumb)
	if authCode(err) != syncproto.CodeUnprocessable || !strings.Contains(err.Error(), "original is kept") {
		t.Fatalf("thumb of an unprocessable photo = %v", err)
	}
	if _, _, _, err := w.b.Open(ctx, alice, d, VariantOriginal); err != nil {
		t.Fatalf("its original: %v", err)
	}
	if _, _, _, err := w.b.Open(ctx, alice, "bad", VariantOriginal); authCode(err) != syncproto.CodeInvalidRequest {
		t.Fatalf("a bad name: %v", err)
	}
	if _, _, err := w.b.Status(ctx, "bad"); authCode(err) != syncproto.CodeInvalidRequest {
		t.Fatalf("Status of a bad name: %v", err)
	}
}

// deferring is a pipeline that is full: every photo stays pending.
type deferring struct{}

func (deferring) Process(_ string, _ ImageInfo, _ func() (io.ReadCloser, error), done func(display, thumb []byte, err error)) {
	done(nil, nil, ErrProcessingDeferred)
}
