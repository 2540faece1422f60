package client

import (
	"context"
	"net/http"
	"strconv"
)

// Blob variants of GET /v1/blobs/{sha256}[/variant].
const (
	VariantDisplay  = ""
	VariantThumb    = "thumb"
	VariantOriginal = "original"
)

// PutBlob uploads a whole blob under its lowercase hex SHA-256. created is
// true on 201, false on 200 (already stored).
func (c *Client) PutBlob(ctx context.Context, digest, contentType string, data []byte) (created bool, err error) {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	path := "/v1/blobs/" + escape(digest)
	r, err := c.Send(ctx, http.MethodPut, path, h, data)
	if err != nil {
		return false, err
	}
	return r.Status == http.StatusCreated, r.Err(http.MethodPut, path)
}

// BlobOffset asks how many bytes of a resumable upload the server holds:
// held bytes and whether the blob is whole. An unknown blob is an *Error
// with status 404.
func (c *Client) BlobOffset(ctx context.Context, digest string) (held int64, complete bool, err error) {
	path := "/v1/blobs/" + escape(digest)
	r, err := c.Send(ctx, http.MethodHead, path, nil, nil)
	if err != nil {
		return 0, false, err
	}
	if err := r.Err(http.MethodHead, path); err != nil {
		return 0, false, err
	}
	held, _ = strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	return held, r.Header.Get("Upload-Complete") == "?1", nil
}

// PatchBlob sends the chunk at offset of a blob of total bytes. It returns
// the server's new offset and whether the blob is now whole (201). A wrong
// offset is an *Error with status 409; its answer's Upload-Offset is
// returned as held.
func (c *Client) PatchBlob(ctx context.Context, digest string, offset, total int64, chunk []byte) (held int64, complete bool, err error) {
	h := http.Header{}
	h.Set("Content-Type", "application/offset+octet-stream")
	h.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	h.Set("Upload-Length", strconv.FormatInt(total, 10))
	path := "/v1/blobs/" + escape(digest)
	r, err := c.Send(ctx, http.MethodPatch, path, h, chunk)
	if err != nil {
		return 0, false, err
	}
	held, _ = strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	return held, r.Status == http.StatusCreated, r.Err(http.MethodPatch, path)
}

// GetBlob reads a variant of a blob (VariantDisplay, VariantThumb,
// VariantOriginal). While the display copy or thumb is being made the
// answer is 202 with Retry-After: check Status. Answers outside 2xx are an
// *Error.
func (c *Client) GetBlob(ctx context.Context, digest, variant string) (*Response, error) {
	path := "/v1/blobs/" + escape(digest)
	if variant != "" {
		path += "/" + variant
	}
	r, err := c.Send(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	return r, r.Err(http.MethodGet, path)
}
