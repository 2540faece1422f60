package httpapi

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// inspectionRoutes registers the monthly inspection routes (supervisor+)
// on the authenticated /v1 group; the corrective-action routes come first
// so "corrective-actions" is never read as an inspection id.
func (h *handler) inspectionRoutes(v1 fiber.Router) {
	if h.Inspections == nil {
		return
	}
	sup := require(syncproto.RoleSupervisor)
	v1.Get("/inspections/corrective-actions", sup, h.listActions)
	v1.Post("/inspections/corrective-actions/:id/close", sup, h.closeAction)
	v1.Post("/inspections", sup, h.openInspection)
	v1.Get("/inspections", sup, h.listInspections)
	v1.Get("/inspections/:id", sup, h.getInspection)
	v1.Post("/inspections/:id/items/:item", sup, h.markItem)
}

func (h *handler) openInspection(c *fiber.Ctx) error {
	var req server.NewInspection
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Inspections.OpenInspection(c.UserContext(), principal(c), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) listInspections(c *fiber.Ctx) error {
	if err := onlyQueryParams(c, "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Inspections.ListInspections(c.UserContext(), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) getInspection(c *fiber.Ctx) error {
	out, err := h.Inspections.Inspection(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) markItem(c *fiber.Ctx) error {
	var req server.ItemMark
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Inspections.MarkItem(c.UserContext(), principal(c), c.Params("id"), c.Params("item"), &req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) listActions(c *fiber.Ctx) error {
	if err := onlyQueryParams(c, "status", "overdue", "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	f := server.ActionFilter{Status: c.Query("status"), Cursor: c.Query("cursor"), Limit: limit}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		return err
	}
	out, err := h.Inspections.ListActions(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) closeAction(c *fiber.Ctx) error {
	var req server.ActionClose
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Inspections.CloseAction(c.UserContext(), principal(c), c.Params("id"), &req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
