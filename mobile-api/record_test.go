package mobileapi

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/courier-sync/courier-sync/syncproto"
)

// queued returns the ops in the outbox, head first.
func queued(t *testing.T, o *Outbox) []pendingOp {
	t.Helper()
	ops, err := o.readBatch(1<<30, 1<<62)
	if err != nil {
		t.Fatalf("readBatch: %v", err)
	}
	return ops
}

func TestRecord(t *testing.T) {
	t.Run("valid records of every kind queue in order with increasing seq and UUIDv7 ids", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		type rec struct {
			kind string
			do   func() (string, error)
		}
		recs := []rec{
			{syncproto.KindPickup, func() (string, error) { return o.RecordPickup(samplePickup(1)) }},
			{syncproto.KindDamageReport, func() (string, error) { return o.RecordDamageReport(sampleDamage(1)) }},
			{syncproto.KindCODReceipt, func() (string, error) { return o.RecordCODReceipt(sampleCOD(1)) }},
			{syncproto.KindComplaint, func() (string, error) { return o.RecordComplaint(sampleComplaint()) }},
			{syncproto.KindCallbackOutcome, func() (string, error) { return o.RecordCallbackOutcome(sampleCallback()) }},
			{syncproto.KindVehicleLog, func() (string, error) { return o.RecordVehicleLog(sampleVehicle(100)) }},
		}
		var ids []string
		for _, r := range recs {
			id, err := r.do()
			if err != nil {
				t.Fatalf("%s: %v", r.kind, err)
			}
			u, err := uuid.Parse(id)
			if err != nil || u.Version() != 7 {
				t.Errorf("%s: op id %q is not a UUIDv7", r.kind, id)
			}
			ids = append(ids, id)
		}
		ops := queued(t, o)
		if len(ops) != len(recs) {
			t.Fatalf("queued %d ops, want %d", len(ops), len(recs))
		}
		for i, op := range ops {
			if op.Seq != int64(i+1) || op.OpID != ids[i] || op.Kind != recs[i].kind {
				t.Errorf("op %d = seq %d id %s kind %s, want seq %d id %s kind %s", i, op.Seq, op.OpID, op.Kind, i+1, ids[i], recs[i].kind)
			}
			if op.RecordedAt != "2026-11-27T09:12:03.000+08:00" {
				t.Errorf("op %d recorded_at = %q, want the injected clock", i, op.RecordedAt)
			}
			if _, e := syncproto.ValidateOp(&syncproto.Op{Kind: op.Kind, RecordedAt: op.RecordedAt, Payload: payloadOf(t, op)}); e != nil {
				t.Errorf("op %d stored payload fails server validation: %v", i, e)
			}
		}
		if s := mustStatus(t, o); s.Pending != len(recs) || s.Rejected != 0 {
			t.Errorf("status pending=%d rejected=%d, want %d and 0", s.Pending, s.Rejected, len(recs))
		}
	})

	t.Run("optional fields are sent only when set", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		p := samplePickup(2)
		p.FreightCents = 0
		p.RecordedAt = "2026-11-20T08:00:00Z"
		if _, err := o.RecordPickup(p); err != nil {
			t.Fatal(err)
		}
		c := sampleCallback()
		c.Satisfaction = 0
		if _, err := o.RecordCallbackOutcome(c); err != nil {
			t.Fatal(err)
		}
		ops := queued(t, o)
		if s := string(payloadOf(t, ops[0])); strings.Contains(s, "freight_cents") || !strings.Contains(s, `"cod_amount_cents":0`) {
			t.Errorf("pickup payload %s: want no freight_cents and an explicit cod_amount_cents 0", s)
		}
		if ops[0].RecordedAt != "2026-11-20T08:00:00Z" {
			t.Errorf("recorded_at = %q, want the caller's", ops[0].RecordedAt)
		}
		if s := string(payloadOf(t, ops[1])); strings.Contains(s, "satisfaction") || !strings.Contains(s, `"resolved":true`) {
			t.Errorf("callback payload %s: want no satisfaction and resolved true", s)
		}
	})

	t.Run("invalid input returns a syncproto error naming the field and queues nothing", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		badPhone := samplePickup(3)
		badPhone.SenderPhone = "call Wang Fang"
		notInspected := samplePickup(4)
		notInspected.Inspected = false
		badTime := samplePickup(5)
		badTime.RecordedAt = "yesterday"
		noPhotos := sampleDamage(1)
		noPhotos.Photos = nil
		badCOD := sampleCOD(1)
		badCOD.Method = "iou"
		badComplaint := sampleComplaint()
		badComplaint.ReceivedAt = ""
		badCallback := sampleCallback()
		badCallback.Satisfaction = 9
		badVehicle := sampleVehicle(10)
		badVehicle.Items = nil
		cases := []struct {
			name string
			do   func() (string, error)
			code syncproto.Code
		}{
			{"pickup with a bad phone", func() (string, error) { return o.RecordPickup(badPhone) }, syncproto.CodeValidationFailed},
			{"pickup not inspected", func() (string, error) { return o.RecordPickup(notInspected) }, syncproto.CodeInspectionRequired},
			{"pickup with a bad recorded_at", func() (string, error) { return o.RecordPickup(badTime) }, syncproto.CodeValidationFailed},
			{"nil pickup", func() (string, error) { return o.RecordPickup(nil) }, syncproto.CodeValidationFailed},
			{"damage report without photos", func() (string, error) { return o.RecordDamageReport(noPhotos) }, syncproto.CodeValidationFailed},
			{"cod receipt with an unknown method", func() (string, error) { return o.RecordCODReceipt(badCOD) }, syncproto.CodeValidationFailed},
			{"complaint without received_at", func() (string, error) { return o.RecordComplaint(badComplaint) }, syncproto.CodeValidationFailed},
			{"callback with satisfaction 9", func() (string, error) { return o.RecordCallbackOutcome(badCallback) }, syncproto.CodeValidationFailed},
			{"inspection without items", func() (string, error) { return o.RecordVehicleLog(badVehicle) }, syncproto.CodeValidationFailed},
		}
		for _, c := range cases {
			id, err := c.do()
			var se *syncproto.Error
			if !errors.As(err, &se) || se.Code != c.code {
				t.Errorf("%s: err = %v, want a *syncproto.Error with code %s", c.name, err, c.code)
				continue
			}
			if id != "" {
				t.Errorf("%s: returned op id %q for a refused record", c.name, id)
			}
			if strings.Contains(err.Error(), "Wang") || strings.Contains(err.Error(), "yesterday") {
				t.Errorf("%s: error %q repeats the input value", c.name, err)
			}
		}
		if s := mustStatus(t, o); s.Pending != 0 {
			t.Errorf("pending = %d after invalid records, want 0", s.Pending)
		}
		if _, err := o.RecordPickup(samplePickup(6)); err != nil {
			t.Fatal(err)
		}
		if ops := queued(t, o); len(ops) != 1 || ops[0].Seq != 1 {
			t.Errorf("first valid op after refusals got seq %d, want 1 (refusals use no seq)", ops[0].Seq)
		}
	})

	t.Run("recorded ops survive Close and Open and seq continues", func(t *testing.T) {
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(nil))
		ids := recordMixed(t, o, 5)
		if err := o.Close(); err != nil {
			t.Fatal(err)
		}
		o2, _ := openTest(t, path, testOptions(nil))
		ops := queued(t, o2)
		if len(ops) != 5 {
			t.Fatalf("after reopen %d ops queued, want 5", len(ops))
		}
		for i, op := range ops {
			if op.OpID != ids[i] {
				t.Errorf("op %d id %s, want %s", i, op.OpID, ids[i])
			}
		}
		if _, err := o2.RecordComplaint(sampleComplaint()); err != nil {
			t.Fatal(err)
		}
		if ops := queued(t, o2); ops[5].Seq != 6 {
			t.Errorf("seq after reopen = %d, want 6", ops[5].Seq)
		}
	})

	t.Run("seq is never reused after ops leave the outbox", func(t *testing.T) {
		f := newFakeServer(t)
		o, _ := openTest(t, tempDB(t), testOptions(f))
		recordMixed(t, o, 3)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := o.RecordComplaint(sampleComplaint()); err != nil {
			t.Fatal(err)
		}
		if ops := queued(t, o); len(ops) != 1 || ops[0].Seq != 4 {
			t.Errorf("queued %+v, want one op with seq 4", ops)
		}
	})

	t.Run("records after Close fail with ErrClosed", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		o.Close()
		if _, err := o.RecordComplaint(sampleComplaint()); !errors.Is(err, ErrClosed) {
			t.Errorf("err = %v, want ErrClosed", err)
		}
	})

	t.Run("the password is never written to the file", func(t *testing.T) {
		f := newFakeServer(t)
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		recordMixed(t, o, 2)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		o.Close()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), testPassword) {
			t.Error("the file contains the password")
		}
	})
}

// payloadOf extracts the payload bytes of a stored op.
func payloadOf(t *testing.T, op pendingOp) []byte {
	t.Helper()
	var o syncproto.Op
	if err := json.Unmarshal(op.raw, &o); err != nil {
		t.Fatal(err)
	}
	return o.Payload
}
