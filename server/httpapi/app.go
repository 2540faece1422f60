package httpapi

import (
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
)

// Config is what the API needs: the services, and a few settings.
type Config struct {
	Auth   *server.Auth
	Sync   server.SyncService
	Audit  server.AuditService
	Users  server.UserStore
	Blobs  *server.Blobs
	Damage server.DamageReports
	Events server.EventLog

	Callbacks  server.CallbackService
	PushTokens server.PushTokens
	Purge      server.Purger
	Complaints server.ComplaintService
	Ledger     server.LedgerService
	Vehicles   server.VehicleService
	Reports    server.ReportService
	Accounts   server.Accounts
	Handovers  server.HandoverLog
	Parcels    server.Parcels
	Logger     *slog.Logger
	// Ready reports whether the store takes writes (for /readyz).
	Ready func() bool
	// Backup writes a consistent copy of the store to a file.
	Backup func(path string) error
	// OpenAPI is the OpenAPI document served at /v1/openapi.json.
	OpenAPI []byte
	// LoginPerIPPerMinute caps login and refresh attempts from one
	// address; 0 means 600 (a station's handhelds share one address).
	LoginPerIPPerMinute int
	// Settings, when set, are served to admins at /v1/admin/settings.
	Settings *server.SettingsView
	// Docs, when set, holds the markdown pages served at /docs with the
	// API reference made from OpenAPI.
	Docs fs.FS
}

type handler struct {
	Config
	auth   *server.Auth
	routes routeTable // filled once every route is registered
}

// New returns the fiber app with every route of the API.
func New(cfg Config) *fiber.App {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LoginPerIPPerMinute == 0 {
		cfg.LoginPerIPPerMinute = 600
	}
	h := &handler{Config: cfg, auth: cfg.Auth}
	app := fiber.New(fiber.Config{
		AppName:                      "courierd",
		BodyLimit:                    syncproto.MaxPushBytes,
		StreamRequestBody:            true, // photo uploads; JSON routes check their own limit in decode
		DisablePreParseMultipartForm: true,
		Immutable:                    true,
		DisableStartupMessage:        true,
		ErrorHandler:                 errorHandler(cfg.Logger),
		ReadTimeout:                  60 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		JSONEncoder:                  json.Marshal,
		JSONDecoder:                  json.Unmarshal,
	})
	app.Use(recover.New())
	app.Use(requestid.New())
	app.Use(protocolVersion)
	app.Use(h.checkQuery)

	app.Get("/healthz", h.healthz)
	app.Get("/readyz", h.readyz)
	app.Get("/v1/openapi.json", h.openAPI)
	h.consoleRoutes(app)
	if err := h.docRoutes(app); err != nil {
		cfg.Logger.Error("docs: pages not served", "err", err)
	}

	loginLimit := limiter.New(limiter.Config{
		Max:        cfg.LoginPerIPPerMinute,
		Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "60")
			return syncproto.Errorf(syncproto.CodeRateLimited, "too many login attempts from this address")
		},
	})
	app.Post("/v1/auth/login", loginLimit, h.login)
	app.Post("/v1/auth/refresh", loginLimit, h.refresh)

	v1 := app.Group("/v1", h.authenticate)
	v1.Post("/auth/logout", h.logout)
	v1.Post("/sync/push", only(syncproto.RoleCourier), h.push)
	v1.Get("/sync/pull", h.pull)
	v1.Post("/admin/users", require(syncproto.RoleAdmin), h.createUser)
	v1.Get("/admin/users", require(syncproto.RoleAdmin), h.listUsers)
	v1.Get("/admin/backup", require(syncproto.RoleAdmin), h.backup)
	v1.Get("/audit/ops", require(syncproto.RoleSupervisor), h.auditOps)
	h.callbackRoutes(v1)
	h.complaintRoutes(v1)
	h.codRoutes(v1)
	h.vehicleRoutes(v1)
	h.reportRoutes(v1)
	h.accountRoutes(v1)
	h.handoverRoutes(v1)
	h.parcelRoutes(v1)
	if cfg.Events != nil {
		v1.Get("/audit/events", require(syncproto.RoleSupervisor), h.auditEvents)
	}
	if cfg.Damage != nil {
		v1.Get("/damage-reports", require(syncproto.RoleDispatcher), h.listDamageReports)
	}
	if cfg.Blobs != nil {
		// HEAD first: fiber's Get also answers HEAD.
		v1.Head("/blobs/:sha256", h.headBlob)
		v1.Put("/blobs/:sha256", h.putBlob)
		v1.Patch("/blobs/:sha256", h.patchBlob)
		v1.Get("/blobs/:sha256", h.getBlob(server.VariantDisplay))
		v1.Get("/blobs/:sha256/thumb", h.getBlob(server.VariantThumb))
		v1.Get("/blobs/:sha256/original", h.getBlob(server.VariantOriginal))
	}
	h.routes = newRouteTable(app.GetRoutes(true))
	return app
}

// decode parses a JSON body of at most MaxPushBytes into v. Bodies are
// streamed (StreamRequestBody), so fiber's BodyLimit does not guard them.
func decode(c *fiber.Ctx, v any) error {
	const max = syncproto.MaxPushBytes
	tooLarge := syncproto.Errorf(syncproto.CodePayloadTooLarge, "request body over %d bytes", max)
	body := c.Body
	switch n := c.Request().Header.ContentLength(); {
	case n > max:
		// Read (a bounded amount of) the body first: answering and closing
		// with it unread makes the device see a reset, not this 413.
		discard(c, bodyStream(c), 2*max)
		return tooLarge
	case n < 0: // chunked: read at most max+1 bytes
		b, err := io.ReadAll(io.LimitReader(bodyStream(c), max+1))
		if err != nil {
			return errMalformed
		}
		if len(b) > max {
			return tooLarge
		}
		body = func() []byte { return b }
	}
	if err := json.Unmarshal(body(), v); err != nil {
		return errMalformed
	}
	return nil
}

func (h *handler) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (h *handler) readyz(c *fiber.Ctx) error {
	if h.Ready != nil && !h.Ready() {
		return c.Status(fiber.StatusServiceUnavailable).JSON(syncproto.ErrorBody{Error: syncproto.Error{Code: syncproto.CodeInternal, Message: "store not ready"}})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

func (h *handler) openAPI(c *fiber.Ctx) error {
	if len(h.OpenAPI) == 0 {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(h.OpenAPI)
}
