package httpapi

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// fiberCodes maps fiber's own errors (unknown route, body too large, …) to
// protocol codes. Other 4xx statuses (405 with its Allow header, 408)
// keep their status with code invalid_request.
var fiberCodes = map[int]syncproto.Code{
	fiber.StatusBadRequest:            syncproto.CodeInvalidRequest,
	fiber.StatusUnauthorized:          syncproto.CodeUnauthorized,
	fiber.StatusForbidden:             syncproto.CodeForbidden,
	fiber.StatusNotFound:              syncproto.CodeNotFound,
	fiber.StatusConflict:              syncproto.CodeConflict,
	fiber.StatusRequestEntityTooLarge: syncproto.CodePayloadTooLarge,
	fiber.StatusUnsupportedMediaType:  syncproto.CodeUnsupportedMediaType,
	fiber.StatusUnprocessableEntity:   syncproto.CodeUnprocessable,
	fiber.StatusTooManyRequests:       syncproto.CodeRateLimited,
}

// errorHandler writes every error as {"error":{"code","message"}}. Unknown
// errors become 500 internal; their text is logged with the request id and
// never sent to the client.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var (
			pe *syncproto.Error
			ra *server.RetryAfterError
			fe *fiber.Error
		)
		status := 0
		switch {
		case errors.As(err, &ra):
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(ra.After.Seconds())))
			pe = ra.Err
		case errors.As(err, &pe):
		case server.IsDiskFull(err):
			// A full disk (a store commit or a blob write): nothing was
			// kept; the client retries once there is room.
			c.Set(fiber.HeaderRetryAfter, "30")
			pe = server.ErrInsufficientStorage
		case errors.As(err, &fe):
			// fiber's and fasthttp's own errors (unknown route, bad framing,
			// timeouts): their text can quote the request, so only the
			// status's name is sent.
			code, ok := fiberCodes[fe.Code]
			switch {
			case ok:
			case fe.Code >= 400 && fe.Code < 500:
				code, status = syncproto.CodeInvalidRequest, fe.Code
			default:
				code = syncproto.CodeInternal
				log.Error("request failed", "request_id", requestID(c), "status", fe.Code)
			}
			pe = &syncproto.Error{Code: code, Message: strings.ToLower(http.StatusText(fe.Code))}
		case isTimeout(err):
			// The request did not arrive within the read timeout.
			status, pe = fiber.StatusRequestTimeout, &syncproto.Error{Code: syncproto.CodeInvalidRequest, Message: "request timeout"}
		default:
			log.Error("request failed", "request_id", requestID(c), "method", c.Method(), "route", c.Route().Path, "err", err)
			pe = &syncproto.Error{Code: syncproto.CodeInternal, Message: "internal error; request id " + requestID(c)}
		}
		if status == 0 {
			status = syncproto.StatusOf(pe.Code)
		}
		// A body the handler did not read must not be taken for the next
		// request: read it when it is small, else close the connection.
		if c.Response().ConnectionClose() || c.Request().Header.ContentLength() > maxDrain {
			c.Context().SetConnectionClose()
		} else {
			discard(c, bodyStream(c), maxDrain)
		}
		if status == fiber.StatusRequestEntityTooLarge || status >= 500 || status == fiber.StatusRequestTimeout {
			c.Context().SetConnectionClose()
		}
		return c.Status(status).JSON(syncproto.ErrorBody{Error: *pe})
	}
}

func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals("requestid").(string); ok {
		return id
	}
	return ""
}

// errMalformed is the answer to a body that is not the JSON a route wants.
var errMalformed = syncproto.Errorf(syncproto.CodeInvalidRequest, "malformed JSON body")

// isTimeout reports whether err is a read deadline passing: a client too
// slow to send its request within the read timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// readError is the answer to a body that could not be read: 408 when it
// did not arrive in time, else a malformed body.
func readError(err error) error {
	if isTimeout(err) {
		return fiber.ErrRequestTimeout
	}
	return errMalformed
}
