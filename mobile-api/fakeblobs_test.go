package mobileapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/courier-sync/courier-sync/syncproto"
)

// fakeBlob is an upload the fake server holds: whole once complete.
type fakeBlob struct {
	size     int64
	data     []byte
	complete bool
}

// blobCodes names the error code the fake answers an injected status with.
var blobCodes = map[int]syncproto.Code{
	401: syncproto.CodeUnauthorized,
	413: syncproto.CodePayloadTooLarge,
	415: syncproto.CodeUnsupportedMediaType,
	422: syncproto.CodeUnprocessable,
	429: syncproto.CodeRateLimited,
	500: syncproto.CodeInternal,
	503: syncproto.CodeInternal,
}

// blobGate logs a blob request, runs the onBlob hook and answers a bad
// token or an injected fault; it reports whether it answered.
func (f *fakeServer) blobGate(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	entry := r.Method
	if r.Method == http.MethodPatch {
		entry += " " + r.Header.Get(headerUploadOffset)
	}
	f.blobReqs = append(f.blobReqs, entry)
	hook := f.onBlob
	f.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	f.mu.Lock()
	ok := f.authorized(r)
	status := 0
	if ok && f.blobFault != nil {
		status = f.blobFault(r)
	}
	if status == 401 { // the token expired: it stays refused
		delete(f.access, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}
	f.mu.Unlock()
	switch {
	case !ok:
		writeErr(w, 401, syncproto.CodeUnauthorized, "bad token")
	case status != 0:
		writeErr(w, status, blobCodes[status], "injected failure")
	default:
		return false
	}
	return true
}

// handleBlobHead answers HEAD /v1/blobs/{sha}: 404 for an unknown blob,
// else 200 with the bytes held (and Upload-Complete once whole). Like the
// server, it does not wait for a PATCH in progress.
func (f *fakeServer) handleBlobHead(w http.ResponseWriter, r *http.Request) {
	if f.blobGate(w, r) {
		return
	}
	f.mu.Lock()
	b := f.blobs[r.PathValue("sha")]
	var held int
	var complete bool
	if b != nil {
		held, complete = len(b.data), b.complete
	}
	f.mu.Unlock()
	if b == nil {
		writeErr(w, 404, syncproto.CodeNotFound, "no such blob")
		return
	}
	w.Header().Set(headerUploadOffset, strconv.Itoa(held))
	if complete {
		w.Header().Set(headerUploadComplete, "?1")
	}
	w.WriteHeader(200)
}

// handleBlobPatch appends a chunk at Upload-Offset, as the server does:
// 409 with the right offset for a wrong one, 204 with the new offset, 201
// once whole and the SHA-256 matches the name (else 422, nothing kept).
// The bytes of a chunk whose connection broke are kept.
func (f *fakeServer) handleBlobPatch(w http.ResponseWriter, r *http.Request) {
	if f.blobGate(w, r) {
		return
	}
	if r.Header.Get("Content-Type") != mimeOffsetStream {
		writeErr(w, 415, syncproto.CodeUnsupportedMediaType, "Content-Type")
		return
	}
	digest := r.PathValue("sha")
	offset, err1 := strconv.ParseInt(r.Header.Get(headerUploadOffset), 10, 64)
	total, err2 := strconv.ParseInt(r.Header.Get(headerUploadLength), 10, 64)
	if err1 != nil || err2 != nil || offset < 0 || total <= 0 || !syncproto.ValidDigest(digest) {
		writeErr(w, 400, syncproto.CodeInvalidRequest, "upload headers")
		return
	}
	f.blobMu.Lock()
	defer f.blobMu.Unlock()
	f.mu.Lock()
	b := f.blobs[digest]
	if b == nil {
		b = &fakeBlob{size: total}
		f.blobs[digest] = b
	}
	held, complete, size := int64(len(b.data)), b.complete, b.size
	f.mu.Unlock()
	switch {
	case complete:
		w.Header().Set(headerUploadOffset, strconv.FormatInt(size, 10))
		writeErr(w, 409, syncproto.CodeConflict, "the blob is already whole")
		return
	case size != total:
		writeErr(w, 400, syncproto.CodeInvalidRequest, "Upload-Length changed")
		return
	case offset != held:
		w.Header().Set(headerUploadOffset, strconv.FormatInt(held, 10))
		writeErr(w, 409, syncproto.CodeConflict, "Upload-Offset does not match the bytes held")
		return
	}
	chunk, err := io.ReadAll(io.LimitReader(r.Body, total-offset))
	f.mu.Lock()
	b.data = append(b.data, chunk...)
	f.blobBody += int64(len(chunk))
	now := int64(len(b.data))
	whole := now == total
	if whole {
		sum := sha256.Sum256(b.data)
		if hex.EncodeToString(sum[:]) == digest {
			b.complete = true
		} else {
			delete(f.blobs, digest)
		}
	}
	ok := b.complete
	f.mu.Unlock()
	if err != nil {
		panic(http.ErrAbortHandler) // the connection broke: no answer
	}
	switch {
	case whole && !ok:
		writeErr(w, 422, syncproto.CodeDigestMismatch, "digest mismatch")
	case whole:
		w.Header().Set(headerUploadOffset, strconv.FormatInt(now, 10))
		w.Header().Set(headerUploadComplete, "?1")
		w.WriteHeader(201)
	default:
		w.Header().Set(headerUploadOffset, strconv.FormatInt(now, 10))
		w.WriteHeader(204)
	}
}

// blobOf returns a copy of the bytes held for digest and whether the blob
// is whole.
func (f *fakeServer) blobOf(digest string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.blobs[digest]
	if b == nil {
		return nil, false
	}
	return bytes.Clone(b.data), b.complete
}

// blobRequests returns the blob requests so far and the PATCH body bytes
// the server read.
func (f *fakeServer) blobRequests() ([]string, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.blobReqs...), f.blobBody
}
