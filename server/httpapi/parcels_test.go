package httpapi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

func TestParcelTimelineGathersEveryRecordOfAWaybill(t *testing.T) {
	h := newHarness(t)
	wang := h.courier(t, "wang")
	disp := h.user(t, "disp", syncproto.RoleDispatcher)
	wb, other := waybill(), waybill()
	photo := pngBytes(t, 42)
	step := func() { h.clock.Advance(time.Minute) }
	applied(t, wang.pushOK(t, wang.op("pickup", pickup(wb)))[0])
	applied(t, wang.pushOK(t, wang.op("pickup", pickup(other)))[0])
	step()
	applied(t, wang.pushOK(t, wang.op("damage_report", with(damageReport(wb), "photos", []string{sum(photo)})))[0])
	step()
	applied(t, wang.pushOK(t, wang.op("cod_receipt", codReceipt(wb, "TL-1", 25900)))[0])
	applied(t, wang.pushOK(t, wang.op("cod_receipt", codReceipt(other, "TL-2", 100)))[0])
	step()
	h.do(t, "POST", "/v1/cod/handovers", disp.access, map[string]any{"courier_id": wang.userID, "receipt_nos": []string{"TL-1"},
		"counted_cents": 25900}).decode(t, 201, nil)
	step()
	var cp server.Complaint
	h.do(t, "POST", "/v1/complaints", disp.access, map[string]any{"category": "damage", "description": "broken cups", "channel": "phone",
		"waybill": wb, "customer": map[string]any{"name": "Li Na", "phone": "13912345678"},
		"received_at": h.clock.Now().Format(time.RFC3339)}).decode(t, 201, &cp)
	step()
	h.do(t, "POST", "/v1/complaints/"+cp.ComplaintID+"/transition", disp.access, map[string]any{"to": "verified", "note": "seen"}).decode(t, 200, nil)
	step()
	var task server.CallbackTask
	h.do(t, "POST", "/v1/callbacks", disp.access, map[string]any{"courier_id": wang.userID, "complaint_id": cp.ComplaintID,
		"reason": "apologise"}).decode(t, 201, &task)

	var p server.Parcel
	r := h.do(t, "GET", "/v1/parcels/"+wb, disp.access, nil)
	r.decode(t, 200, &p)
	t.Run("the events come in time order with who and what", func(t *testing.T) {
		var got []string
		for _, e := range p.Events {
			got = append(got, e.Type)
			if e.Actor == "" || e.Object == "" || e.Summary == "" || e.At.IsZero() {
				t.Errorf("event lacks who, what or when: %s", show(e))
			}
		}
		want := "pickup damage_report cod_receipt cod_handover complaint complaint_transition callback"
		if strings.Join(got, " ") != want {
			t.Fatalf("events = %s\nwant %s", strings.Join(got, " "), want)
		}
	})
	t.Run("the pickup is masked and nothing personal is in clear", func(t *testing.T) {
		if p.Pickup == nil || p.Pickup.Sender.NameMasked == "" || p.Pickup.Recipient.PhoneMasked == "" || p.Pickup.CODAmountCents != 25900 {
			t.Fatalf("pickup = %s", show(p.Pickup))
		}
		for _, secret := range []string{"Zhang Wei", "13812345678", "Wensan", "Maria Rossi", "Li Na", "13912345678", "broken cups", "seen"} {
			if strings.Contains(string(r.body), secret) {
				t.Fatalf("the timeline carries %q: %s", secret, r.body)
			}
		}
	})
	t.Run("the damage report shows its photo pending and the receipt its custody", func(t *testing.T) {
		dr, cod := p.Events[1], p.Events[2]
		if len(dr.Photos) != 1 || dr.Photos[0].SHA256 != sum(photo) || dr.Photos[0].State != server.BlobPending {
			t.Fatalf("damage event = %s", show(dr))
		}
		if cod.Object != "TL-1" || cod.State != server.CODHandedOver || cod.AmountCents == nil || *cod.AmountCents != 25900 {
			t.Fatalf("cod event = %s", show(cod))
		}
		if p.Events[3].Actor != disp.userID || p.Events[6].Object != task.TaskID {
			t.Fatalf("handover or callback event = %s / %s", show(p.Events[3]), show(p.Events[6]))
		}
	})
	t.Run("another parcel's records stay out", func(t *testing.T) {
		var q server.Parcel
		h.do(t, "GET", "/v1/parcels/"+other, disp.access, nil).decode(t, 200, &q)
		if len(q.Events) != 2 || q.Events[1].Object != "TL-2" {
			t.Fatalf("other = %s", show(q))
		}
	})
	t.Run("a waybill known only from a callback has no pickup", func(t *testing.T) {
		h.do(t, "POST", "/v1/callbacks", disp.access, map[string]any{"courier_id": wang.userID, "waybill": "ONLY-CALLBACK-1", "reason": "x",
			"customer": map[string]any{"name": "Li Na", "phone": "13912345678"}}).decode(t, 201, nil)
		var q server.Parcel
		h.do(t, "GET", "/v1/parcels/ONLY-CALLBACK-1", disp.access, nil).decode(t, 200, &q)
		if q.Pickup != nil || len(q.Events) != 1 || q.Events[0].Type != server.EventCallback {
			t.Fatalf("parcel = %s", show(q))
		}
	})
	t.Run("an unknown or malformed waybill is 404", func(t *testing.T) {
		h.do(t, "GET", "/v1/parcels/NEVER-SEEN-99", disp.access, nil).wantError(t, 404, syncproto.CodeNotFound)
		h.do(t, "GET", "/v1/parcels/a%20b", disp.access, nil).wantError(t, 404, syncproto.CodeNotFound)
	})
}

func TestWaybillIndexIsBuiltForAnOlderStore(t *testing.T) {
	h := newHarness(t)
	wang := h.courier(t, "wang")
	h.createUser(t, "disp", syncproto.RoleDispatcher)
	wb := waybill()
	applied(t, wang.pushOK(t, wang.op("pickup", pickup(wb)), wang.op("damage_report", damageReport(wb)))[1])
	// Make the file look like one written before the index existed.
	if err := h.st.Shutdown(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	raw, err := bbolt.Open(h.path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket([]byte("waybill_index")); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("waybill_index_built"))
	})
	if err := errors.Join(err, raw.Close()); err != nil {
		t.Fatal(err)
	}
	h.open(t)
	disp := h.login(t, "disp", "pc")
	var p server.Parcel
	h.do(t, "GET", "/v1/parcels/"+wb, disp.access, nil).decode(t, 200, &p)
	if len(p.Events) != 2 || p.Events[1].Type != server.EventDamageReport {
		t.Fatalf("after rebuilding the index: %s", show(p))
	}
}
