package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Payloads. Each returns a valid payload as a map, so a case can break one
// field.

func party(name, phone, address string) map[string]any {
	return map[string]any{"name": name, "phone": phone, "address": address}
}

func pickup(waybill string) map[string]any {
	return map[string]any{
		"waybill":              waybill,
		"sender":               party("Zhang Wei", "13812345678", "259 Wensan Rd, Hangzhou"),
		"recipient":            party("Maria Rossi", "+39 06 1234 5678", "Via del Corso 12, Roma"),
		"weight_g":             1850,
		"declared_value_cents": 129900,
		"insured":              true,
		"insured_value_cents":  100000,
		"cod_amount_cents":     25900,
		"inspected":            true,
	}
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func damageReport(waybill string) map[string]any {
	return map[string]any{
		"waybill": waybill, "stage": "transit", "severity": "major",
		"description": "outer box crushed, two cups broken",
		"photos":      []string{digest("photo-1"), digest("photo-2")},
	}
}

func codReceipt(waybill, receiptNo string, cents int) map[string]any {
	return map[string]any{"waybill": waybill, "receipt_no": receiptNo, "amount_cents": cents, "currency": "CNY", "method": "qr"}
}

func complaint(receivedAt time.Time) map[string]any {
	return map[string]any{
		"category": "delay", "description": "parcel arrived two days late",
		"customer":    map[string]any{"name": "Li Na", "phone": "139-1234-5678"},
		"received_at": receivedAt.In(shanghai).Format(time.RFC3339),
	}
}

func callbackOutcome(taskID string) map[string]any {
	return map[string]any{"task_id": taskID, "result": "reached", "resolved": true, "satisfaction": 4, "note": "redelivery agreed"}
}

func vehicleLog(vehicleID string, km int) map[string]any {
	return map[string]any{"vehicle_id": vehicleID, "type": "odometer", "odometer_km": km}
}

func inspection(vehicleID string, km int, allOK bool) map[string]any {
	return map[string]any{
		"vehicle_id": vehicleID, "type": "inspection", "odometer_km": km,
		"items": []map[string]any{{"item": "brakes", "ok": true}, {"item": "left rear tyre", "ok": allOK, "note": "tread worn"}},
	}
}

// with returns a copy of p with key set to v (or removed when v is nil).
func with(p map[string]any, key string, v any) map[string]any {
	q := make(map[string]any, len(p))
	for k, x := range p {
		q[k] = x
	}
	if v == nil {
		delete(q, key)
	} else {
		q[key] = v
	}
	return q
}

// waybill returns a unique, valid waybill.
func waybill() string {
	return "YT" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
}
