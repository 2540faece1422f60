package httpapi

import (
	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
)

// codRoutes registers the COD ledger routes on the authenticated /v1 group.
func (h *handler) codRoutes(v1 fiber.Router) {
	if h.Ledger == nil {
		return
	}
	v1.Get("/cod/ledger", require(syncproto.RoleDispatcher), h.listLedger)
	v1.Get("/cod/balances", require(syncproto.RoleDispatcher), h.codBalances)
	v1.Get("/cod/discrepancies", require(syncproto.RoleDispatcher), h.codDiscrepancies)
	v1.Post("/cod/handovers", require(syncproto.RoleDispatcher), h.handOver)
	v1.Post("/cod/settlements", require(syncproto.RoleSupervisor), h.settle)
	v1.Post("/cod/reversals", require(syncproto.RoleSupervisor), h.reverse)
}

func (h *handler) listLedger(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	f := server.LedgerFilter{Waybill: c.Query("waybill"), CourierID: c.Query("courier_id"), Status: c.Query("status"), Cursor: c.Query("cursor"), Limit: limit}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		return err
	}
	if f.From, err = timeQuery(c, "from"); err != nil {
		return err
	}
	if f.To, err = timeQuery(c, "to"); err != nil {
		return err
	}
	out, err := h.Ledger.ListLedger(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) codBalances(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Ledger.CODBalances(c.UserContext(), c.Query("courier_id"), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) codDiscrepancies(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, syncproto.MaxPullLimit)
	if err != nil {
		return err
	}
	out, err := h.Ledger.ListCODDiscrepancies(c.UserContext(), c.Query("courier_id"), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handler) handOver(c *fiber.Ctx) error {
	var req server.HandoverRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Ledger.HandOver(c.UserContext(), principal(c), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) settle(c *fiber.Ctx) error {
	var req server.SettlementRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Ledger.Settle(c.UserContext(), principal(c), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) reverse(c *fiber.Ctx) error {
	var req server.ReversalRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := h.Ledger.Reverse(c.UserContext(), principal(c), &req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}
