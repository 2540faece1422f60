//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/client"
)

// photoUploader uploads photos (PUT /v1/blobs/{sha256}) as one courier
// while the fleet pushes and the server is killed: a photo whose 201 or
// 200 it has read is acknowledged and must be whole after every restart.
type photoUploader struct {
	srv    *serverProc
	client *http.Client
	token  string
	photos [][]byte

	mu       sync.Mutex
	acked    map[string][]byte
	attempts int
	cut      int // uploads that got no answer because of a stop
}

// newPhotoUploader makes n distinct JPEGs of a few tens of KB from seed.
func newPhotoUploader(t *testing.T, srv *serverProc, token string, n int, seed uint64) *photoUploader {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	u := &photoUploader{srv: srv, client: &http.Client{}, token: token, acked: map[string][]byte{}}
	for i := 0; i < n; i++ {
		img := image.NewRGBA(image.Rect(0, 0, 160+rng.IntN(160), 120+rng.IntN(120)))
		for j := range img.Pix {
			img.Pix[j] = byte(rng.Uint32())
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
			t.Fatal(err)
		}
		u.photos = append(u.photos, b.Bytes())
	}
	return u
}

func digestHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// run uploads every photo in turn, each until it is acknowledged, waiting
// at the gate across stops; it returns when all are acknowledged.
func (u *photoUploader) run(ctx context.Context) error {
	for _, p := range u.photos {
		for {
			base, gen, err := u.srv.await(ctx)
			if err != nil {
				return err
			}
			status, err := u.put(ctx, base, p)
			u.mu.Lock()
			u.attempts++
			u.mu.Unlock()
			if err != nil {
				if ctx.Err() != nil {
					return context.Cause(ctx)
				}
				if ferr := u.srv.failed(gen); ferr != nil {
					return fmt.Errorf("upload: %v (%w)", err, ferr)
				}
				u.mu.Lock()
				u.cut++
				u.mu.Unlock()
				continue // a stop cut it: try again on the next generation
			}
			if status != http.StatusCreated && status != http.StatusOK {
				return fmt.Errorf("upload of %s: status %d", digestHex(p)[:12], status)
			}
			u.mu.Lock()
			u.acked[digestHex(p)] = p
			u.mu.Unlock()
			break
		}
	}
	return nil
}

func (u *photoUploader) put(ctx context.Context, base string, p []byte) (int, error) {
	created, err := u.on(base).PutBlob(ctx, digestHex(p), "image/jpeg", p)
	switch {
	case client.StatusOf(err) != 0:
		return client.StatusOf(err), nil
	case err != nil:
		return 0, err
	case created:
		return http.StatusCreated, nil
	default:
		return http.StatusOK, nil
	}
}

// on returns a client of the server at base as the uploading courier.
func (u *photoUploader) on(base string) *client.Client {
	return client.New(base, client.WithHTTPClient(u.client), client.WithToken(u.token))
}

// acknowledged returns a copy of the acknowledged photos by digest.
func (u *photoUploader) acknowledged() map[string][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make(map[string][]byte, len(u.acked))
	for k, v := range u.acked {
		out[k] = v
	}
	return out
}

// check asks the server about every acknowledged photo: HEAD must say it
// is whole at its full length, and (withBytes) the original must be the
// very bytes uploaded.
func (u *photoUploader) check(ctx context.Context, base string, acked map[string][]byte, withBytes bool) []error {
	var errs []error
	c := u.on(base)
	for d, p := range acked {
		held, complete, err := c.BlobOffset(ctx, d)
		if err != nil || !complete || held != int64(len(p)) {
			errs = append(errs, fmt.Errorf("acknowledged photo %s: HEAD offset %d, complete %v (%v)", d[:12], held, complete, err))
			continue
		}
		if !withBytes {
			continue
		}
		got, err := c.GetBlob(ctx, d, client.VariantOriginal)
		if err != nil || !bytes.Equal(got.Body, p) {
			errs = append(errs, fmt.Errorf("acknowledged photo %s: GET original (%v) is not the %d bytes uploaded", d[:12], err, len(p)))
		}
	}
	return errs
}
