package httpapi

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

func (h *handler) listDamageReports(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Damage.ListDamageReports(c.UserContext(), server.DamageFilter{
		Waybill: c.Query("waybill"), CourierID: c.Query("courier_id"), Cursor: c.Query("cursor"), Limit: limit,
	})
	if err != nil {
		return err
	}
	return c.JSON(out)
}
