package httpapi

import (
	"strconv"
	"strings"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

const principalKey = "principal"

// maxRequestIDLen bounds a client's X-Request-Id.
const maxRequestIDLen = 64

// requestIDs gives every request an id for the logs and the response's
// X-Request-Id: the client's own when it is a short token of
// [A-Za-z0-9._-] (a handheld correlating its retries), else a fresh
// random one, so a client cannot write arbitrary text (personal data,
// forged log lines) into the server's logs.
func requestIDs(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !safeRequestID(id) {
		id = utils.UUIDv4()
	}
	c.Set(fiber.HeaderXRequestID, id)
	c.Locals("requestid", id)
	return c.Next()
}

func safeRequestID(s string) bool {
	if s == "" || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// protocolVersion refuses a Courier-Protocol version this server can't
// serve, so an old or future handheld learns it must update.
func protocolVersion(c *fiber.Ctx) error {
	v := c.Get(syncproto.ProtocolHeader)
	if v == "" {
		return c.Next()
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > syncproto.ProtocolVersion {
		return syncproto.Errorf(syncproto.CodeUnsupportedProtocol, "protocol version not supported; this server speaks %d", syncproto.ProtocolVersion)
	}
	return c.Next()
}

// authenticate checks the bearer token and stores the principal.
func (h *handler) authenticate(c *fiber.Ctx) error {
	tok, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || tok == "" {
		return server.ErrUnauthorized
	}
	p, err := h.auth.Authenticate(c.UserContext(), tok)
	if err != nil {
		return err
	}
	p.IP = c.IP()
	c.Locals(principalKey, p)
	return c.Next()
}

// require lets only roles at least min through.
func require(min string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !principal(c).AtLeast(min) {
			return server.ErrForbidden
		}
		return c.Next()
	}
}

// only lets exactly one role through.
func only(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if principal(c).Role != role {
			return server.ErrForbidden
		}
		return c.Next()
	}
}

func principal(c *fiber.Ctx) server.Principal {
	p, _ := c.Locals(principalKey).(server.Principal)
	return p
}

// queryLimit reads ?limit= within 1..max, with def when absent.
func queryLimit(c *fiber.Ctx, def, max int) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, server.Invalid("limit: a whole number from 1 to " + strconv.Itoa(max))
	}
	return n, nil
}
