package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

func TestStatsShowsWhereTheBytesOfAStoreGo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "courier.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := &server.User{Username: "li.na", Role: syncproto.RoleCourier, PasswordHash: "x"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	req := &syncproto.PushRequest{DeviceID: "dev-1"}
	party := syncproto.Party{Name: "王芳", Phone: "13912345678", Address: "上海市浦东新区张杨路1588号"}
	for i := range 200 {
		declared, cod, no := int64(5000), int64(0), false
		raw, _ := json.Marshal(syncproto.Pickup{Waybill: fmt.Sprintf("SF%07d", i), Sender: party, Recipient: party, WeightG: 900, Inspected: true,
			DeclaredValueCents: &declared, CODAmountCents: &cod, Insured: &no, FreightCents: &cod})
		req.Ops = append(req.Ops, syncproto.Op{OpID: uuid.Must(uuid.NewV7()).String(), Seq: int64(i + 1), Kind: syncproto.KindPickup,
			RecordedAt: time.Now().Format(time.RFC3339), Payload: raw})
	}
	if _, err := db.Push(context.Background(), server.Principal{UserID: u.ID, Role: u.Role, DeviceID: "dev-1"}, req); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := ctl(t, "", "stats", path)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"200 ops stored", "bytes/op on disk", "pickups", "free pages", "pickup                200 ops", "applied          200"} {
		if !strings.Contains(out, want) {
			t.Fatalf("stats lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "13912345678") || strings.Contains(out, "王芳") {
		t.Fatalf("stats shows personal data:\n%s", out)
	}
	t.Run("a store in use is refused, not waited for", func(t *testing.T) {
		db, err := bolt.Open(path, bolt.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := ctl(t, "", "stats", path); err == nil || !strings.Contains(err.Error(), "courierd running") {
			t.Fatalf("got %v, want a clear refusal", err)
		}
	})
}
