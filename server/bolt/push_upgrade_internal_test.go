package bolt

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/crypt"
	bbolt "go.etcd.io/bbolt"
)

// An upgrade stopped after its first batch (a crash, a kill) resumes where
// it stopped when the store opens again, and the store reads as the old
// code read it: nothing converted twice, nothing skipped.
func TestAnUpgradeStoppedHalfWayResumes(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"courier.db", "pii-keys.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "v1", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var want struct {
		Ops json.RawMessage `json:"ops"`
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "v1", "reads.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	defer func(n int) { upgradeBatch = n }(upgradeBatch)
	upgradeBatch = 50

	path := filepath.Join(dir, "courier.db")
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var done bool
	if err := bdb.Update(func(tx *bbolt.Tx) error {
		done, err = upgradeOpLogBatch(tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var version, markAt uint64
	bdb.View(func(tx *bbolt.Tx) error {
		version, markAt = storeVersion(tx), mark(tx.Bucket(bucketMeta), keyUpgradeMark)
		return nil
	})
	if done || version != 1 || markAt != 50 {
		t.Fatalf("after one batch: done %v, version %d, mark %d; want a half-way schema-1 store at 50", done, version, markAt)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}

	keys, err := crypt.Load(filepath.Join(dir, "pii-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, Options{PII: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.ListOps(context.Background(), server.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	var a, b any
	json.Unmarshal(g, &a)
	json.Unmarshal(want.Ops, &b)
	ga, _ := json.Marshal(a)
	gb, _ := json.Marshal(b)
	if string(ga) != string(gb) {
		t.Fatalf("ops after a resumed upgrade:\n%s\nwant\n%s", ga, gb)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
