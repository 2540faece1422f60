package httpapi

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// accountRoutes registers account administration and the couriers list on
// the authenticated /v1 group:
//
//	GET    /v1/couriers?active=                                  dispatcher+
//	PATCH  /v1/admin/users/{user_id}                             admin: role, display_name, active
//	POST   /v1/admin/users/{user_id}/password                    admin: reset (ends sessions)
//	GET    /v1/admin/users/{user_id}/sessions                    admin: sessions and devices
//	DELETE /v1/admin/users/{user_id}/sessions/{session_id}       admin: revoke one session
//	GET    /v1/admin/settings                                    admin: the business rules in force
func (h *handler) accountRoutes(v1 fiber.Router) {
	if h.Accounts == nil {
		return
	}
	admin := require(syncproto.RoleAdmin)
	v1.Get("/couriers", require(syncproto.RoleDispatcher), h.listCouriers)
	v1.Patch("/admin/users/:user_id", admin, h.patchUser)
	v1.Post("/admin/users/:user_id/password", admin, h.setPassword)
	v1.Get("/admin/users/:user_id/sessions", admin, h.userSessions)
	v1.Delete("/admin/users/:user_id/sessions/:session_id", admin, h.revokeSession)
	if h.Settings != nil {
		v1.Get("/admin/settings", admin, h.settings)
	}
}

func (h *handler) settings(c *fiber.Ctx) error {
	return c.JSON(h.Settings)
}

func (h *handler) listCouriers(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	f := server.CourierFilter{Cursor: c.Query("cursor"), Limit: limit}
	if c.Query("active") != "" {
		active, err := queryBool(c, "active")
		if err != nil {
			return err
		}
		f.Active = &active
	}
	out, err := h.Accounts.ListCouriers(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) patchUser(c *fiber.Ctx) error {
	var req syncproto.UserPatch
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := h.Accounts.PatchUser(c.UserContext(), principal(c), c.Params("user_id"), &req)
	if err != nil {
		return err
	}
	return c.JSON(u.View())
}

func (h *handler) setPassword(c *fiber.Ctx) error {
	var req syncproto.PasswordRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := server.CheckPassword(req.Password); err != nil {
		return err
	}
	hash, err := h.auth.Passwords.Hash(req.Password)
	if err != nil {
		return err
	}
	if err := h.Accounts.SetPassword(c.UserContext(), principal(c), c.Params("user_id"), hash); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handler) userSessions(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Accounts.UserSessions(c.UserContext(), c.Params("user_id"), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) revokeSession(c *fiber.Ctx) error {
	if err := h.Accounts.RevokeUserSession(c.UserContext(), principal(c), c.Params("user_id"), c.Params("session_id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
