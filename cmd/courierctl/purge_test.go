package main

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
	"github.com/google/uuid"
)

func TestPurgeDryRunShowsWhatWouldGoThenPurgeErasesIt(t *testing.T) {
	s, err := stack.Open(context.Background(), stack.Config{DataDir: t.TempDir(), BootstrapAdmin: "root:root-password", BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(5 * time.Second) })

	// A pickup recorded 200 days ago: past the 180-day retention.
	ctx := context.Background()
	u := &server.User{Username: "courier-1", Role: syncproto.RoleCourier, PasswordHash: "x"}
	if err := s.DB.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	party := map[string]any{"name": "王芳", "phone": "13912345678", "address": "杭州市西湖区文三路 90 号"}
	payload, _ := json.Marshal(map[string]any{"waybill": "SF4000000001", "sender": party, "recipient": party, "weight_g": 900,
		"declared_value_cents": 1000, "insured": false, "cod_amount_cents": 0, "inspected": true})
	op := syncproto.Op{OpID: uuid.Must(uuid.NewV7()).String(), Seq: 1, Kind: syncproto.KindPickup,
		RecordedAt: time.Now().Add(-200 * 24 * time.Hour).Format(time.RFC3339), Payload: payload}
	p := server.Principal{UserID: u.ID, Role: u.Role, DeviceID: "pda"}
	if _, err := s.DB.Push(ctx, p, &syncproto.PushRequest{DeviceID: "pda", Ops: []syncproto.Op{op}}); err != nil {
		t.Fatal(err)
	}

	pickups := regexp.MustCompile(`(?m)^pickups\s+(\d+)$`)
	count := func(out string) string {
		m := pickups.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no pickups line in:\n%s", out)
		}
		return m[1]
	}
	steps := []struct {
		name string
		args []string
		want string
	}{
		{"a dry run counts the old pickup", []string{"purge", "-dry-run"}, "1"},
		{"the dry run erased nothing", []string{"purge", "-dry-run"}, "1"},
		{"the purge erases it", []string{"purge"}, "1"},
		{"nothing is left to purge", []string{"purge", "-dry-run"}, "0"},
	}
	for _, st := range steps {
		out, err := ctl(t, url, st.args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", st.name, err, out)
		}
		if got := count(out); got != st.want {
			t.Fatalf("%s: pickups %s, want %s\n%s", st.name, got, st.want, out)
		}
	}
}
