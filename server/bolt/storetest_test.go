package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/crypt"
	"github.com/courier-sync/courier-sync/server/storetest"
)

// TestConformance runs the store conformance suite against real bbolt
// files in temporary directories.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		opts := bolt.Options{PII: crypt.Generate()} // one key across restarts, as a key file gives
		return openConformance(t, filepath.Join(t.TempDir(), "courier.db"), storetest.NewClock(), opts)
	})
}

// openConformance opens the store at path on clock with opts; its Reopen
// checks and closes it and opens the same file again. A store still open
// when the test ends is checked for consistency and closed.
func openConformance(t *testing.T, path string, clock *storetest.Clock, opts bolt.Options) storetest.Store {
	t.Helper()
	opts.Clock = clock.Now
	db, err := bolt.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if db.Ready() {
			if err := db.Check(); err != nil {
				t.Errorf("consistency check: %v", err)
			}
		}
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return storetest.Store{Clock: clock,
		Reopen: func() storetest.Store {
			if err := db.Check(); err != nil {
				t.Errorf("consistency check before reopening: %v", err)
			}
			if err := db.Close(); err != nil {
				t.Fatalf("close before reopening: %v", err)
			}
			return openConformance(t, path, clock, opts)
		},
		Users: db, Sessions: db, Accounts: db, Sync: db, Audit: db, Events: db,
		Complaints: db, Callbacks: db, Purger: db, Ledger: db, Handovers: db,
		Vehicles: db, Claims: db, Inspections: db, Damage: db, Parcels: db,
		Texts: db, Reports: db, PushTokens: db, Outbox: db, BlobMeta: db}
}
