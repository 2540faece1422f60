package bolt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestPurgeErasesPersonalDataPastRetentionAndKeepsMoneyAndAudit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	t0 := w.clock.Now()
	const old, recent = "SF3000000001", "SF3000000002"
	pk := func(wb string) map[string]any {
		party := map[string]any{"name": "王芳", "phone": "13912345678", "address": "杭州市西湖区文三路 90 号"}
		return map[string]any{"waybill": wb, "sender": party, "recipient": party, "weight_g": 900,
			"declared_value_cents": 1000, "insured": false, "cod_amount_cents": 2500, "inspected": true}
	}
	complaint := func(wb string) map[string]any {
		c := map[string]any{"category": "delay", "description": "late", "received_at": t0.Format(time.RFC3339),
			"customer": map[string]any{"name": custName, "phone": custPhone}}
		if wb != "" {
			c["waybill"] = wb
		}
		return c
	}
	push(t, w.db, w.alice,
		op(syncproto.KindPickup, 1, t0, pk(old)),
		op(syncproto.KindPickup, 2, t0, pk(recent)),
		op(syncproto.KindCODReceipt, 3, t0, map[string]any{"waybill": old, "receipt_no": "R-1", "amount_cents": 2500, "method": "cash"}),
		op(syncproto.KindComplaint, 4, t0, complaint(old)),
		op(syncproto.KindComplaint, 5, t0, complaint("")),
		op(syncproto.KindComplaint, 6, t0, complaint(recent)),
	)
	task := w.create(t, w.alice.UserID, old)
	push(t, w.db, w.alice, outcome(7, t0, task.TaskID, syncproto.ResultNoAnswer, false))

	// 100 days on, the recent parcel has another event: a damage report.
	w.clock.Add(100 * 24 * time.Hour)
	push(t, w.db, w.alice, op(syncproto.KindDamageReport, 8, w.clock.Now(), map[string]any{"waybill": recent, "stage": "transit",
		"severity": "minor", "description": "dent", "photos": []string{strings.Repeat("ab", 32)}}))
	w.clock.Add(81 * 24 * time.Hour) // old is 181 days past its last event, recent 81

	buckets := []string{"pickups", "complaints", "callback_tasks", "callback_outcomes", "cod_receipts", "audit_events", "feeds"}
	snapshot := func() map[string]map[string][]byte {
		s := map[string]map[string][]byte{}
		for _, b := range buckets {
			s[b] = w.db.BucketCopy(b)
		}
		return s
	}
	wantCounts := map[string]int{"pickups": 1, "complaints": 2, "callback_tasks": 1, "callback_notes": 1, "feed_entries": 2, "damage_texts": 0}

	t.Run("a dry run counts what would go and changes nothing", func(t *testing.T) {
		before := snapshot()
		rep, err := w.db.PurgePII(ctx, w.disp, true)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.DryRun || !maps.Equal(rep.Counts, wantCounts) {
			t.Fatalf("dry run report %+v, want counts %v", rep, wantCounts)
		}
		if !equalSnapshots(before, snapshot()) {
			t.Fatal("a dry run changed the store")
		}
	})
	before := snapshot()
	rep, err := w.db.PurgePII(ctx, w.disp, false)
	if err != nil {
		t.Fatal(err)
	}
	// The ledger rows here are younger than the ledger's own retention:
	// their masked parties stay.
	wantCounts["ledger_parties"] = 0
	if rep.DryRun || !maps.Equal(rep.Counts, wantCounts) {
		t.Fatalf("report %+v, want counts %v", rep, wantCounts)
	}
	after := snapshot()

	t.Run("the old parcel's pickup keeps its money and loses its parties", func(t *testing.T) {
		var p struct {
			Pickup    syncproto.Pickup `json:"pickup"`
			Sender    json.RawMessage  `json:"sender"`
			Recipient json.RawMessage  `json:"recipient"`
		}
		if err := json.Unmarshal(after["pickups"][old], &p); err != nil {
			t.Fatal(err)
		}
		if string(p.Sender) != `{"purged":true}` || string(p.Recipient) != `{"purged":true}` || *p.Pickup.CODAmountCents != 2500 {
			t.Fatalf("pickup after purge: %s", after["pickups"][old])
		}
		if !bytes.Equal(before["pickups"][recent], after["pickups"][recent]) {
			t.Fatal("the recent parcel's pickup changed")
		}
	})
	t.Run("COD receipts are untouched", func(t *testing.T) {
		if !maps.EqualFunc(before["cod_receipts"], after["cod_receipts"], bytes.Equal) {
			t.Fatal("cod_receipts changed")
		}
	})
	t.Run("the audit trail keeps every event and gains the purge", func(t *testing.T) {
		if len(after["audit_events"]) != len(before["audit_events"])+1 {
			t.Fatalf("%d events, want %d", len(after["audit_events"]), len(before["audit_events"])+1)
		}
		evs, _ := w.db.ListEvents(ctx, server.EventFilter{Action: server.ActionPIIPurge, Limit: 10})
		if len(evs.Events) != 1 || evs.Events[0].Actor != w.disp.UserID {
			t.Fatalf("purge events %+v", evs.Events)
		}
	})
	t.Run("the task shows no contact and reveals nothing", func(t *testing.T) {
		v := w.get(t, task.TaskID)
		if v.Contact != (syncproto.Contact{}) || v.Outcomes[0].Note != "" || v.Status != server.TaskOpen {
			t.Fatalf("task after purge %+v", v)
		}
		if _, err := w.db.RevealContact(ctx, w.alice, task.TaskID); !errors.Is(err, server.ErrNotFound) {
			t.Fatalf("reveal after purge: %v", err)
		}
		for _, ch := range taskFeed(t, w.db, w.alice) {
			if ch.Contact != (syncproto.Contact{}) {
				t.Fatalf("feed entry kept the masked contact: %+v", ch)
			}
		}
	})
	t.Run("only the recent parcel's complaint keeps its customer", func(t *testing.T) {
		kept := 0
		for _, v := range after["complaints"] {
			if !bytes.Contains(v, []byte(`"customer":{"purged":true}`)) {
				kept++
			}
		}
		if kept != 1 {
			t.Fatalf("%d complaints kept their customer, want 1", kept)
		}
	})
	t.Run("a second purge finds nothing more", func(t *testing.T) {
		rep, err := w.db.PurgePII(ctx, w.disp, false)
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range rep.Counts {
			if n != 0 {
				t.Fatalf("second purge %s = %d", k, n)
			}
		}
	})
}

func equalSnapshots(a, b map[string]map[string][]byte) bool {
	return maps.EqualFunc(a, b, func(x, y map[string][]byte) bool { return maps.EqualFunc(x, y, bytes.Equal) })
}
