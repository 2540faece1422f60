package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
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
	// Texts reveals sealed free text, audited.
	Texts     server.TextReader
	Claims    server.ClaimService
	Accounts  server.Accounts
	Handovers server.HandoverLog
	Parcels   server.Parcels
	Logger    *slog.Logger
	// Ready reports whether the store takes writes (for /readyz).
	Ready func() bool
	// Backup writes a consistent copy of the store to a file.
	Backup func(path string) error
	// OpenAPI is the OpenAPI document served at /v1/openapi.json.
	OpenAPI []byte
	// Metrics, when set, is served at GET /metrics (public, as the
	// contract says; it holds no personal data).
	Metrics http.Handler
	// ObserveRequest, when set, is told every answered request's route
	// pattern, method, status and duration (metrics).
	ObserveRequest func(route, method string, status int, took time.Duration)
	// LoginPerIPPerMinute caps login requests from one address; 0 means
	// 6000. It only stops raw floods: password guessing is slowed by
	// server.LoginThrottle, which lets a courier's bound handheld through,
	// whereas this cap would also stop the fleet behind one proxy address.
	LoginPerIPPerMinute int
	// RefreshPerIPPerMinute caps refreshes from one address, counted apart
	// from logins; 0 means 6000 (a fleet behind one proxy refreshes every
	// few minutes).
	RefreshPerIPPerMinute int
	// ReadTimeout bounds the time a request's headers and body may take to
	// arrive (measured from its first byte; a slow client cannot extend
	// it): past it the request is answered 408 or the connection closed.
	// 0 means 30 s.
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle this long; 0 means
	// 60 s.
	IdleTimeout time.Duration
	// PushesPerCourier caps the pushes one courier has in flight (more →
	// 429 with Retry-After); 0 means server.DefaultPushesPerCourier.
	PushesPerCourier int

	// Inspections runs the monthly service-quality inspections.
	Inspections server.InspectionService
	// Settings, when set, are served to admins at /v1/admin/settings.
	Settings *server.SettingsView
	// Docs, when set, holds the markdown pages served at /docs with the
	// API reference made from OpenAPI.
	Docs fs.FS
	// UploadsDir, when set (with Blobs), holds the partial tus uploads
	// of /v1/uploads.
	UploadsDir string
}

type handler struct {
	Config
	auth   *server.Auth
	gate   *server.PushGate
	routes routeTable // filled once every route is registered
}

// New returns the fiber app with every route of the API.
func New(cfg Config) *fiber.App {
	cfg = cfg.withDefaults()
	h := &handler{Config: cfg, auth: cfg.Auth, gate: server.NewPushGate(cfg.PushesPerCourier)}
	app := fiber.New(fiber.Config{
		AppName:                      "courierd",
		BodyLimit:                    syncproto.MaxPushBytes,
		StreamRequestBody:            true, // photo uploads; JSON routes check their own limit in decode
		DisablePreParseMultipartForm: true,
		Immutable:                    true,
		DisableStartupMessage:        true,
		ErrorHandler:                 errorHandler(cfg.Logger),
		ReadTimeout:                  cfg.ReadTimeout,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  cfg.IdleTimeout,
		JSONEncoder:                  json.Marshal,
		JSONDecoder:                  json.Unmarshal,
	})
	app.Use(accessLog(cfg.Logger, cfg.ObserveRequest))
	app.Use(recover.New())
	app.Use(requestIDs)
	app.Use(protocolVersion)
	app.Use(h.checkQuery)

	app.Get("/healthz", h.healthz)
	app.Get("/readyz", h.readyz)
	app.Get("/v1/openapi.json", h.openAPI)
	if cfg.Metrics != nil {
		app.Get("/metrics", adaptor.HTTPHandler(cfg.Metrics))
	}
	h.consoleRoutes(app)
	if err := h.docRoutes(app); err != nil {
		cfg.Logger.Error("docs: pages not served", "err", err)
	}

	app.Post("/v1/auth/login", perAddress(cfg.LoginPerIPPerMinute, "login"), h.login)
	app.Post("/v1/auth/refresh", perAddress(cfg.RefreshPerIPPerMinute, "refresh"), h.refresh)

	v1 := app.Group("/v1", h.authenticate)
	h.syncRoutes(v1)
	h.callbackRoutes(v1)
	h.complaintRoutes(v1)
	h.codRoutes(v1)
	h.vehicleRoutes(v1)
	h.reportRoutes(v1)
	h.textRoutes(v1)
	h.claimRoutes(v1)
	h.inspectionRoutes(v1)
	h.accountRoutes(v1)
	h.handoverRoutes(v1)
	h.parcelRoutes(v1)
	if cfg.Events != nil {
		v1.Get("/audit/events", require(syncproto.RoleSupervisor), h.auditEvents)
	}
	if cfg.Damage != nil {
		v1.Get("/damage-reports", require(syncproto.RoleDispatcher), h.listDamageReports)
	}
	h.blobRoutes(v1)
	h.tusRoutes(v1)
	h.routes = newRouteTable(app.GetRoutes(true))
	return app
}

