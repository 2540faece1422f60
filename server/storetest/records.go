package storetest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// damageBehaviours cover server.DamageReports.
var damageBehaviours = []behaviour{
	{"damage reports list oldest first, filtered, with photos pending until stored", damageReportsListed},
}

// parcelBehaviours cover server.Parcels.
var parcelBehaviours = []behaviour{
	{"a parcel's timeline holds every record that names its waybill, in time order", parcelTimeline},
}

// textBehaviours cover server.TextReader.
var textBehaviours = []behaviour{
	{"free text is read in full only through an audited reveal", textsRevealed},
}

// blobMetaBehaviours cover server.BlobMetaStore.
var blobMetaBehaviours = []behaviour{
	{"blob metadata is stored, listed by state and deleted", blobMetaStored},
	{"a blob is referenced by the couriers whose ops name it", blobReferences},
}

func damagePayload(waybill string, photos ...string) map[string]any {
	return map[string]any{"waybill": waybill, "stage": syncproto.StageTransit, "severity": syncproto.SeverityMinor,
		"description": "corner crushed", "photos": photos}
}

func damageReportsListed(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	r1 := a.apply(syncproto.KindDamageReport, damagePayload("WB-DM-0001", digest(1), digest(2)))
	w.clock.Advance(time.Minute)
	b.apply(syncproto.KindDamageReport, damagePayload("WB-DM-0002", digest(3)))
	w.clock.Advance(time.Minute)
	a.apply(syncproto.KindDamageReport, damagePayload("WB-DM-0002", digest(4)))
	list := func(f server.DamageFilter) []server.DamageReport {
		t.Helper()
		f.Limit = 10
		l, err := w.s.Damage.ListDamageReports(w.ctx, f)
		if err != nil {
			t.Fatalf("ListDamageReports(%+v): %v", f, err)
		}
		return l.Reports
	}
	all := list(server.DamageFilter{})
	if len(all) != 3 || all[0].ReportID != r1.Ref || !all[0].PhotosPending || all[0].Photos[0].State != server.BlobPending || all[0].CourierID != a.p.UserID {
		t.Fatalf("reports %+v", all)
	}
	if got := list(server.DamageFilter{Waybill: "WB-DM-0002"}); len(got) != 2 || got[0].CourierID != b.p.UserID {
		t.Fatalf("one waybill's reports %+v", got)
	}
	if got := list(server.DamageFilter{CourierID: a.p.UserID, Waybill: "WB-DM-0002"}); len(got) != 1 || got[0].Photos[0].SHA256 != digest(4) {
		t.Fatalf("one courier's reports of one waybill %+v", got)
	}
	for _, d := range []string{digest(1), digest(2)} {
		if err := w.s.BlobMeta.PutBlobMeta(w.ctx, &server.BlobMeta{Digest: d, Size: 10, State: server.BlobStored, Uploader: a.p.UserID, CreatedAt: w.now()}); err != nil {
			t.Fatal(err)
		}
	}
	if got := list(server.DamageFilter{Waybill: "WB-DM-0001"}); got[0].PhotosPending || got[0].Photos[1].State != server.BlobStored {
		t.Fatalf("a report whose photos are all stored %+v", got[0])
	}
	p1, err := w.s.Damage.ListDamageReports(w.ctx, server.DamageFilter{Limit: 2})
	if err != nil || len(p1.Reports) != 2 || !p1.HasMore {
		t.Fatalf("page 1 %+v, %v", p1, err)
	}
	p2, err := w.s.Damage.ListDamageReports(w.ctx, server.DamageFilter{Cursor: p1.Cursor, Limit: 2})
	if err != nil || len(p2.Reports) != 1 || p2.HasMore || p2.Reports[0].ReportID != all[2].ReportID {
		t.Fatalf("page 2 %+v, %v", p2, err)
	}
	_, err = w.s.Damage.ListDamageReports(w.ctx, server.DamageFilter{Cursor: "%%bad%%", Limit: 2})
	wantCode(t, err, syncproto.CodeInvalidRequest)
}

