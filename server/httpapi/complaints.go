package httpapi

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// complaintRoutes registers the complaints routes on the authenticated /v1 group.
func (h *handler) complaintRoutes(v1 fiber.Router) {
	if h.Complaints == nil {
		return
	}
	v1.Post("/complaints", require(syncproto.RoleDispatcher), h.createComplaint)
	v1.Get("/complaints", require(syncproto.RoleDispatcher), h.listComplaints)
	v1.Get("/complaints/:id", require(syncproto.RoleDispatcher), h.getComplaint)
	v1.Post("/complaints/:id/transition", require(syncproto.RoleDispatcher), h.transitionComplaint)
}

func (h *handler) createComplaint(c *fiber.Ctx) error {
	var req server.NewComplaint
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Complaints.CreateComplaint(c.UserContext(), principal(c), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) listComplaints(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	f := server.ComplaintFilter{Waybill: c.Query("waybill"), Status: c.Query("status"), CourierID: c.Query("courier_id"), Cursor: c.Query("cursor"), Limit: limit}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		return err
	}
	if f.AtRisk, err = queryBool(c, "at_risk"); err != nil {
		return err
	}
	out, err := h.Complaints.ListComplaints(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) getComplaint(c *fiber.Ctx) error {
	out, err := h.Complaints.Complaint(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) transitionComplaint(c *fiber.Ctx) error {
	var req server.ComplaintTransition
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Complaints.TransitionComplaint(c.UserContext(), principal(c), c.Params("id"), &req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