// withDefaults fills the settings left zero.
func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LoginPerIPPerMinute == 0 {
		cfg.LoginPerIPPerMinute = 6000
	}
	if cfg.RefreshPerIPPerMinute == 0 {
		cfg.RefreshPerIPPerMinute = 6000
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	return cfg
}

// syncRoutes registers sync, logout, the admin basics and the op audit.
func (h *handler) syncRoutes(v1 fiber.Router) {
	v1.Post("/auth/logout", h.logout)
	v1.Post("/sync/push", only(syncproto.RoleCourier), h.push)
	v1.Get("/sync/pull", h.pull)
	v1.Post("/admin/users", require(syncproto.RoleAdmin), h.createUser)
	v1.Get("/admin/users", require(syncproto.RoleAdmin), h.listUsers)
	v1.Get("/admin/backup", require(syncproto.RoleAdmin), h.backup)
	v1.Delete("/admin/devices/:device_id", require(syncproto.RoleAdmin), h.releaseDevice)
	v1.Get("/audit/ops", require(syncproto.RoleSupervisor), h.auditOps)
}

// blobRoutes registers the photo and blob routes, when there is a blob
// store.
func (h *handler) blobRoutes(v1 fiber.Router) {
	if h.Blobs != nil {
		// HEAD first: fiber's Get also answers HEAD.
		v1.Use("/blobs", blobHeaders)
		v1.Head("/blobs/:sha256", h.headBlob)
		v1.Put("/blobs/:sha256", h.putBlob)
		v1.Patch("/blobs/:sha256", h.patchBlob)
		v1.Get("/blobs/:sha256", h.getBlob(server.VariantDisplay))
		v1.Get("/blobs/:sha256/thumb", h.getBlob(server.VariantThumb))
		v1.Get("/blobs/:sha256/original", h.getBlob(server.VariantOriginal))
	}
}

// Defaults of Config's timeouts.
const (
	DefaultReadTimeout = 30 * time.Second
	DefaultIdleTimeout = 60 * time.Second
)

// perAddress limits one route to max requests a minute from one address,
// in a bucket of its own (login and refresh are counted apart).
func perAddress(max int, what string) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: time.Minute,
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "60")
			return syncproto.Errorf(syncproto.CodeRateLimited, "too many %s attempts from this address", what)
		},
	})
}

// decode parses a JSON body of at most MaxPushBytes into v. Bodies are
// streamed (StreamRequestBody), so fiber's BodyLimit does not guard them.
func decode(c *fiber.Ctx, v any) error { return decodeMax(c, v, syncproto.MaxPushBytes) }

// decodeMax parses a JSON body of at most max bytes into v. A body that
// does not arrive within the read timeout → 408.
func decodeMax(c *fiber.Ctx, v any, limit int) error {
	tooLarge := syncproto.Errorf(syncproto.CodePayloadTooLarge, "request body over %d bytes", limit)
	if n := c.Request().Header.ContentLength(); n > limit {
		// Read (a bounded amount of) the body first: answering and closing
		// with it unread makes the device see a reset, not this 413.
		discard(c, bodyStream(c), int64(max(2*limit, maxDrain)))
		return tooLarge
	}
	// Read at most max+1 bytes from the stream (chunked bodies have no
	// length): fasthttp's Body() would turn a read error, a timeout
	// included, into body text.
	// Sized by Content-Length when given: io.ReadAll grew a 28 KB push
	// body through a dozen copies.
	buf := bytes.NewBuffer(make([]byte, 0, max(0, c.Request().Header.ContentLength())+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(bodyStream(c), int64(limit)+1)); err != nil {
		return readError(err)
	}
	b := buf.Bytes()
	if len(b) > limit {
		return tooLarge
	}
	if err := jsonv1.Unmarshal(b, v); err != nil { // encoding/json's semantics, ~2× faster
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
