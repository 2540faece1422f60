package mobileapi

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// recordedAtLayout is RFC 3339 with milliseconds and the device's offset.
const recordedAtLayout = "2006-01-02T15:04:05.000Z07:00"

// RecordPickup queues a pickup and returns its op id. Invalid input returns
// a *syncproto.Error and queues nothing; a nil error means the op is on disk.
func (o *Outbox) RecordPickup(p *Pickup) (string, error) {
	if p == nil {
		return "", missing()
	}
	return o.record(syncproto.KindPickup, p.RecordedAt, p.payload())
}

// RecordDamageReport queues a damage report and returns its op id. Invalid
// input returns a *syncproto.Error and queues nothing.
func (o *Outbox) RecordDamageReport(r *DamageReport) (string, error) {
	if r == nil {
		return "", missing()
	}
	return o.record(syncproto.KindDamageReport, r.RecordedAt, r.payload())
}

// RecordCODReceipt queues a cash-on-delivery receipt and returns its op id.
// Invalid input returns a *syncproto.Error and queues nothing.
func (o *Outbox) RecordCODReceipt(r *CODReceipt) (string, error) {
	if r == nil {
		return "", missing()
	}
	return o.record(syncproto.KindCODReceipt, r.RecordedAt, r.payload())
}

// RecordComplaint queues a customer complaint and returns its op id.
// Invalid input returns a *syncproto.Error and queues nothing.
func (o *Outbox) RecordComplaint(c *Complaint) (string, error) {
	if c == nil {
		return "", missing()
	}
	return o.record(syncproto.KindComplaint, c.RecordedAt, c.payload())
}

// RecordCallbackOutcome queues the outcome of a callback task and returns
// its op id. Invalid input returns a *syncproto.Error and queues nothing.
// The task's state on the device is not consulted: an outcome for a task
// that was cancelled or reassigned while the device was offline is kept and
// pushed like any op (the server applies it and flags it for review; the
// call happened), and pulling the task's removal never touches the outbox.
func (o *Outbox) RecordCallbackOutcome(c *CallbackOutcome) (string, error) {
	if c == nil {
		return "", missing()
	}
	return o.record(syncproto.KindCallbackOutcome, c.RecordedAt, c.payload())
}

// RecordVehicleLog queues a vehicle log entry and returns its op id. Invalid
// input returns a *syncproto.Error and queues nothing.
func (o *Outbox) RecordVehicleLog(v *VehicleLog) (string, error) {
	if v == nil {
		return "", missing()
	}
	return o.record(syncproto.KindVehicleLog, v.RecordedAt, v.payload())
}

func missing() error {
	return syncproto.Errorf(syncproto.CodeValidationFailed, "payload: required")
}

// record validates an op with the server's own rules, then gives it an op
// id and the next device seq and commits it. The encoded op stored here is
// what every push of it sends, byte for byte.
func (o *Outbox) record(kind, recordedAt string, payload any) (string, error) {
	if o.closed.Load() {
		return "", ErrClosed
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("mobileapi: encode %s payload: %w", kind, err)
	}
	if recordedAt == "" {
		recordedAt = o.cfg.now().Format(recordedAtLayout)
	}
	op := syncproto.Op{Kind: kind, RecordedAt: recordedAt, Payload: raw}
	if _, verr := syncproto.ValidateOp(&op); verr != nil {
		return "", verr
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("mobileapi: make op id: %w", err)
	}
	op.OpID = id.String()
	err = o.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		seq := getU64(meta.Get(keySeq)) + 1
		op.Seq = int64(seq)
		enc, err := json.Marshal(&op)
		if err != nil {
			return err
		}
		if err := meta.Put(keySeq, u64(seq)); err != nil {
			return err
		}
		return tx.Bucket(bucketOutbox).Put(u64(seq), enc)
	})
	if err != nil {
		return "", fmt.Errorf("mobileapi: queue %s: %w", kind, err)
	}
	return op.OpID, nil
}
