package mobileapi

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// attach attaches data as a photo or fails.
func attach(t *testing.T, o *Outbox, data []byte) string {
	t.Helper()
	d, err := o.AttachPhoto(writeFile(t, "photo", data))
	if err != nil {
		t.Fatalf("AttachPhoto: %v", err)
	}
	return d
}

// checkUploaded fails unless the server holds exactly data under its
// digest, whole, and the device lists the photo as uploaded with its local
// copy gone.
func checkUploaded(t *testing.T, f *fakeServer, o *Outbox, data []byte) {
	t.Helper()
	digest := sha(data)
	got, whole := f.blobOf(digest)
	if !whole || sha(got) != digest {
		t.Errorf("server holds %d bytes (whole %v) hashing to %s, want %s whole", len(got), whole, sha(got), digest)
	}
	var st *PhotoStatus
	for _, p := range mustPhotos(t, o) {
		if p.Digest == digest {
			st = p
		}
	}
	if st == nil || st.State != PhotoUploaded || st.Sent != int64(len(data)) || st.Size != int64(len(data)) {
		t.Errorf("photo status = %+v, want uploaded, all %d bytes sent", st, len(data))
	}
	if _, err := os.Stat(o.photoPath(digest)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("local copy still there after upload (%v)", err)
	}
}

