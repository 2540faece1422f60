package bolt

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// recordMeta is what every stored record says about where it came from.
type recordMeta struct {
	Ref        string    `json:"ref"`
	OpID       string    `json:"op_id"`
	CourierID  string    `json:"courier_id"`
	DeviceID   string    `json:"device_id"`
	RecordedAt time.Time `json:"recorded_at"`
	ReceivedAt time.Time `json:"received_at"`
	Flags      []string  `json:"flags,omitempty"`
}

type pickupRecord struct {
	recordMeta
	Pickup *syncproto.Pickup `json:"pickup"`
}

// Discrepancy is a COD receipt that does not match what was expected.
type Discrepancy struct {
	Code          string `json:"code"`
	ExpectedCents *int64 `json:"expected_cents,omitempty"`
	Note          string `json:"note"`
}

type codRecord struct {
	recordMeta
	Receipt     *syncproto.CODReceipt `json:"receipt"`
	Discrepancy *Discrepancy          `json:"discrepancy,omitempty"`
}

type damageRecord struct {
	recordMeta
	Report *syncproto.DamageReport `json:"report"`
}

type complaintRecord struct {
	recordMeta
	Complaint *syncproto.Complaint `json:"complaint"`
	Channel   string               `json:"channel"`
}

type outcomeRecord struct {
	recordMeta
	Outcome *syncproto.CallbackOutcome `json:"outcome"`
}

// taskRecord is the part of a callback task that op intake needs.
type taskRecord struct {
	TaskID       string   `json:"task_id"`
	CourierID    string   `json:"courier_id"`
	PrevCouriers []string `json:"prev_couriers,omitempty"`
	Status       string   `json:"status"`
}

func (a *applier) meta(po *pendingOp, ref string) recordMeta {
	return recordMeta{Ref: ref, OpID: po.op.OpID, CourierID: a.courier, DeviceID: a.device,
		RecordedAt: po.recordedAt, ReceivedAt: a.now, Flags: po.flags}
}

// nextRef returns a record id: prefix, dash, the bucket's next sequence.
func nextRef(b *bbolt.Bucket, prefix string) (string, uint64, error) {
	seq, err := b.NextSequence()
	return prefix + "-" + strconv.FormatUint(seq, 10), seq, err
}

func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, buf)
}

func (a *applier) pickup(po *pendingOp, p *syncproto.Pickup) (string, []string, *syncproto.Error, error) {
	b := a.tx.Bucket(bucketPickups)
	if b.Get([]byte(p.Waybill)) != nil {
		return "", nil, syncproto.Errorf(syncproto.CodeDuplicateWaybill, "waybill already picked up by another op"), nil
	}
	ref, _, err := nextRef(b, "pk")
	if err != nil {
		return "", nil, nil, err
	}
	return ref, nil, nil, putJSON(b, []byte(p.Waybill), &pickupRecord{recordMeta: a.meta(po, ref), Pickup: p})
}

func (a *applier) codReceipt(po *pendingOp, p *syncproto.CODReceipt) (string, []string, *syncproto.Error, error) {
	b := a.tx.Bucket(bucketCOD)
	if b.Get([]byte(p.ReceiptNo)) != nil {
		return "", nil, syncproto.Errorf(syncproto.CodeDuplicateReceipt, "receipt_no already recorded"), nil
	}
	ref, _, err := nextRef(b, "cod")
	if err != nil {
		return "", nil, nil, err
	}
	rec := &codRecord{recordMeta: a.meta(po, ref), Receipt: p}
	var flags []string
	if v := a.tx.Bucket(bucketPickups).Get([]byte(p.Waybill)); v == nil {
		rec.Discrepancy = &Discrepancy{Code: "unknown_waybill", Note: "no pickup recorded for this waybill yet"}
	} else {
		var pk pickupRecord
		if err := json.Unmarshal(v, &pk); err != nil {
			return "", nil, nil, err
		}
		if want := *pk.Pickup.CODAmountCents; want != p.AmountCents {
			rec.Discrepancy = &Discrepancy{Code: "amount_mismatch", ExpectedCents: &want, Note: "amount differs from the pickup's COD amount"}
		}
	}
	if rec.Discrepancy != nil {
		flags = []string{"cod_discrepancy"}
		rec.Flags = append(append([]string(nil), rec.Flags...), flags...)
	}
	return ref, flags, nil, putJSON(b, []byte(p.ReceiptNo), rec)
}

func (a *applier) damageReport(po *pendingOp, p *syncproto.DamageReport) (string, []string, *syncproto.Error, error) {
	b := a.tx.Bucket(bucketDamage)
	ref, seq, err := nextRef(b, "dr")
	if err != nil {
		return "", nil, nil, err
	}
	return ref, nil, nil, putJSON(b, u64(seq), &damageRecord{recordMeta: a.meta(po, ref), Report: p})
}

func (a *applier) complaint(po *pendingOp, p *syncproto.Complaint) (string, []string, *syncproto.Error, error) {
	b := a.tx.Bucket(bucketComplaints)
	ref, seq, err := nextRef(b, "cp")
	if err != nil {
		return "", nil, nil, err
	}
	return ref, nil, nil, putJSON(b, u64(seq), &complaintRecord{recordMeta: a.meta(po, ref), Complaint: p, Channel: "courier"})
}

func (a *applier) callbackOutcome(po *pendingOp, p *syncproto.CallbackOutcome) (string, []string, *syncproto.Error, error) {
	notAssigned := syncproto.Errorf(syncproto.CodeNotAssigned, "task does not exist or is not assigned to you")
	v := a.tx.Bucket(bucketTasks).Get([]byte(p.TaskID))
	if v == nil {
		return "", nil, notAssigned, nil
	}
	var t taskRecord
	if err := json.Unmarshal(v, &t); err != nil {
		return "", nil, nil, err
	}
	var flags []string
	switch {
	case t.CourierID == a.courier && t.Status == "open":
	case t.CourierID == a.courier || containsString(t.PrevCouriers, a.courier):
		// Cancelled or reassigned while the device was offline: the call
		// happened, so keep it and let a dispatcher review it.
		flags = []string{"review_needed"}
	default:
		return "", nil, notAssigned, nil
	}
	b := a.tx.Bucket(bucketOutcomes)
	ref, seq, err := nextRef(b, "co")
	if err != nil {
		return "", nil, nil, err
	}
	m := a.meta(po, ref)
	m.Flags = append(append([]string(nil), m.Flags...), flags...)
	return ref, flags, nil, putJSON(b, u64(seq), &outcomeRecord{recordMeta: m, Outcome: p})
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
