package httpapi

import (
	"context"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// textRoutes registers the reveals of sealed free text (dispatcher+, each
// read an audit event "text.reveal"); views show the text masked:
//
//	POST /v1/complaints/{id}/text       description and transition notes
//	POST /v1/callbacks/{task_id}/text   reason and outcome notes
//	POST /v1/damage-reports/{id}/text   description
func (h *handler) textRoutes(v1 fiber.Router) {
	if h.Texts == nil {
		return
	}
	disp := require(syncproto.RoleDispatcher)
	v1.Post("/complaints/:id/text", disp, h.revealText(h.Texts.ComplaintText))
	v1.Post("/callbacks/:id/text", disp, h.revealText(h.Texts.CallbackText))
	v1.Post("/damage-reports/:id/text", disp, h.revealText(h.Texts.DamageText))
}

func (h *handler) revealText(read func(context.Context, server.Principal, string) (*server.FreeText, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.Params("id")
		if !server.ValidRecordID(id) {
			return server.ErrNotFound
		}
		out, err := read(c.UserContext(), principal(c), id)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(out)
	}
}