// countPrefix counts the blob requests starting with prefix.
func countPrefix(reqs []string, prefix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// TestUploadResumesThroughCuts is the acceptance test: a 10 MB
// photo goes through a proxy that breaks the connection at 60 random byte
// offsets; the device finishes the upload having sent less than twice the
// photo's size, and the server holds exactly the photo.
func TestUploadResumesThroughCuts(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	photo := noisePNG(t, 3200, 3200, 7) // 10.24 MB that does not compress
	size := int64(len(photo))
	proxy := newCutProxy(t, f.srv.Listener.Addr().String(), 60, size, 20261127)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	opts := testOptions(f)
	opts.ServerURL, opts.Transport = proxy.URL(), tr
	o, _ := openTest(t, tempDB(t), opts)
	digest := attach(t, o, photo)
	if digest != sha(photo) {
		t.Fatalf("a photo within the (unset) pixel budget was changed")
	}
	if err := o.UploadPhotos(t.Context()); err != nil {
		t.Fatalf("UploadPhotos: %v", err)
	}
	checkUploaded(t, f, o, photo)
	sent, cuts := proxy.stats()
	reqs, body := f.blobRequests()
	if cuts < 50 {
		t.Errorf("the proxy cut %d connections, want at least 50", cuts)
	}
	if ratio := float64(sent) / float64(size); ratio >= 2 {
		t.Errorf("sent %d bytes for a %d-byte photo (%.3f×), want under 2×", sent, size, ratio)
	}
	t.Logf("photo %d bytes, %d cuts, %d HEAD + %d PATCH: proxy forwarded %d bytes client→server (%.4f× the photo, headers included); server read %d body bytes (%.4f×)",
		size, cuts, countPrefix(reqs, "HEAD"), countPrefix(reqs, "PATCH"), sent, float64(sent)/float64(size), body, float64(body)/float64(size))
}

func TestUploadPhotos(t *testing.T) {
	t.Parallel()
	t.Run("photos never block ops: with the blob endpoint failing, the damage report goes out at once and the photo uploads on a later Sync", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) { f.blobFault = func(*http.Request) int { return 500 } })
		o, slept := openTest(t, tempDB(t), testOptions(f))
		photo := photoJPEG(t, 320, 240, 0)
		digest := attach(t, o, photo)
		r := sampleDamage(1)
		r.Photos = []string{digest}
		id, err := o.RecordDamageReport(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync with the blob endpoint down = %v, want nil", err)
		}
		f.checkExactlyOnce(t, []string{id})
		if !strings.Contains(string(f.bodyOf(1)), digest) {
			t.Errorf("the pushed damage report does not name photo %s", digest)
		}
		s := mustStatus(t, o)
		if s.Pending != 0 || s.LastError != "" || s.PhotosPending != 1 || !strings.Contains(s.LastPhotoError, "500") {
			t.Errorf("status = %+v, want the op delivered, the photo pending and a 500 in LastPhotoError", s)
		}
		if ps := mustPhotos(t, o); len(ps) != 1 || ps[0].State != PhotoPending {
			t.Errorf("Photos = %+v, want one pending", ps)
		}
		if len(slept.list()) == 0 {
			t.Errorf("no backoff between attempts on a failing blob endpoint")
		}

		f.set(func(f *fakeServer) { f.blobFault = nil })
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("second Sync: %v", err)
		}
		checkUploaded(t, f, o, photo)
		if s := mustStatus(t, o); s.PhotosPending != 0 || s.LastPhotoError != "" {
			t.Errorf("status = %+v, want nothing pending and LastPhotoError cleared", s)
		}
		f.checkExactlyOnce(t, []string{id})
	})

	t.Run("a Sync stuck uploading a photo does not hold back the next Sync's ops", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		photo := photoJPEG(t, 64, 48, 0)
		attach(t, o, photo)
		reached, release := make(chan struct{}), make(chan struct{})
		f.set(func(f *fakeServer) {
			f.onBlob = func(r *http.Request) {
				if r.Method == http.MethodHead {
					f.set(func(f *fakeServer) { f.onBlob = nil })
					close(reached)
					<-release
				}
			}
		})
		first := make(chan error, 1)
		go func() { first <- o.Sync(t.Context()) }()
		<-reached // the first Sync is inside the photo upload, held by the server
		id, err := o.RecordPickup(samplePickup(1))
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("second Sync: %v", err)
		}
		f.checkExactlyOnce(t, []string{id})
		close(release)
		if err := <-first; err != nil {
			t.Fatalf("first Sync: %v", err)
		}
		checkUploaded(t, f, o, photo)
	})

	t.Run("a photo upload does not wait for a push in flight", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil { // log in
			t.Fatal(err)
		}
		photo := photoJPEG(t, 64, 48, 0)
		attach(t, o, photo)
		id, err := o.RecordPickup(samplePickup(2))
		if err != nil {
			t.Fatal(err)
		}
		reached, release := make(chan struct{}), make(chan struct{})
		f.set(func(f *fakeServer) {
			f.onPush = func(_ int, stage string) {
				if stage == "received" {
					close(reached)
					<-release
				}
			}
		})
		syncDone := make(chan error, 1)
		go func() { syncDone <- o.Sync(t.Context()) }()
		<-reached // the push is held by the server
		if err := o.UploadPhotos(t.Context()); err != nil {
			t.Fatalf("UploadPhotos during a push: %v", err)
		}
		checkUploaded(t, f, o, photo)
		close(release)
		if err := <-syncDone; err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, []string{id})
	})

	t.Run("an outbox closed mid-upload resumes after reopening from the offset the server reports, resending nothing", func(t *testing.T) {
		f := newFakeServer(t)
		const chunk = 64 << 10
		f.addConfig(syncproto.Config{UploadChunkBytes: chunk})
		path := tempDB(t)
		opts := testOptions(f)
		o, _ := openTest(t, path, opts)
		if err := o.Sync(t.Context()); err != nil { // log in, pull the chunk size
			t.Fatal(err)
		}
		photo := noisePNG(t, 1024, 1000, 3)
		size := int64(len(photo))
		digest := attach(t, o, photo)
		answered := 0
		o.hook = func(point string) error {
			if point == "photo-chunk-answered" {
				if answered++; answered == 4 {
					o.Close() // dies after the server took chunk 4, before recording it
				}
			}
			return nil
		}
		if err := o.UploadPhotos(t.Context()); !errors.Is(err, ErrClosed) {
			t.Fatalf("UploadPhotos interrupted by Close = %v, want ErrClosed", err)
		}
		held, _ := f.blobOf(digest)
		if len(held) != 4*chunk {
			t.Fatalf("server holds %d bytes, want 4 chunks (%d)", len(held), 4*chunk)
		}
		_, bodyBefore := f.blobRequests()

		o2, _ := openTest(t, path, opts)
		if ps := mustPhotos(t, o2); len(ps) != 1 || ps[0].State != PhotoUploading || ps[0].Sent != 3*chunk {
			t.Fatalf("Photos after reopen = %+v, want uploading with 3 chunks recorded", ps)
		}
		if s := mustStatus(t, o2); s.PhotosPending != 1 {
			t.Errorf("PhotosPending = %d, want 1", s.PhotosPending)
		}
		reqsBefore, _ := f.blobRequests()
		if err := o2.UploadPhotos(t.Context()); err != nil {
			t.Fatalf("UploadPhotos after reopen: %v", err)
		}
		checkUploaded(t, f, o2, photo)
		reqs, body := f.blobRequests()
		if after := reqs[len(reqsBefore):]; len(after) == 0 || after[0] != "HEAD" || after[1] != "PATCH 262144" {
			t.Errorf("requests after reopen = %v, want HEAD, then PATCH from 262144", after)
		}
		if resent := body - bodyBefore; resent != size-4*chunk {
			t.Errorf("sent %d body bytes after reopen, want exactly the %d the server lacked", resent, size-4*chunk)
		}
	})

	t.Run("a photo the server refuses with 415 is marked failed with the code and not retried", func(t *testing.T) {
		f := newFakeServer(t)
		f.set(func(f *fakeServer) {
			f.blobFault = func(r *http.Request) int {
				if r.Method == http.MethodPatch {
					return 415
				}
				return 0
			}
		})
		o, _ := openTest(t, tempDB(t), testOptions(f))
		photo := photoJPEG(t, 64, 48, 0)
		digest := attach(t, o, photo)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync = %v, want nil: a refused photo does not fail Sync", err)
		}
		ps := mustPhotos(t, o)
		if len(ps) != 1 || ps[0].State != PhotoFailed || ps[0].Code != string(syncproto.CodeUnsupportedMediaType) || ps[0].Message == "" {
			t.Fatalf("Photos = %+v, want failed with unsupported_media_type", ps)
		}
		if s := mustStatus(t, o); s.PhotosFailed != 1 || s.PhotosPending != 0 {
			t.Errorf("status = %+v, want 1 failed, 0 pending", s)
		}
		if _, err := os.Stat(o.photoPath(digest)); err != nil {
			t.Errorf("the failed photo's local copy is gone: %v", err)
		}
		before, _ := f.blobRequests()
		if countPrefix(before, "PATCH") != 1 {
			t.Errorf("blob requests = %v, want a single PATCH", before)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := o.UploadPhotos(t.Context()); err != nil {
			t.Fatal(err)
		}
		if after, _ := f.blobRequests(); len(after) != len(before) {
			t.Errorf("a failed photo was retried: %v", after[len(before):])
		}

		// The cause is fixed on the server; the courier retries by hand.
		f.set(func(f *fakeServer) { f.blobFault = nil })
		if err := o.RetryPhoto(digest); err != nil {
			t.Fatalf("RetryPhoto: %v", err)
		}
		if err := o.UploadPhotos(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkUploaded(t, f, o, photo)
		if err := o.RetryPhoto(strings.Repeat("0", 64)); !errors.Is(err, ErrUnknownPhoto) {
			t.Errorf("RetryPhoto(unknown) = %v, want ErrUnknownPhoto", err)
		}
	})

	t.Run("an expired token on a chunk is refreshed once and the upload goes on", func(t *testing.T) {
		f := newFakeServer(t)
		first := true
		f.set(func(f *fakeServer) {
			f.blobFault = func(r *http.Request) int {
				if r.Method == http.MethodPatch && first {
					first = false
					return 401
				}
				return 0
			}
		})
		o, _ := openTest(t, tempDB(t), testOptions(f))
		photo := photoJPEG(t, 64, 48, 0)
		attach(t, o, photo)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkUploaded(t, f, o, photo)
		f.set(func(f *fakeServer) {
			if f.refreshes != 1 || f.logins != 1 || f.reuses != 0 {
				t.Errorf("refreshes=%d logins=%d reuses=%d, want one refresh after the one login", f.refreshes, f.logins, f.reuses)
			}
		})
	})

	t.Run("a 409 conflict makes the upload continue from the offset the server gives", func(t *testing.T) {
		f := newFakeServer(t)
		photo := noisePNG(t, 700, 700, 5)
		digest := sha(photo)
		const other = 100_000 // bytes another device of the courier uploaded meanwhile
		f.set(func(f *fakeServer) {
			f.onBlob = func(r *http.Request) {
				if r.Method == http.MethodPatch {
					f.set(func(f *fakeServer) {
						f.onBlob = nil
						f.blobs[digest] = &fakeBlob{size: int64(len(photo)), data: append([]byte(nil), photo[:other]...)}
					})
				}
			}
		})
		o, _ := openTest(t, tempDB(t), testOptions(f))
		attach(t, o, photo)
		if err := o.UploadPhotos(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkUploaded(t, f, o, photo)
		reqs, _ := f.blobRequests()
		if len(reqs) < 3 || reqs[0] != "HEAD" || reqs[1] != "PATCH 0" || reqs[2] != "PATCH 100000" {
			t.Errorf("blob requests = %v, want HEAD, PATCH 0 (409), PATCH 100000", reqs)
		}
	})

	t.Run("a photo the server already holds whole is not sent again", func(t *testing.T) {
		f := newFakeServer(t)
		photo := photoJPEG(t, 64, 48, 0)
		f.set(func(f *fakeServer) {
			f.blobs[sha(photo)] = &fakeBlob{size: int64(len(photo)), data: photo, complete: true}
		})
		o, _ := openTest(t, tempDB(t), testOptions(f))
		attach(t, o, photo)
		if err := o.UploadPhotos(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkUploaded(t, f, o, photo)
		if reqs, body := f.blobRequests(); len(reqs) != 1 || reqs[0] != "HEAD" || body != 0 {
			t.Errorf("blob requests = %v (%d body bytes), want one HEAD", reqs, body)
		}
	})

	t.Run("a photo that keeps failing goes to the back of the queue and does not hold the others back", func(t *testing.T) {
		f := newFakeServer(t)
		bad := photoJPEG(t, 64, 48, 0)
		good := photoJPEG(t, 48, 64, 0)
		f.set(func(f *fakeServer) {
			f.blobFault = func(r *http.Request) int {
				if r.PathValue("sha") == sha(bad) {
					return 503
				}
				return 0
			}
		})
		o, _ := openTest(t, tempDB(t), testOptions(f))
		attach(t, o, bad)
		attach(t, o, good)
		if err := o.UploadPhotos(t.Context()); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("first UploadPhotos = %v, want ErrUnavailable", err)
		}
		if err := o.UploadPhotos(t.Context()); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("second UploadPhotos = %v, want ErrUnavailable again for the bad photo", err)
		}
		checkUploaded(t, f, o, good)
		if s := mustStatus(t, o); s.PhotosPending != 1 || s.LastPhotoError == "" {
			t.Errorf("status = %+v, want the bad photo pending and its error kept", s)
		}
	})

	t.Run("UploadPhotos after Close fails with ErrClosed, and a cancelled one stops at once", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		attach(t, o, photoJPEG(t, 64, 48, 0))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := o.UploadPhotos(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("UploadPhotos(cancelled) = %v, want context.Canceled", err)
		}
		if reqs, _ := f.blobRequests(); len(reqs) != 0 {
			t.Errorf("a cancelled UploadPhotos made requests: %v", reqs)
		}
		o.Close()
		if err := o.UploadPhotos(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("UploadPhotos after Close = %v, want ErrClosed", err)
		}
	})
}
