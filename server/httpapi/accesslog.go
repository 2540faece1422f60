package httpapi

import (
	"log/slog"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
)

// accessLog logs every request once it is answered, at info: request id,
// method, route pattern, status, duration and the caller's user id when
// the request carried a valid token. It never logs the path as sent, the
// query, headers or bodies: any of them can hold personal data. observe,
// when set, is told the same (metrics). It runs first, so it sees the
// answer to errors and panics too: it hands a handler's error to the
// app's error handler itself, as fiber's own logger does.
func accessLog(log *slog.Logger, observe func(route, method string, status int, took time.Duration)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		began := time.Now()
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		took := time.Since(began)
		route, method, status := routePattern(c), methodName(c), c.Response().StatusCode()
		attrs := []slog.Attr{
			slog.String("request_id", requestID(c)),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(took.Microseconds())/1000),
		}
		if p := principal(c); p.UserID != "" {
			attrs = append(attrs, slog.String("user_id", p.UserID))
		}
		log.LogAttrs(c.UserContext(), slog.LevelInfo, "request", attrs...)
		if observe != nil {
			observe(route, method, status, took)
		}
		return nil
	}
}

// routePattern is the registered pattern of the route that answered
// (/v1/callbacks/:id), the group's prefix when a group middleware
// answered (/v1 for a missing token), or "unmatched": never the path as
// the client sent it.
func routePattern(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" {
		return r.Path
	}
	return "unmatched"
}

var knownMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// methodName is the request's method, or "other" for a made-up one.
func methodName(c *fiber.Ctx) string {
	if m := c.Method(); slices.Contains(knownMethods, m) {
		return m
	}
	return "other"
}
