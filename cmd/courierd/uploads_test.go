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
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"testing"
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+"/v1/blobs/"+digestHex(p), bytes.NewReader(p))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Content-Type", "image/jpeg")
	resp, err := u.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
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
	for d, p := range acked {
		req, _ := http.NewRequestWithContext(ctx, http.MethodHead, base+"/v1/blobs/"+d, nil)
		req.Header.Set("Authorization", "Bearer "+u.token)
		resp, err := u.client.Do(req)
		if err != nil {
			errs = append(errs, fmt.Errorf("HEAD photo %s: %v", d[:12], err))
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Upload-Complete") != "?1" || resp.Header.Get("Upload-Offset") != strconv.Itoa(len(p)) {
			errs = append(errs, fmt.Errorf("acknowledged photo %s: HEAD %d, offset %q, complete %q", d[:12], resp.StatusCode,
				resp.Header.Get("Upload-Offset"), resp.Header.Get("Upload-Complete")))
			continue
		}
		if !withBytes {
			continue
		}
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/blobs/"+d+"/original", nil)
		req.Header.Set("Authorization", "Bearer "+u.token)
		resp, err = u.client.Do(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !bytes.Equal(got, p) {
			errs = append(errs, fmt.Errorf("acknowledged photo %s: GET original %d, %d bytes, want the %d uploaded", d[:12], resp.StatusCode, len(got), len(p)))
		}
	}
	return errs
}
