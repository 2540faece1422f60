package httpapi

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// maxAuthBody bounds login and refresh bodies: far more than any valid
// one, read and refused before anything is parsed, hashed or stored.
const maxAuthBody = 4 << 10

func (h *handler) login(c *fiber.Ctx) error {
	var req syncproto.LoginRequest
	if err := decodeMax(c, &req, maxAuthBody); err != nil {
		return err
	}
	resp, err := h.auth.Login(c.UserContext(), &req, c.IP())
	if err != nil {
		return err
	}
	return c.JSON(resp)
}

func (h *handler) refresh(c *fiber.Ctx) error {
	var req syncproto.RefreshRequest
	if err := decodeMax(c, &req, maxAuthBody); err != nil {
		return err
	}
	resp, err := h.auth.Refresh(c.UserContext(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(resp)
}

func (h *handler) logout(c *fiber.Ctx) error {
	if err := h.auth.Logout(c.UserContext(), principal(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handler) createUser(c *fiber.Ctx) error {
	var req syncproto.CreateUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := h.auth.CreateUser(c.UserContext(), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u.View())
}

func (h *handler) listUsers(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	users, cursor, more, err := h.Users.ListUsers(c.UserContext(), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	out := syncproto.UserList{Users: make([]syncproto.User, 0, len(users)), Cursor: cursor, HasMore: more}
	for _, u := range users {
		out.Users = append(out.Users, u.View())
	}
	return c.JSON(out)
}

// releaseDevice unbinds a device id from the courier it is bound to, so
// another account may log in with it (a handheld handed to a colleague).
func (h *handler) releaseDevice(c *fiber.Ctx) error {
	id := c.Params("device_id")
	if id == "" || len(id) > server.MaxDeviceIDBytes {
		return server.Invalid("device_id: 1–128 bytes")
	}
	if err := h.auth.Sessions.ReleaseDevice(c.UserContext(), id); err != nil {
		return err
	}
	if h.Events != nil {
		e := server.NewEvent(principal(c), "device.release", "device:"+id, h.auth.Clock.Now())
		if err := h.Events.RecordEvent(c.UserContext(), e); err != nil {
			return err
		}
	}
	return c.SendStatus(fiber.StatusNoContent)
}
