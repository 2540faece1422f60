package httpapi

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// callbackRoutes registers the callbacks routes on the authenticated /v1 group:
//
//	POST  /v1/callbacks                      dispatcher+  create a task
//	GET   /v1/callbacks                      dispatcher+  ?status=&courier_id=&due_before=&overdue=true&review=true
//	GET   /v1/callbacks/{task_id}            dispatcher+  one task
//	PATCH /v1/callbacks/{task_id}            dispatcher+  cancel, reassign or mark reviewed, with version
//	POST  /v1/callbacks/{task_id}/contact    the assigned courier: reveal the number (audited)
//	PUT   /v1/devices/self/push-token        any device: its FCM token
//	POST  /v1/admin/purge?dry_run=true       admin: erase personal data past retention
func (h *handler) callbackRoutes(v1 fiber.Router) {
	if h.Callbacks == nil {
		return
	}
	disp := require(syncproto.RoleDispatcher)
	v1.Post("/callbacks", disp, h.createCallback)
	v1.Get("/callbacks", disp, h.listCallbacks)
	v1.Get("/callbacks/:id", disp, h.getCallback)
	v1.Patch("/callbacks/:id", disp, h.patchCallback)
	v1.Post("/callbacks/:id/contact", h.revealContact)
	if h.PushTokens != nil {
		v1.Put("/devices/self/push-token", h.putPushToken(h.PushTokens))
	}
	if h.Purge != nil {
		v1.Post("/admin/purge", require(syncproto.RoleAdmin), h.purgePII(h.Purge))
	}
}

// callbackTaskID reads the :id parameter; anything but a record id is not found.
func callbackTaskID(c *fiber.Ctx) (string, error) {
	id := c.Params("id")
	if !server.ValidRecordID(id) {
		return "", server.ErrNotFound
	}
	return id, nil
}

func (h *handler) createCallback(c *fiber.Ctx) error {
	var req server.NewCallback
	if err := decode(c, &req); err != nil {
		return err
	}
	task, err := h.Callbacks.CreateCallback(c.UserContext(), principal(c), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(task)
}

func (h *handler) listCallbacks(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	f := server.CallbackFilter{Waybill: c.Query("waybill"), Status: c.Query("status"), CourierID: c.Query("courier_id"), Cursor: c.Query("cursor"), Limit: limit}
	if s := c.Query("due_before"); s != "" {
		t, ok := syncproto.ParseOpTime(s)
		if !ok {
			return server.Invalid("due_before: an RFC 3339 time with offset")
		}
		f.DueBefore = t
	}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		return err
	}
	if f.Review, err = queryBool(c, "review"); err != nil {
		return err
	}
	out, err := h.Callbacks.ListCallbacks(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) getCallback(c *fiber.Ctx) error {
	id, err := callbackTaskID(c)
	if err != nil {
		return err
	}
	task, err := h.Callbacks.Callback(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(task)
}

func (h *handler) patchCallback(c *fiber.Ctx) error {
	id, err := callbackTaskID(c)
	if err != nil {
		return err
	}
	var patch server.CallbackPatch
	if err := decode(c, &patch); err != nil {
		return err
	}
	task, err := h.Callbacks.UpdateCallback(c.UserContext(), principal(c), id, &patch)
	if err != nil {
		return err
	}
	return c.JSON(task)
}

// revealContact answers with the number: never cached by anyone between.
func (h *handler) revealContact(c *fiber.Ctx) error {
	id, err := callbackTaskID(c)
	if err != nil {
		return err
	}
	out, err := h.Callbacks.RevealContact(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (h *handler) putPushToken(tokens server.PushTokens) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req syncproto.PushTokenRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if err := tokens.SetPushToken(c.UserContext(), principal(c), req.FCMToken); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

func (h *handler) purgePII(p server.Purger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		dry, err := queryBool(c, "dry_run")
		if err != nil {
			return err
		}
		rep, err := p.PurgePII(c.UserContext(), principal(c), dry)
		if err != nil {
			return err
		}
		return c.JSON(rep)
	}
}
