package httpapi

import (
	"net/url"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// vehicleRoutes registers the vehicle routes on the authenticated /v1 group.
func (h *handler) vehicleRoutes(v1 fiber.Router) {
	if h.Vehicles == nil {
		return
	}
	sup := require(syncproto.RoleSupervisor)
	v1.Post("/vehicles", sup, h.registerVehicle)
	v1.Get("/vehicles", sup, h.listVehicles)
	v1.Get("/vehicles/:vehicle_id", sup, h.getVehicle)
	v1.Get("/vehicles/:vehicle_id/logs", sup, h.vehicleLogs)
	v1.Get("/vehicles/:vehicle_id/defects", sup, h.vehicleDefects)
	v1.Post("/vehicles/:vehicle_id/defects/:defect_id/certify", sup, h.certifyDefect)
}

// vehicleID returns the path's vehicle id, percent-decoded: ids are plates
// such as 沪A-12345.
func vehicleID(c *fiber.Ctx) (string, error) {
	id, err := url.PathUnescape(c.Params("vehicle_id"))
	if err != nil {
		return "", server.Invalid("vehicle_id: malformed")
	}
	return id, nil
}

func (h *handler) registerVehicle(c *fiber.Ctx) error {
	var req server.NewVehicle
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Vehicles.RegisterVehicle(c.UserContext(), principal(c), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) listVehicles(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	f := server.VehicleFilter{Cursor: c.Query("cursor"), Limit: limit}
	if f.Attention, err = queryBool(c, "attention"); err != nil {
		return err
	}
	out, err := h.Vehicles.ListVehicles(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) getVehicle(c *fiber.Ctx) error {
	id, err := vehicleID(c)
	if err != nil {
		return err
	}
	out, err := h.Vehicles.Vehicle(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) vehicleLogs(c *fiber.Ctx) error {
	id, err := vehicleID(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Vehicles.VehicleLogs(c.UserContext(), id, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) vehicleDefects(c *fiber.Ctx) error {
	id, err := vehicleID(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Vehicles.VehicleDefects(c.UserContext(), id, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) certifyDefect(c *fiber.Ctx) error {
	id, err := vehicleID(c)
	if err != nil {
		return err
	}
	var req server.CertifyDefect
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Vehicles.CertifyDefect(c.UserContext(), principal(c), id, c.Params("defect_id"), &req)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
