package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// purgeBehaviours cover server.Purger: personal data past retention goes,
// money and the audit trail stay, and ledger rows younger than their own
// retention keep their parties (the retention guard).
var purgeBehaviours = []behaviour{
	{"a purge erases personal data past retention and keeps money, young ledger rows and the audit", purgeErases},
	{"a dry run counts what would go and changes nothing", purgeDryRun},
	{"ledger rows keep their parties for their own retention, then lose only the parties", purgeLedgerRetention},
}

// purgeFixture: an old and a recent parcel of courier alice, each with a
// complaint; the old one with a COD receipt and a callback task with an
// outcome; 100 days on the recent one gets a damage report; 81 days later
// the old parcel is 181 days past its last event, the recent one 81.
func purgeFixture(w *world) (alice *device, task *server.CallbackTask, oldComplaint, recentComplaint string) {
	a := w.courier("alice")
	t0 := w.now()
	a.apply(syncproto.KindPickup, pickup("SF3000000001", 2500))
	a.apply(syncproto.KindPickup, pickup("SF3000000002", 0))
	a.apply(syncproto.KindCODReceipt, receipt("SF3000000001", "R-1", 2500))
	oldComplaint = a.apply(syncproto.KindComplaint, complaintPayload("SF3000000001", t0)).Ref
	recentComplaint = a.apply(syncproto.KindComplaint, complaintPayload("SF3000000002", t0)).Ref
	task = w.callback(a.p.UserID, "SF3000000001")
	a.apply(syncproto.KindCallbackOutcome, outcomePayload(task.TaskID, syncproto.ResultNoAnswer, false))
	w.clock.Advance(100 * 24 * time.Hour)
	a.apply(syncproto.KindDamageReport, map[string]any{"waybill": "SF3000000002", "stage": syncproto.StageTransit,
		"severity": syncproto.SeverityMinor, "description": "dent", "photos": []string{digest(0xab)}})
	w.clock.Advance(81 * 24 * time.Hour)
	return a, task, oldComplaint, recentComplaint
}

// views is what the service interfaces show of the fixture.
func (w *world) views(taskID string, complaints ...string) []any {
	w.t.Helper()
	var out []any
	for _, id := range complaints {
		c, err := w.s.Complaints.Complaint(w.ctx, id)
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, c.Customer)
	}
	for _, wb := range []string{"SF3000000001", "SF3000000002"} {
		p, err := w.s.Parcels.Parcel(w.ctx, wb)
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, p.Pickup.Sender, p.Pickup.Recipient, p.Pickup.CODAmountCents)
	}
	task := w.task(taskID)
	out = append(out, task.Contact, task.Outcomes[0].Note, w.ledger(server.LedgerFilter{}).Entries[0].Sender)
	return out
}

