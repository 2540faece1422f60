package httpapi

import (
	"os"
	"path/filepath"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// push admits the courier's push through the gate before reading its body
// (see server.PushGate), then decodes and applies it.
func (h *handler) push(c *fiber.Ctx) error {
	p := principal(c)
	leave, err := h.gate.Enter(p.UserID)
	if err != nil {
		return err
	}
	defer leave()
	var req syncproto.PushRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.Ops) > syncproto.MaxOpsPerPush {
		return syncproto.Errorf(syncproto.CodePayloadTooLarge, "at most %d ops per push", syncproto.MaxOpsPerPush)
	}
	if req.DeviceID != p.DeviceID {
		return syncproto.Errorf(syncproto.CodeForbidden, "device_id does not match the token's device")
	}
	if err := syncproto.ValidatePush(&req); err != nil {
		return err
	}
	resp, err := h.Sync.Push(c.UserContext(), p, &req)
	if err != nil {
		return err
	}
	return c.JSON(resp)
}

func (h *handler) pull(c *fiber.Ctx) error {
	limit, err := queryLimit(c, syncproto.DefaultPullSize, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	resp, err := h.Sync.Pull(c.UserContext(), principal(c), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	body, err := appendPull(make([]byte, 0, pullSize(resp)), resp)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}

func (h *handler) auditOps(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Audit.ListOps(c.UserContext(), server.AuditFilter{DeviceID: c.Query("device_id"), Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) auditEvents(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Events.ListEvents(c.UserContext(), server.EventFilter{Actor: c.Query("actor"), Action: c.Query("action"), Cursor: c.Query("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// backup copies the store into a temporary file first, so the read
// transaction lasts as long as a local copy, not as long as a slow client.
func (h *handler) backup(c *fiber.Ctx) error {
	dir, err := os.MkdirTemp("", "courierd-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "courier.db")
	if err := h.Backup(path); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	os.Remove(path) // the open file stays readable until closed
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="courier.db"`)
	return c.SendStream(f, int(st.Size()))
}
