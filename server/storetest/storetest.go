package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
)

// Store bundles the service interfaces of package server that a store
// implements. Every field must be set; one value may fill several fields
// (the bbolt store fills them all).
type Store struct {
	// Clock is the store's time source: open makes it with NewClock and
	// gives its Now to the store, so the suite moves time by hand.
	Clock *Clock
	// Reopen closes the store and opens the same data again on the same
	// Clock (a restart), returning the reopened store's Store.
	Reopen func() Store

	Users       server.UserStore
	Sessions    server.SessionStore
	Accounts    server.Accounts
	Sync        server.SyncService
	Audit       server.AuditService
	Events      server.EventLog
	Complaints  server.ComplaintService
	Callbacks   server.CallbackService
	Purger      server.Purger
	Ledger      server.LedgerService
	Handovers   server.HandoverLog
	Vehicles    server.VehicleService
	Claims      server.ClaimService
	Inspections server.InspectionService
	Damage      server.DamageReports
	Parcels     server.Parcels
	Texts       server.TextReader
	Reports     server.ReportService
	PushTokens  server.PushTokens
	Outbox      server.PushOutbox
	BlobMeta    server.BlobMetaStore
}

// Start is where every store's clock starts: a Monday morning in the
// company time zone (Asia/Shanghai).
var Start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Clock is a server.Clock the suite moves by hand; safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at Start.
func NewClock() *Clock { return &Clock{t: Start} }

// Now returns the clock's time (pass c.Now as the store's server.Clock).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// behaviour is one row of the suite: a name that reads as a sentence and
// a test run against a freshly opened store.
type behaviour struct {
	name string
	test func(t *testing.T, w *world)
}

// group is the behaviours of one service interface (or two that only make
// sense together).
type group struct {
	name       string
	behaviours []behaviour
}

// groups lists every group of the suite, in the order they run.
func groups() []group {
	return []group{
		{"SyncService", syncBehaviours},
		{"SyncService/Pull", feedBehaviours},
		{"Durability", durabilityBehaviours},
		{"AuditService", auditBehaviours},
		{"EventLog", eventBehaviours},
		{"LedgerService", ledgerBehaviours},
		{"HandoverLog", handoverLogBehaviours},
		{"ComplaintService", complaintBehaviours},
		{"CallbackService", callbackBehaviours},
		{"PushTokens+PushOutbox", pushBehaviours},
		{"VehicleService", vehicleBehaviours},
		{"ClaimService", claimBehaviours},
		{"InspectionService", inspectionBehaviours},
		{"Purger", purgeBehaviours},
		{"UserStore", userBehaviours},
		{"SessionStore", sessionBehaviours},
		{"Accounts", accountBehaviours},
		{"DamageReports", damageBehaviours},
		{"Parcels", parcelBehaviours},
		{"TextReader", textBehaviours},
		{"ReportService", reportBehaviours},
		{"BlobMetaStore", blobMetaBehaviours},
	}
}

// Run runs every behaviour of the suite, each against a new store made by
// open (a few behaviours open a second one). open must return a Store
// whose fields are all set, whose store uses server.DefaultSettings() and
// the Clock of the Store, and must close the store when the test ends
// (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) Store) {
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, b := range g.behaviours {
				t.Run(b.name, func(t *testing.T) {
					w := newWorld(t, open(t))
					w.open = open
					b.test(t, w)
				})
			}
		})
	}
}