func parcelTimeline(t *testing.T, w *world) {
	a := w.courier("alice")
	const wb = "WB-PC-0001"
	a.apply(syncproto.KindPickup, pickup(wb, 900))
	w.clock.Advance(time.Hour)
	a.apply(syncproto.KindDamageReport, damagePayload(wb, digest(5)))
	w.clock.Advance(time.Hour)
	a.apply(syncproto.KindCODReceipt, receipt(wb, "R-PC-1", 900))
	w.clock.Advance(time.Hour)
	w.complaint(wb, w.now())
	w.clock.Advance(time.Hour)
	w.callback(a.p.UserID, wb)
	p, err := w.s.Parcels.Parcel(w.ctx, wb)
	if err != nil {
		t.Fatal(err)
	}
	if p.Waybill != wb || p.Pickup == nil || p.Pickup.CourierID != a.p.UserID || p.Pickup.CODAmountCents != 900 || p.Pickup.Sender.NameMasked != "王*" {
		t.Fatalf("parcel pickup %+v", p.Pickup)
	}
	var types []string
	for i, e := range p.Events {
		types = append(types, e.Type)
		if i > 0 && e.At.Before(p.Events[i-1].At) {
			t.Fatalf("events out of time order: %+v", p.Events)
		}
		if strings.Contains(e.Summary, custPhone) || strings.Contains(e.Summary, custName) {
			t.Fatalf("an event summary carries personal data: %+v", e)
		}
	}
	for _, want := range []string{server.EventPickup, server.EventDamageReport, server.EventCODReceipt, server.EventComplaint, server.EventCallback} {
		if !contains(types, want) {
			t.Fatalf("timeline %v lacks %s", types, want)
		}
	}
	if p.Events[0].Type != server.EventPickup {
		t.Fatalf("the timeline starts with %s, want the pickup", p.Events[0].Type)
	}
	_, err = w.s.Parcels.Parcel(w.ctx, "WB-NOBODY-1")
	wantCode(t, err, syncproto.CodeNotFound)
}

func textsRevealed(t *testing.T, w *world) {
	a := w.courier("alice")
	c := w.complaint("", w.now())
	if _, err := w.step(w.disp, c.ComplaintID, syncproto.ComplaintVerified, "called 13812345678 back"); err != nil {
		t.Fatal(err)
	}
	ft, err := w.s.Texts.ComplaintText(w.ctx, w.disp, c.ComplaintID)
	if err != nil || ft.Text != "box crushed" || len(ft.Notes) != 1 || ft.Notes[0].Note != "called 13812345678 back" || ft.Object != c.ComplaintID {
		t.Fatalf("complaint text %+v, %v", ft, err)
	}
	if got, _ := w.s.Complaints.Complaint(w.ctx, c.ComplaintID); strings.Contains(fmt.Sprint(got.History), custPhone) {
		t.Fatalf("the complaint view shows the phone in a note: %+v", got.History)
	}
	task := w.callback(a.p.UserID, "WB-TX-0001")
	a.apply(syncproto.KindCallbackOutcome, outcomePayload(task.TaskID, syncproto.ResultNoAnswer, false))
	ct, err := w.s.Texts.CallbackText(w.ctx, w.disp, task.TaskID)
	if err != nil || ct.Text != "customer asked for a call" || len(ct.Notes) != 1 || ct.Notes[0].Note != "called the customer" || ct.Notes[0].By != a.p.UserID {
		t.Fatalf("callback text %+v, %v", ct, err)
	}
	dr := a.apply(syncproto.KindDamageReport, damagePayload("WB-TX-0001", digest(6)))
	dt, err := w.s.Texts.DamageText(w.ctx, w.disp, dr.Ref)
	if err != nil || dt.Text != "corner crushed" {
		t.Fatalf("damage text %+v, %v", dt, err)
	}
	ev := w.events(server.ActionTextReveal)
	if len(ev) != 3 || ev[0].Object != c.ComplaintID || ev[1].Object != task.TaskID || ev[2].Object != dr.Ref || ev[0].Actor != w.disp.UserID {
		t.Fatalf("reveal events %+v, want one per read", ev)
	}
	for _, read := range []func() error{
		func() error { _, err := w.s.Texts.ComplaintText(w.ctx, w.disp, "cp-999999"); return err },
		func() error { _, err := w.s.Texts.CallbackText(w.ctx, w.disp, "cb-999999"); return err },
		func() error { _, err := w.s.Texts.DamageText(w.ctx, w.disp, "dr-999999"); return err },
	} {
		wantCode(t, read(), syncproto.CodeNotFound)
	}
	if n := len(w.events(server.ActionTextReveal)); n != 3 {
		t.Fatalf("refused reads were audited: %d events", n)
	}
}

