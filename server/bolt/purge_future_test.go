package bolt_test

import (
	"context"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Issue 8 item 4: a pickup dated 2099 was never purged. A device time can
// still lie ahead of the server (a device measured fast by its sent_at is
// judged by the corrected time), but the purge counts no device time
// later than the server's receipt of the op.
func TestAPickupDatedAheadIsPurgedOnTime(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	t0 := w.clock.Now()
	ahead := t0.AddDate(2, 0, 0) // the device's clock runs two years fast
	party := map[string]any{"name": "王芳", "phone": "13912345678", "address": "杭州市西湖区文三路 90 号"}
	pk := map[string]any{"waybill": "SF2099000001", "sender": party, "recipient": party, "weight_g": 900,
		"declared_value_cents": 1000, "insured": false, "cod_amount_cents": 0, "inspected": true}
	resp, err := w.db.Push(ctx, w.alice, &syncproto.PushRequest{DeviceID: w.alice.DeviceID, SentAt: ahead.Format(time.RFC3339),
		Ops: []syncproto.Op{op(syncproto.KindPickup, 1, ahead.Add(-time.Minute), pk)}})
	if err != nil || resp.Results[0].Status != syncproto.StatusApplied {
		t.Fatalf("push: %+v, %v", resp, err)
	}
	w.clock.Add(181 * 24 * time.Hour)
	rep, err := w.db.PurgePII(ctx, w.disp, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts["pickups"] != 1 {
		t.Fatalf("purge counts %v, want the pickup dated two years ahead purged 181 days after it was received", rep.Counts)
	}
}