func purgeErases(t *testing.T, w *world) {
	a, task, oldC, recentC := purgeFixture(w)
	auditBefore := len(w.allEvents())
	rep, err := w.s.Purger.PurgePII(w.ctx, w.disp, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.DryRun || rep.Counts["pickups"] != 1 || rep.Counts["complaints"] != 1 || rep.Counts["callback_tasks"] != 1 || rep.Counts["callback_notes"] != 1 || rep.Counts["feed_entries"] == 0 {
		t.Fatalf("purge report %+v", rep)
	}
	if want := w.now().Add(-server.DefaultSettings().PIIRetention); !rep.Cutoff.Equal(want) {
		t.Fatalf("cutoff %s, want now − retention %s", rep.Cutoff, want)
	}
	old, err := w.s.Parcels.Parcel(w.ctx, "SF3000000001")
	if err != nil || old.Pickup.Sender != (syncproto.Contact{}) || old.Pickup.CODAmountCents != 2500 {
		t.Fatalf("the old pickup keeps its money and loses its parties: %+v, %v", old, err)
	}
	if recent, err := w.s.Parcels.Parcel(w.ctx, "SF3000000002"); err != nil || recent.Pickup.Sender.PhoneMasked == "" {
		t.Fatalf("the recent pickup lost its parties: %+v, %v", recent, err)
	}
	if c, _ := w.s.Complaints.Complaint(w.ctx, oldC); c.Customer != (syncproto.Contact{}) {
		t.Fatalf("the old complaint kept its customer: %+v", c.Customer)
	}
	if c, _ := w.s.Complaints.Complaint(w.ctx, recentC); c.Customer.PhoneMasked != maskedPhone {
		t.Fatalf("the recent complaint lost its customer: %+v", c.Customer)
	}
	if v := w.task(task.TaskID); v.Contact != (syncproto.Contact{}) || v.Outcomes[0].Note != "" || v.Status != syncproto.TaskOpen {
		t.Fatalf("task after purge %+v", v)
	}
	_, err = w.s.Callbacks.RevealContact(w.ctx, a.p, task.TaskID)
	wantCode(t, err, syncproto.CodeNotFound)
	for _, ch := range changesOf[taskChange](w, a.p, syncproto.ChangeCallbackTask) {
		if ch.Contact != (syncproto.Contact{}) {
			t.Fatalf("a feed entry kept the masked contact: %+v", ch)
		}
	}
	// The ledger row is younger than the ledger's own retention (1 year).
	if e := w.ledger(server.LedgerFilter{}); e.Entries[0].Sender == nil || e.Totals.CollectedCents != 2500 {
		t.Fatalf("the young ledger row lost its parties or money: %+v", e.Entries[0])
	}
	if ev := w.events(server.ActionPIIPurge); len(ev) != 1 || ev[0].Actor != w.disp.UserID {
		t.Fatalf("purge events %+v", ev)
	}
	if n := len(w.allEvents()); n != auditBefore+1 {
		t.Fatalf("%d audit events, want the %d before and the purge", n, auditBefore)
	}
	again, err := w.s.Purger.PurgePII(w.ctx, w.disp, false)
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range again.Counts {
		if n != 0 {
			t.Fatalf("a second purge found %s = %d", k, n)
		}
	}
}

func purgeDryRun(t *testing.T, w *world) {
	_, task, oldC, recentC := purgeFixture(w)
	before := w.views(task.TaskID, oldC, recentC)
	dry, err := w.s.Purger.PurgePII(w.ctx, w.disp, true)
	if err != nil || !dry.DryRun {
		t.Fatalf("dry run %+v, %v", dry, err)
	}
	if after := w.views(task.TaskID, oldC, recentC); !reflect.DeepEqual(before, after) {
		t.Fatalf("a dry run changed the store:\nbefore %+v\nafter  %+v", before, after)
	}
	real, err := w.s.Purger.PurgePII(w.ctx, w.disp, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pickups", "complaints", "callback_tasks", "callback_notes", "feed_entries"} {
		if dry.Counts[k] != real.Counts[k] || real.Counts[k] == 0 {
			t.Fatalf("%s: the dry run counted %d, the purge did %d", k, dry.Counts[k], real.Counts[k])
		}
	}
}

// allEvents lists every audit event.
func (w *world) allEvents() []server.AuditEvent {
	w.t.Helper()
	var all []server.AuditEvent
	cursor := ""
	for {
		l, err := w.s.Events.ListEvents(w.ctx, server.EventFilter{Cursor: cursor, Limit: 500})
		if err != nil {
			w.t.Fatal(err)
		}
		all = append(all, l.Events...)
		if !l.HasMore {
			return all
		}
		cursor = l.Cursor
	}
}

func purgeLedgerRetention(t *testing.T, w *world) {
	a := w.courier("qian")
	a.apply(syncproto.KindPickup, pickup("WB-OLD-001", 500))
	a.apply(syncproto.KindCODReceipt, receipt("WB-OLD-001", "OLD", 500))
	w.clock.Advance(61 * 24 * time.Hour)
	young := w.now()
	a.apply(syncproto.KindPickup, pickup("WB-NEW-001", 700))
	a.apply(syncproto.KindCODReceipt, receipt("WB-NEW-001", "NEW", 700))
	keep := max(server.DefaultSettings().CODRetention, server.DefaultSettings().PIIRetention)
	w.clock.Set(Start.Add(keep + 24*time.Hour)) // the old row is past its retention, the young one not
	parties := func() map[string]bool {
		out := map[string]bool{}
		for _, e := range w.ledger(server.LedgerFilter{}).Entries {
			out[e.ReceiptNo] = e.Sender != nil
		}
		return out
	}
	rep, err := w.s.Purger.PurgePII(w.ctx, w.sup, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := parties(); got["OLD"] || !got["NEW"] {
		t.Fatalf("parties kept %v (report %v), want the young row's only", got, rep.Counts)
	}
	wantTotals(t, w.ledger(server.LedgerFilter{}).Totals, 1200, 0, 0)
	w.clock.Set(young.Add(keep + 24*time.Hour))
	if _, err := w.s.Purger.PurgePII(w.ctx, w.sup, false); err != nil {
		t.Fatal(err)
	}
	if got := parties(); got["OLD"] || got["NEW"] {
		t.Fatalf("a year on, parties kept %v, want none", got)
	}
	if e := w.ledger(server.LedgerFilter{}).Entries; len(e) != 2 || e[0].AmountCents != 500 || e[1].AmountCents != 700 {
		t.Fatalf("the rows and their money stay: %+v", e)
	}
}