func blobMetaStored(t *testing.T, w *world) {
	a := w.courier("alice")
	_, err := w.s.BlobMeta.BlobMeta(w.ctx, digest(7))
	wantCode(t, err, syncproto.CodeNotFound)
	m := &server.BlobMeta{Digest: digest(7), Size: 1234, State: server.BlobUploading, Uploader: a.p.UserID, CreatedAt: w.now()}
	if err := w.s.BlobMeta.PutBlobMeta(w.ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{digest(8), digest(9)} {
		if err := w.s.BlobMeta.PutBlobMeta(w.ctx, &server.BlobMeta{Digest: d, State: server.BlobPending, Uploader: a.p.UserID, CreatedAt: w.now()}); err != nil {
			t.Fatal(err)
		}
	}
	m.State, m.ContentType, m.Width, m.Height, m.Holders = server.BlobStored, "image/jpeg", 640, 480, []string{"u42"}
	if err := w.s.BlobMeta.PutBlobMeta(w.ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := w.s.BlobMeta.BlobMeta(w.ctx, digest(7))
	if err != nil || got.State != server.BlobStored || got.Size != 1234 || got.Width != 640 || got.Uploader != a.p.UserID || fmt.Sprint(got.Holders) != "[u42]" || !got.CreatedAt.Equal(w.now()) {
		t.Fatalf("BlobMeta %+v, %v", got, err)
	}
	pending, err := w.s.BlobMeta.BlobsInState(w.ctx, server.BlobPending)
	sort.Strings(pending)
	if err != nil || fmt.Sprint(pending) != fmt.Sprint([]string{digest(8), digest(9)}) {
		t.Fatalf("pending blobs %v, %v", pending, err)
	}
	if err := w.s.BlobMeta.DeleteBlobMeta(w.ctx, digest(8)); err != nil {
		t.Fatal(err)
	}
	_, err = w.s.BlobMeta.BlobMeta(w.ctx, digest(8))
	wantCode(t, err, syncproto.CodeNotFound)
	if pending, _ := w.s.BlobMeta.BlobsInState(w.ctx, server.BlobPending); len(pending) != 1 || pending[0] != digest(9) {
		t.Fatalf("pending after delete %v", pending)
	}
}

func blobReferences(t *testing.T, w *world) {
	a, b := w.courier("alice"), w.courier("bob")
	a.apply(syncproto.KindDamageReport, damagePayload("WB-BR-0001", digest(10)))
	for _, tt := range []struct {
		digest, courier string
		want            bool
	}{{digest(10), a.p.UserID, true}, {digest(10), b.p.UserID, false}, {digest(11), a.p.UserID, false}} {
		if got, err := w.s.BlobMeta.BlobReferencedBy(w.ctx, tt.digest, tt.courier); err != nil || got != tt.want {
			t.Fatalf("BlobReferencedBy(%.8s, %s) = %v, %v; want %v", tt.digest, tt.courier, got, err, tt.want)
		}
	}
}
