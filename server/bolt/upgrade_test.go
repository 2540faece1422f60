package bolt_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/crypt"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// writeV1 makes TestWriteV1Store (re)write the store the upgrade test
// starts from. It was run once, by the code before the compact layout
// (schema 1): go test ./server/bolt -run TestWriteV1Store -args -write-v1-store=testdata/v1
var writeV1 = flag.String("write-v1-store", "", "directory to write a schema-1 store and its expected reads into")

// v1Push is one push of the fixture, with the results the store gave.
type v1Push struct {
	Principal server.Principal       `json:"principal"`
	Request   syncproto.PushRequest  `json:"request"`
	Results   []syncproto.PushResult `json:"results"`
}

// v1Reads is what the fixture's store answers, compared across versions.
type v1Reads struct {
	Ops     *syncproto.AuditOpList        `json:"ops"`
	Parcels map[string]*server.Parcel     `json:"parcels"`
	Feeds   map[string][]syncproto.Change `json:"feeds"`
	Sealed  bolt.SealedReport             `json:"sealed"`
	Pushes  []v1Push                      `json:"pushes"`
}

func TestWriteV1Store(t *testing.T) {
	if *writeV1 == "" {
		t.Skip("writes the fixture only when asked (-write-v1-store)")
	}
	dir := *writeV1
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	keys, err := crypt.LoadOrCreate(filepath.Join(dir, "pii-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, "courier.db"), bolt.Options{PII: keys})
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := courier(t, db, "alice", "dev-a"), courier(t, db, "bob", "dev-b")
	now := time.Now()
	var pushes []v1Push
	send := func(p server.Principal, ops ...syncproto.Op) {
		req := syncproto.PushRequest{DeviceID: p.DeviceID, Ops: ops}
		resp, err := db.Push(context.Background(), p, &req)
		if err != nil {
			t.Fatal(err)
		}
		pushes = append(pushes, v1Push{Principal: p, Request: req, Results: resp.Results})
	}
	var ops []syncproto.Op
	for i := range 120 {
		ops = append(ops, op(syncproto.KindPickup, int64(i+1), now.Add(time.Duration(i-200)*time.Second), pickup(fmt.Sprintf("SF100%04d", i))))
	}
	v4 := op(syncproto.KindPickup, 121, now, pickup("SF2000001"))
	v4.OpID = uuid.NewString() // random op id
	upper := op(syncproto.KindPickup, 122, now, pickup("SF2000002"))
	upper.OpID = "ABCDEF01-2345-4678-89AB-CDEF01234567"                                   // spelled in capitals
	ops = append(ops, v4, upper, op(syncproto.KindPickup, 123, now, pickup("SF1000003"))) // the last: duplicate waybill
	send(alice, ops...)
	send(alice, op(syncproto.KindCODReceipt, 124, now, map[string]any{"waybill": "SF1000001", "receipt_no": "R-1", "amount_cents": 2500, "method": "cash"}),
		op(syncproto.KindDamageReport, 125, now, map[string]any{"waybill": "SF1000002", "stage": "transit", "severity": "minor", "description": "dent"}),
		op(syncproto.KindComplaint, 126, now, complaintOp(now.Add(-time.Hour))),
		op(syncproto.KindVehicleLog, 127, now, odometer("V-1", 1000)),
		op(syncproto.KindPickup, 128, now, map[string]any{"waybill": "bad"}))
	send(bob, op(syncproto.KindPickup, 1, now, pickup("SF3000001")), op(syncproto.KindVehicleLog, 2, now, odometer("V-2", 500)))
	reads := readFixture(t, db, alice, bob)
	reads.Pushes = pushes
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	reads.Sealed, err = bolt.CheckSealed(filepath.Join(dir, "courier.db"), keys)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.MarshalIndent(reads, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "reads.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readFixture reads everything the fixture's ops left behind.
func readFixture(t *testing.T, db *bolt.DB, couriers ...server.Principal) v1Reads {
	t.Helper()
	ctx := context.Background()
	var r v1Reads
	var err error
	if r.Ops, err = db.ListOps(ctx, server.AuditFilter{Limit: 1000}); err != nil {
		t.Fatal(err)
	}
	r.Parcels = map[string]*server.Parcel{}
	for _, wb := range []string{"SF1000000", "SF1000001", "SF1000002", "SF1000003", "SF1000119", "SF2000001", "SF2000002", "SF3000001"} {
		if r.Parcels[wb], err = db.Parcel(ctx, wb); err != nil {
			t.Fatalf("parcel %s: %v", wb, err)
		}
	}
	r.Feeds = map[string][]syncproto.Change{}
	for _, p := range couriers {
		resp, err := db.Pull(ctx, p, "", syncproto.MaxPullLimit)
		if err != nil {
			t.Fatal(err)
		}
		r.Feeds[p.UserID] = resp.Changes
	}
	return r
}

// A store written by the code before the compact layout opens, upgrades in
// place, and answers every read as it did; resent ops get their original
// results, marked duplicate; new ops still apply; a second open changes
// nothing.
func TestV1StoreUpgradesInPlaceAndReadsIdentically(t *testing.T) {
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
	raw, err := os.ReadFile(filepath.Join("testdata", "v1", "reads.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want v1Reads
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	keys, err := crypt.Load(filepath.Join(dir, "pii-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "courier.db")
	for round := range 2 {
		db, err := bolt.Open(path, bolt.Options{PII: keys})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Check(); err != nil {
			t.Fatal(err)
		}
		got := readFixture(t, db, want.Pushes[0].Principal, want.Pushes[len(want.Pushes)-1].Principal)
		for _, x := range []struct {
			name      string
			got, want any
		}{{"ops", got.Ops, want.Ops}, {"parcels", got.Parcels, want.Parcels}, {"feeds", got.Feeds, want.Feeds}} {
			if !sameJSON(t, x.got, x.want) {
				g, _ := json.MarshalIndent(x.got, "", " ")
				t.Fatalf("round %d: %s read differently after the upgrade:\n%s", round, x.name, g)
			}
		}
		if round == 0 {
			for _, p := range want.Pushes {
				req := p.Request
				resp, err := db.Push(context.Background(), p.Principal, &req)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range resp.Results {
					w := p.Results[i]
					w.Duplicate = true
					if !reflect.DeepEqual(r, w) {
						t.Fatalf("resend of op %d: got %+v, want %+v", i, r, w)
					}
				}
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	sealed, err := bolt.CheckSealed(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, sealed, want.Sealed) || !sealed.OK() {
		t.Fatalf("sealed values after the upgrade: %+v, want %+v", sealed, want.Sealed)
	}
	st, err := bolt.Stats(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Schema != bolt.SchemaVersion || st.Ops != len(want.Ops.Ops) {
		t.Fatalf("after the upgrade: schema %d with %d ops, want %d with %d", st.Schema, st.Ops, bolt.SchemaVersion, len(want.Ops.Ops))
	}
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ra, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ra) == string(rb)
}
