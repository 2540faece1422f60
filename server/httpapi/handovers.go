package httpapi

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// handoverRoutes registers GET /v1/cod/handovers (dispatcher+):
// ?courier_id=&from=&to=&cursor=&limit=.
func (h *handler) handoverRoutes(v1 fiber.Router) {
	if h.Handovers == nil {
		return
	}
	v1.Get("/cod/handovers", require(syncproto.RoleDispatcher), h.listHandovers)
}

func (h *handler) listHandovers(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	f := server.HandoverFilter{CourierID: c.Query("courier_id"), Cursor: c.Query("cursor"), Limit: limit}
	if f.From, err = timeQuery(c, "from"); err != nil {
		return err
	}
	if f.To, err = timeQuery(c, "to"); err != nil {
		return err
	}
	out, err := h.Handovers.ListHandovers(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
