package httpapi

import (
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// parcelRoutes registers GET /v1/parcels/{waybill} (dispatcher+): one
// parcel's timeline, masked.
func (h *handler) parcelRoutes(v1 fiber.Router) {
	if h.Parcels == nil {
		return
	}
	v1.Get("/parcels/:waybill", require(syncproto.RoleDispatcher), h.getParcel)
}

func (h *handler) getParcel(c *fiber.Ctx) error {
	out, err := h.Parcels.Parcel(c.UserContext(), c.Params("waybill"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}
