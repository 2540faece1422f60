package httpapi

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// Upload headers (tus-style, PROTOCOL.md "Photos and other blobs").
const (
	headerUploadOffset   = "Upload-Offset"
	headerUploadLength   = "Upload-Length"
	headerUploadComplete = "Upload-Complete"
	mimeOffsetStream     = "application/offset+octet-stream"
)

// bodyStream returns the request body as a stream: large bodies are not
// buffered (StreamRequestBody), and BodyLimit does not apply to them, so
// every reader of it sets its own limit.
func bodyStream(c *fiber.Ctx) io.Reader {
	if s := c.Context().RequestBodyStream(); s != nil {
		return s
	}
	return bytes.NewReader(c.Body())
}

// maxDrain is how much of a refused body is read so the client gets the
// answer on a live connection; past it the connection is closed instead.
const maxDrain = 1 << 20

// discard reads what is left of a body, up to max bytes; when more remains
// the connection is closed after the answer, so the unread bytes are not
// taken for the next request.
func discard(c *fiber.Ctx, body io.Reader, max int64) {
	n, _ := io.Copy(io.Discard, io.LimitReader(body, max+1))
	if n > max {
		c.Context().SetConnectionClose()
	}
}

// uploadRange parses a PATCH's Upload-Offset and Upload-Length (plain
// decimal digits, no sign) and checks the chunk's Content-Length (-1 when
// chunked) against them: the chunk must not run past Upload-Length.
func uploadRange(offsetHdr, lengthHdr string, contentLength int64) (offset, total int64, err error) {
	offset, ok1 := decimal(offsetHdr)
	total, ok2 := decimal(lengthHdr)
	switch {
	case !ok1 || !ok2 || total <= 0:
		return 0, 0, server.Invalid("Upload-Offset and Upload-Length: required, whole numbers of bytes")
	case offset > total || contentLength > total-offset:
		return 0, 0, server.Invalid("the chunk runs past Upload-Length")
	}
	return offset, total, nil
}

// decimal parses 1 to 18 ASCII digits (below 10^18: no overflow).
func decimal(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// finish makes sure nothing of a body is left on the connection: when the
// handler stopped before its end (a chunk longer than it declared, a
// refusal), the connection is closed after the answer, so the rest is
// never parsed as another request.
func finish(c *fiber.Ctx, body io.Reader) {
	var one [1]byte
	if n, _ := io.ReadFull(body, one[:]); n > 0 {
		c.Context().SetConnectionClose()
	}
}

func (h *handler) putBlob(c *fiber.Ctx) error {
	size := int64(c.Request().Header.ContentLength())
	if size > server.MaxBlobBytes {
		c.Context().SetConnectionClose() // not worth reading 20 MiB to refuse it
		return syncproto.Errorf(syncproto.CodePayloadTooLarge, "a photo may be at most 20 MiB")
	}
	body := bodyStream(c)
	header := make([]byte, h.Blobs.Inspector.SniffNeed())
	n, err := io.ReadFull(body, header)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return server.Invalid("body: could not be read")
	}
	created, err := h.Blobs.Put(c.UserContext(), principal(c), c.Params("sha256"), size, header[:n], body)
	if err != nil {
		discard(c, body, maxDrain)
		return err
	}
	if !created {
		// Already the caller's: read the rest so the client sees the
		// answer instead of a reset (a handheld asks with HEAD first).
		discard(c, body, server.MaxBlobBytes)
		return c.SendStatus(fiber.StatusOK)
	}
	finish(c, body)
	return c.SendStatus(fiber.StatusCreated)
}

func (h *handler) headBlob(c *fiber.Ctx) error {
	offset, complete, err := h.Blobs.StatusFor(c.UserContext(), principal(c), c.Params("sha256"))
	if err != nil {
		return err
	}
	c.Set(headerUploadOffset, strconv.FormatInt(offset, 10))
	c.Set(fiber.HeaderCacheControl, "no-store")
	if complete {
		c.Set(headerUploadComplete, "?1")
	}
	return c.SendStatus(fiber.StatusOK)
}

func (h *handler) patchBlob(c *fiber.Ctx) error {
	if string(c.Request().Header.ContentType()) != mimeOffsetStream {
		c.Context().SetConnectionClose()
		return syncproto.Errorf(syncproto.CodeUnsupportedMediaType, "Content-Type: must be %s", mimeOffsetStream)
	}
	offset, total, err := uploadRange(c.Get(headerUploadOffset), c.Get(headerUploadLength), int64(c.Request().Header.ContentLength()))
	if err != nil {
		// Bytes past Upload-Length are never read, and never taken for
		// the next request either.
		c.Context().SetConnectionClose()
		return err
	}
	body := bodyStream(c)
	next, complete, err := h.Blobs.Patch(c.UserContext(), principal(c), c.Params("sha256"), offset, total, body)
	var oe *server.OffsetError
	if errors.As(err, &oe) {
		c.Set(headerUploadOffset, strconv.FormatInt(oe.Offset, 10))
	}
	if err != nil {
		discard(c, body, maxDrain)
		return err
	}
	finish(c, body)
	c.Set(headerUploadOffset, strconv.FormatInt(next, 10))
	if complete {
		c.Set(headerUploadComplete, "?1")
		return c.SendStatus(fiber.StatusCreated)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// blobHeaders are set on every blob response: no content sniffing, and no
// script or plugin runs in a blob opened directly in a browser.
func blobHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; img-src 'self'; sandbox")
	return c.Next()
}

func ext(ctype string) string {
	if ctype == "image/png" {
		return ".png"
	}
	return ".jpg"
}

// getBlob serves one variant of a blob; variant comes from the route.
func (h *handler) getBlob(variant string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		rc, size, meta, err := h.Blobs.Open(c.UserContext(), principal(c), c.Params("sha256"), variant)
		if errors.Is(err, server.ErrBlobPending) {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(server.RetryAfterSeconds))
			return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"state": server.BlobPending})
		}
		if err != nil {
			return err
		}
		ctype, disposition := "image/jpeg", "inline"
		if variant == server.VariantOriginal {
			// The exact uploaded bytes: checked to be a JPEG or PNG, but
			// still never rendered in the API's origin.
			ctype, disposition = "image/png", "attachment"
			if meta.ContentType != "image/png" {
				ctype = "image/jpeg"
			}
		}
		c.Set(fiber.HeaderContentType, ctype)
		c.Set(fiber.HeaderContentDisposition, disposition+`; filename="`+meta.Digest+"."+variant+ext(ctype)+`"`)
		c.Set(fiber.HeaderCacheControl, "private, max-age=31536000, immutable")
		c.Set(fiber.HeaderETag, `"`+meta.Digest+"-"+variant+`"`)
		return c.SendStream(rc, int(size))
	}
}
