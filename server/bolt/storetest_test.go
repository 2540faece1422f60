package bolt_test

import (
	"testing"

	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/storetest"
)

// TestConformance runs the store conformance suite against a real bbolt
// file in a temporary directory.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		clock := storetest.NewClock()
		db := openDB(t, bolt.Options{Clock: clock.Now})
		return storetest.Store{Clock: clock,
			Users: db, Sessions: db, Accounts: db, Sync: db, Audit: db, Events: db,
			Complaints: db, Callbacks: db, Purger: db, Ledger: db, Handovers: db,
			Vehicles: db, Claims: db, Inspections: db, Damage: db, Parcels: db,
			Texts: db, Reports: db, PushTokens: db, Outbox: db, BlobMeta: db}
	})
}
