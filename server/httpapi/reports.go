package httpapi

import (
	"bytes"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// reportRoutes registers the report routes on the authenticated /v1 group.
func (h *handler) reportRoutes(v1 fiber.Router) {
	if h.Reports == nil {
		return
	}
	v1.Get("/reports/quality", require(syncproto.RoleSupervisor), h.qualityReport)
}

func (h *handler) qualityReport(c *fiber.Ctx) error {
	format := c.Query("format")
	if format != "" && format != "json" && format != "csv" {
		return server.Invalid("format: json or csv")
	}
	out, err := h.Reports.QualityReport(c.UserContext(), c.Query("month"))
	if err != nil {
		return err
	}
	if format != "csv" {
		return c.JSON(out)
	}
	var buf bytes.Buffer
	if err := out.WriteCSV(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="quality-`+out.Month+`.csv"`)
	return c.Send(buf.Bytes())
}
