package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// Parcel implements server.Parcels: the pickup, then every record the
// waybill index names, gathered in one read transaction and put in time
// order. Summaries are built from codes and amounts only.
func (d *DB) Parcel(ctx context.Context, waybill string) (*server.Parcel, error) {
	if !syncproto.ValidWaybill(waybill) {
		return nil, server.ErrNotFound
	}
	out := &server.Parcel{Waybill: waybill, Events: []server.ParcelEvent{}}
	err := d.db.View(func(tx *bbolt.Tx) error {
		pk, err := pickupOf(tx, waybill)
		if err != nil {
			return err
		}
		if pk != nil {
			out.Pickup = pickupView(pk)
			out.Events = append(out.Events, server.ParcelEvent{At: pk.RecordedAt, Type: server.EventPickup, Actor: pk.CourierID,
				Object: pk.Ref, Summary: server.PickupSummary(pk.Pickup.WeightG, pk.Pickup.CODAmountCents, pk.Pickup.Insured)})
		}
		t := timeline{d: d, tx: tx, l: d.ledger(tx)}
		recs := waybillRecords(tx, waybill)
		steps := []struct {
			kind byte
			add  func(key []byte) error
		}{{wbDamage, t.damage}, {wbCOD, t.cod}, {wbComplaint, t.complaint}, {wbCallback, t.callback}}
		// Claims: add {wbClaim, t.claim} here when claims are stored.
		for _, s := range steps {
			for _, k := range recs[s.kind] {
				if err := s.add(k); err != nil {
					return err
				}
			}
		}
		out.Events = append(out.Events, t.events...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out.Pickup == nil && len(out.Events) == 0 {
		return nil, server.ErrNotFound
	}
	server.SortTimeline(out.Events)
	return out, nil
}

func pickupView(pk *pickupRecord) *server.ParcelPickup {
	p := pk.Pickup
	v := &server.ParcelPickup{Ref: pk.Ref, CourierID: pk.CourierID, RecordedAt: pk.RecordedAt, Sender: pk.Sender.contact(),
		Recipient: pk.Recipient.contact(), WeightG: p.WeightG, InsuredValueCents: p.InsuredValueCents, FreightCents: p.FreightCents}
	if p.DeclaredValueCents != nil {
		v.DeclaredValueCents = *p.DeclaredValueCents
	}
	if p.Insured != nil {
		v.Insured = *p.Insured
	}
	if p.CODAmountCents != nil {
		v.CODAmountCents = *p.CODAmountCents
	}
	return v
}

// timeline gathers the events of one parcel inside a read transaction.
type timeline struct {
	d      *DB
	tx     *bbolt.Tx
	l      *ledger
	events []server.ParcelEvent
}

func (t *timeline) add(e server.ParcelEvent) { t.events = append(t.events, e) }

func (t *timeline) damage(key []byte) error {
	v := t.tx.Bucket(bucketDamage).Get(key)
	if v == nil {
		return nil
	}
	var r damageRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return err
	}
	view := t.d.damageView(t.tx, &r)
	pending := 0
	for _, p := range view.Photos {
		if p.State == server.BlobPending {
			pending++
		}
	}
	t.add(server.ParcelEvent{At: r.RecordedAt, Type: server.EventDamageReport, Actor: r.CourierID, Object: r.Ref,
		Summary: fmt.Sprintf("damage at %s: %s; %d photos, %d pending", view.Stage, view.Severity, len(view.Photos), pending),
		State:   view.Severity, Photos: view.Photos})
	return nil
}

func (t *timeline) cod(key []byte) error {
	v := t.tx.Bucket(bucketCOD).Get(key)
	if v == nil {
		return nil
	}
	var r codRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return err
	}
	row, c, err := t.l.row(r.EntrySeq)
	if err != nil || row == nil {
		return err
	}
	state := stateNames[c.State]
	if c.ReversedBy != 0 {
		state = "reversed"
	}
	amount := r.Receipt.AmountCents
	summary := fmt.Sprintf("COD %d fen collected by %s", amount, r.Receipt.Method)
	if r.Discrepancy != nil {
		summary += "; discrepancy " + r.Discrepancy.Code
	}
	t.add(server.ParcelEvent{At: row.CollectedAt, Type: server.EventCODReceipt, Actor: r.CourierID, Object: r.Receipt.ReceiptNo,
		Summary: summary, State: state, AmountCents: &amount})
	if c.HandedOverAt != nil {
		t.add(server.ParcelEvent{At: *c.HandedOverAt, Type: server.EventCODHandover, Actor: t.by(bucketLedgerHandovers, c.HandoverID),
			Object: c.HandoverID, Summary: "receipt " + r.Receipt.ReceiptNo + " handed over at the station", AmountCents: &amount})
	}
	if c.SettledAt != nil {
		t.add(server.ParcelEvent{At: *c.SettledAt, Type: server.EventCODSettlement, Actor: t.by(bucketLedgerSettled, c.SettlementID),
			Object: c.SettlementID, Summary: "receipt " + r.Receipt.ReceiptNo + " settled to the sender", AmountCents: &amount})
	}
	return nil
}

// by returns who confirmed a hand-over or settlement "<prefix>-N", kept
// at u64(N) of bucket.
func (t *timeline) by(bucket []byte, id string) string {
	_, n, ok := strings.Cut(id, "-")
	seq, err := strconv.ParseUint(n, 10, 64)
	if !ok || err != nil {
		return ""
	}
	var rec struct {
		By string `json:"by"`
	}
	if v := t.tx.Bucket(bucket).Get(u64(seq)); v == nil || json.Unmarshal(v, &rec) != nil {
		return ""
	}
	return rec.By
}

func (t *timeline) complaint(key []byte) error {
	r, err := getComplaint(t.tx, "cp-"+strconv.FormatUint(binary.BigEndian.Uint64(key), 10))
	if err != nil || r == nil {
		return err
	}
	t.add(server.ParcelEvent{At: r.Received, Type: server.EventComplaint, Actor: r.CreatedBy, Object: r.Ref,
		Summary: "complaint (" + r.Complaint.Category + ") received by " + r.Channel, State: r.Status})
	from := server.ComplaintReceived
	for _, s := range r.History {
		t.add(server.ParcelEvent{At: s.At, Type: server.EventComplaintTransition, Actor: s.By, Object: r.Ref,
			Summary: "complaint " + from + " → " + s.To, State: s.To})
		from = s.To
	}
	return nil
}

func (t *timeline) callback(key []byte) error {
	r, err := getTask(t.tx, string(key))
	if err != nil || r == nil {
		return err
	}
	summary := "callback task for " + r.CourierID
	if r.ComplaintID != "" {
		summary += " from complaint " + r.ComplaintID
	}
	t.add(server.ParcelEvent{At: r.CreatedAt, Type: server.EventCallback, Actor: r.CreatedBy, Object: r.TaskID,
		Summary: summary, State: r.Status})
	for _, a := range r.Attempts {
		s := "call: " + a.Result
		if a.Resolved {
			s += ", resolved"
		}
		if a.Satisfaction != nil {
			s += ", satisfaction " + strconv.Itoa(*a.Satisfaction)
		}
		t.add(server.ParcelEvent{At: a.RecordedAt, Type: server.EventCallbackOutcome, Actor: a.CourierID, Object: r.TaskID, Summary: s})
	}
	return nil
}

var _ server.Parcels = (*DB)(nil)
