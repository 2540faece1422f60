package httpapi

import (
	"slices"
	"strconv"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// claimRoutes registers the compensation claim routes on the
// authenticated /v1 group.
func (h *handler) claimRoutes(v1 fiber.Router) {
	if h.Claims == nil {
		return
	}
	v1.Post("/claims", require(syncproto.RoleDispatcher), h.fileClaim)
	v1.Get("/claims", require(syncproto.RoleDispatcher), h.listClaims)
	v1.Get("/claims/:id", require(syncproto.RoleDispatcher), h.getClaim)
	v1.Post("/claims/:id/acknowledge", require(syncproto.RoleDispatcher), h.acknowledgeClaim)
	v1.Post("/claims/:id/decide", require(syncproto.RoleSupervisor), h.decideClaim)
	v1.Post("/claims/:id/payout", require(syncproto.RoleSupervisor), h.payClaim)
}

// onlyQueryParams refuses a query parameter not named (PROTOCOL.md
// "Additions to v1": never silently ignored).
func onlyQueryParams(c *fiber.Ctx, names ...string) error {
	var bad string
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		if bad == "" && !slices.Contains(names, string(k)) {
			bad = string(k)
		}
	})
	if bad != "" {
		if len(bad) > 64 {
			bad = bad[:64]
		}
		return server.Invalid("unknown query parameter " + strconv.Quote(bad))
	}
	return nil
}

func (h *handler) fileClaim(c *fiber.Ctx) error {
	var req server.NewClaim
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Claims.FileClaim(c.UserContext(), principal(c), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) listClaims(c *fiber.Ctx) error {
	if err := onlyQueryParams(c, "status", "overdue", "waybill", "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	f := server.ClaimFilter{Status: c.Query("status"), Waybill: c.Query("waybill"), Cursor: c.Query("cursor"), Limit: limit}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		return err
	}
	out, err := h.Claims.ListClaims(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) getClaim(c *fiber.Ctx) error {
	out, err := h.Claims.Claim(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) acknowledgeClaim(c *fiber.Ctx) error {
	out, err := h.Claims.AcknowledgeClaim(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) decideClaim(c *fiber.Ctx) error {
	var req server.ClaimDecide
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Claims.DecideClaim(c.UserContext(), principal(c), c.Params("id"), &req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) payClaim(c *fiber.Ctx) error {
	var req server.ClaimPay
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Claims.PayClaim(c.UserContext(), principal(c), c.Params("id"), &req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
