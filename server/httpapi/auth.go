package httpapi

import (
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

func (h *handler) login(c *fiber.Ctx) error {
	var req syncproto.LoginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	resp, err := h.auth.Login(c.UserContext(), &req)
	if err != nil {
		return err
	}
	return c.JSON(resp)
}

func (h *handler) refresh(c *fiber.Ctx) error {
	var req syncproto.RefreshRequest
	if err := decode(c, &req); err != nil {
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
