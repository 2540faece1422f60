package bolt_test

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/bolt"
)

func TestOdometerOutOfOrderFromTwoCouriersSharingAVan(t *testing.T) {
	db := openDB(t, bolt.Options{})
	a := courier(t, db, "driver-a", "dev-a")
	b := courier(t, db, "driver-b", "dev-b")
	base := time.Now().Add(-5 * time.Hour)
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }

	// Courier A syncs first with readings at hours 0 and 4.
	got := push(t, db, a, op("vehicle_log", 1, at(0), odometer("沪A-12345", 1000)), op("vehicle_log", 2, at(4), odometer("沪A-12345", 1400)))
	for _, r := range got {
		if codeOf(r) != "applied" {
			t.Fatalf("A's in-order readings: got %s", codeOf(r))
		}
	}
	// Courier B was offline; their logs of hours 1..3 arrive later.
	tests := []struct {
		name string
		hour int
		km   int64
		want string
	}{
		{"a reading between its neighbours in time is applied", 2, 1200, "applied"},
		{"a reading lower than an earlier one in time is refused", 3, 1100, "rejected:odometer_regression"},
		{"a reading higher than a later one in time is refused", 1, 1300, "rejected:odometer_regression"},
		{"a reading equal to its earlier neighbour is applied", 3, 1200, "applied"},
		{"a reading after everything may be any higher value", 5, 1500, "applied"},
		{"a reading before everything must not exceed the first", -1, 1001, "rejected:odometer_regression"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := push(t, db, b, op("vehicle_log", int64(10+i), at(tt.hour), odometer("沪A-12345", tt.km)))
			if got := codeOf(r[0]); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFirstLogRegistersAnUnknownVehicleAndFlagsIt(t *testing.T) {
	db := openDB(t, bolt.Options{})
	c := courier(t, db, "driver-c", "dev-c")
	r := push(t, db, c, op("vehicle_log", 1, time.Now(), odometer("京B-99999", 10)))
	if r[0].Status != "applied" || !contains(r[0].Flags, "vehicle_unregistered") {
		t.Fatalf("got %+v, want applied and flagged vehicle_unregistered", r[0])
	}
	r = push(t, db, c, op("vehicle_log", 2, time.Now(), odometer("京B-99999", 20)))
	if contains(r[0].Flags, "vehicle_unregistered") {
		t.Fatalf("second log flagged again: %+v", r[0])
	}
}

func TestFailedInspectionItemOpensADefect(t *testing.T) {
	db := openDB(t, bolt.Options{})
	c := courier(t, db, "driver-d", "dev-d")
	log := map[string]any{"vehicle_id": "粤C-55555", "type": "inspection", "odometer_km": 500,
		"items": []map[string]any{{"item": "brakes", "ok": true}, {"item": "lights", "ok": false, "note": "left indicator out"}}}
	r := push(t, db, c, op("vehicle_log", 1, time.Now(), log))
	if r[0].Status != "applied" || !contains(r[0].Flags, "defect_opened") {
		t.Fatalf("got %+v, want applied with defect_opened", r[0])
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
