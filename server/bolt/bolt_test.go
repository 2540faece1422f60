package bolt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

// openDB opens a store in a temp dir and checks its consistency on cleanup.
func openDB(tb testing.TB, opts bolt.Options) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "courier.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Check(); err != nil {
			tb.Errorf("consistency check: %v", err)
		}
		if err := db.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return db
}

// courier creates a courier account and returns its principal on device.
func courier(tb testing.TB, db *bolt.DB, name, device string) server.Principal {
	tb.Helper()
	u := &server.User{Username: name, Role: syncproto.RoleCourier, PasswordHash: "x"}
	if err := db.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return server.Principal{UserID: u.ID, Role: u.Role, DeviceID: device}
}

func op(kind string, seq int64, at time.Time, payload any) syncproto.Op {
	raw, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return syncproto.Op{OpID: uuid.Must(uuid.NewV7()).String(), Seq: seq, Kind: kind, RecordedAt: at.Format(time.RFC3339Nano), Payload: raw}
}

func odometer(vehicle string, km int64) map[string]any {
	return map[string]any{"vehicle_id": vehicle, "type": "odometer", "odometer_km": km}
}

func pickup(waybill string) map[string]any {
	party := map[string]any{"name": "王芳", "phone": "13912345678", "address": "杭州市西湖区文三路 90 号"}
	return map[string]any{"waybill": waybill, "sender": party, "recipient": party, "weight_g": 1200,
		"declared_value_cents": 5000, "insured": false, "cod_amount_cents": 0, "inspected": true}
}

func push(tb testing.TB, db *bolt.DB, p server.Principal, ops ...syncproto.Op) []syncproto.PushResult {
	tb.Helper()
	resp, err := db.Push(context.Background(), p, &syncproto.PushRequest{DeviceID: p.DeviceID, Ops: ops})
	if err != nil {
		tb.Fatal(err)
	}
	return resp.Results
}

func codeOf(r syncproto.PushResult) string {
	if r.Error == nil {
		return r.Status
	}
	return fmt.Sprintf("%s:%s", r.Status, r.Error.Code)
}
