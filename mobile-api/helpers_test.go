package mobileapi

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// testClock is a fixed clock for recorded_at and LastSyncAt.
var testClock = time.Date(2026, 11, 27, 9, 12, 3, 0, time.FixedZone("CST", 8*3600))

// sleeps records the backoff waits of an Outbox instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) list() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// testOptions returns Options for the fake server with the test device and
// credentials.
func testOptions(f *fakeServer) *Options {
	o := &Options{DeviceID: testDevice, Username: testUser, Password: testPassword, Now: func() time.Time { return testClock }}
	if f != nil {
		o.ServerURL = f.URL()
	}
	return o
}

// openTest opens an Outbox on path whose backoff does not wait, and closes
// it (checking the file's consistency) when the test ends.
func openTest(t *testing.T, path string, opts *Options) (*Outbox, *sleeps) {
	t.Helper()
	o, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s := &sleeps{}
	o.sleep = s.sleep
	t.Cleanup(func() {
		if !o.closed.Load() {
			checkConsistent(t, o.db)
		}
		o.Close()
	})
	return o, s
}

func checkConsistent(t *testing.T, db *bolt.DB) {
	t.Helper()
	err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Errorf("bbolt consistency: %v", err)
	}
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "outbox.db") }

// Sample records, each valid.

func samplePickup(i int) *Pickup {
	return &Pickup{
		Waybill:    fmt.Sprintf("WB%06d", i),
		SenderName: "Wang Fang", SenderPhone: "+86 138 0000 1111", SenderAddress: "1 Nanjing Rd, Shanghai",
		RecipientName: "Li Lei", RecipientPhone: "139-0000-2222", RecipientAddress: "2 Huaihai Rd, Shanghai",
		WeightG: 1200, DeclaredValueCents: 50000, Insured: true, InsuredValueCents: 50000,
		CODAmountCents: 0, FreightCents: 1800, Inspected: true,
	}
}

func sampleDamage(i int) *DamageReport {
	return &DamageReport{Waybill: fmt.Sprintf("WB%06d", i), Stage: "transit", Severity: "minor",
		Description: "corner crushed", Photos: []string{fmt.Sprintf("%064x", i+1)}}
}

func sampleCOD(i int) *CODReceipt {
	return &CODReceipt{Waybill: fmt.Sprintf("WB%06d", i), ReceiptNo: fmt.Sprintf("R-%d", i), AmountCents: 1999, Method: "cash"}
}

func sampleComplaint() *Complaint {
	return &Complaint{Category: "delay", Description: "late by two days", CustomerName: "Zhao Min",
		CustomerPhone: "13800001234", ReceivedAt: "2026-11-26T10:00:00+08:00"}
}

func sampleCallback() *CallbackOutcome {
	return &CallbackOutcome{TaskID: "task-1", Result: "reached", Resolved: true, Satisfaction: 5, Note: "ok"}
}

func sampleVehicle(km int64) *VehicleLog {
	return &VehicleLog{VehicleID: "VAN-3", Type: "inspection", OdometerKM: km,
		Items: []InspectionItem{{Item: "brakes", OK: true}, {Item: "lights", OK: false, Note: "left out"}}}
}

// recordMixed records n ops of every kind, round robin, and returns their
// op ids in seq order. The pickups at i = 30, 60, … reuse the waybill of
// the pickup 30 before, so the server rejects them with duplicate_waybill.
func recordMixed(t *testing.T, o *Outbox, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		var id string
		var err error
		switch i % 6 {
		case 0:
			w := i
			if i%30 == 0 && i > 0 {
				w = i - 30 // a waybill already picked up
			}
			id, err = o.RecordPickup(samplePickup(w))
		case 1:
			id, err = o.RecordDamageReport(sampleDamage(i))
		case 2:
			id, err = o.RecordCODReceipt(sampleCOD(i))
		case 3:
			id, err = o.RecordComplaint(sampleComplaint())
		case 4:
			id, err = o.RecordCallbackOutcome(sampleCallback())
		case 5:
			id, err = o.RecordVehicleLog(sampleVehicle(int64(1000 + i)))
		}
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// mustStatus returns o.Status or fails.
func mustStatus(t *testing.T, o *Outbox) *Status {
	t.Helper()
	s, err := o.Status()
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return s
}

var errKilled = errors.New("killed by test")
