package syncproto_test

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Personal data in the base payloads. No error message may ever contain it.
var basePII = []string{"张伟", "13812345678", "Maria Rossi", "Li Na", "13912345678", "文三路"}

const (
	digestA = "798a25bd625e111bbe355461f67e7ba6cd380794574c00161e65b4bda14d18a4"
	digestB = "224c308e8f4b0e85bc6144cb4953d22db18c29b0ac13cc05f0417c75ee94c0f3"
)

// basePayload returns a fresh valid payload of kind as generic JSON, for a
// test case to edit.
func basePayload(kind string) map[string]any {
	switch kind {
	case syncproto.KindPickup:
		return map[string]any{
			"waybill":              "YT2026112700017",
			"sender":               map[string]any{"name": "张伟", "phone": "13812345678", "address": "杭州市西湖区文三路 259 号"},
			"recipient":            map[string]any{"name": "Maria Rossi", "phone": "+39 06 1234 5678", "address": "Via del Corso 12, Roma"},
			"weight_g":             1850,
			"declared_value_cents": 129900,
			"insured":              true,
			"insured_value_cents":  100000,
			"cod_amount_cents":     0,
			"inspected":            true,
		}
	case syncproto.KindDamageReport:
		return map[string]any{
			"waybill":     "YT2026112700017",
			"stage":       "transit",
			"severity":    "major",
			"description": "外箱压扁 box crushed",
			"photos":      []any{digestA, digestB},
		}
	case syncproto.KindCODReceipt:
		return map[string]any{
			"waybill":      "SF-1402-7781-3390",
			"receipt_no":   "R20261127-0007",
			"amount_cents": 25900,
			"currency":     "CNY",
			"method":       "cash",
		}
	case syncproto.KindComplaint:
		return map[string]any{
			"category":    "delay",
			"description": "包裹晚到两天",
			"customer":    map[string]any{"name": "Li Na", "phone": "13912345678"},
			"received_at": "2026-11-27T14:55:00+08:00",
			"waybill":     "SF-1402-7781-3390",
		}
	case syncproto.KindCallbackOutcome:
		return map[string]any{
			"task_id":      "cb_2026-11-28_0042",
			"result":       "reached",
			"resolved":     true,
			"satisfaction": 4,
			"note":         "已联系，明早重新派送",
		}
	case syncproto.KindVehicleLog:
		return map[string]any{
			"vehicle_id":  "京A·D12345",
			"type":        "inspection",
			"odometer_km": 48213,
			"items": []any{
				map[string]any{"item": "brakes", "ok": true},
				map[string]any{"item": "左后轮胎", "ok": false, "note": "胎纹不足"},
			},
			"photos": []any{digestA},
		}
	}
	panic("no base payload for kind " + kind)
}

// An edit changes one field of a generic payload.
type edit func(m map[string]any)

// set sets the value at a dotted path ("sender.phone", "items.0.ok").
func set(path string, v any) edit {
	return func(m map[string]any) {
		parent, last := walk(m, path)
		switch p := parent.(type) {
		case map[string]any:
			p[last] = v
		case []any:
			i, _ := strconv.Atoi(last)
			p[i] = v
		}
	}
}

// del removes the field at a dotted path.
func del(path string) edit {
	return func(m map[string]any) {
		parent, last := walk(m, path)
		delete(parent.(map[string]any), last)
	}
}

func walk(m map[string]any, path string) (parent any, last string) {
	parts := strings.Split(path, ".")
	var cur any = m
	for _, p := range parts[:len(parts)-1] {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, _ := strconv.Atoi(p)
			cur = c[i]
		}
	}
	return cur, parts[len(parts)-1]
}

func payloadJSON(t *testing.T, kind string, edits ...edit) json.RawMessage {
	t.Helper()
	m := basePayload(kind)
	for _, e := range edits {
		e(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func digests(n int) []any {
	ds := make([]any, n)
	for i := range ds {
		ds[i] = strings.Repeat("0", 62) + strconv.FormatInt(int64(16+i), 16)
	}
	return ds
}

func items(n int) []any {
	its := make([]any, n)
	for i := range its {
		its[i] = map[string]any{"item": "item " + strconv.Itoa(i), "ok": true}
	}
	return its
}

func TestDecodePayloadAcceptsValidPayloads(t *testing.T) {
	cases := []struct {
		name  string
		kind  string
		edits []edit
		check func(t *testing.T, v any)
	}{
		{name: "a pickup with every required field is accepted", kind: syncproto.KindPickup},
		{name: "a pickup for a Latin-named sender is accepted", kind: syncproto.KindPickup,
			edits: []edit{set("sender.name", "Maria Rossi"), set("recipient.name", "Li Na")}},
		{name: "a pickup with a 64-character Chinese name is accepted", kind: syncproto.KindPickup,
			edits: []edit{set("sender.name", strings.Repeat("张", 64))}},
		{name: "a pickup with a 6-character waybill is accepted", kind: syncproto.KindPickup,
			edits: []edit{set("waybill", "AB-123")}},
		{name: "a pickup with a 32-character waybill is accepted", kind: syncproto.KindPickup,
			edits: []edit{set("waybill", strings.Repeat("9", 32))}},
		{name: "an uninsured pickup needs no insured value", kind: syncproto.KindPickup,
			edits: []edit{set("insured", false), del("insured_value_cents")}},
		{name: "a pickup with zero declared value and zero COD is accepted", kind: syncproto.KindPickup,
			edits: []edit{set("declared_value_cents", 0), set("cod_amount_cents", 0)}},
		{name: "a pickup with an optional freight is accepted and keeps it", kind: syncproto.KindPickup,
			edits: []edit{set("freight_cents", 2300)},
			check: func(t *testing.T, v any) {
				p := v.(*syncproto.Pickup)
				if p.FreightCents == nil || *p.FreightCents != 2300 {
					t.Errorf("freight_cents = %v, want 2300", p.FreightCents)
				}
			}},
		{name: "a pickup with a phone written with a plus, spaces and dashes is accepted", kind: syncproto.KindPickup,
			edits: []edit{set("sender.phone", "+86 138-1234-5678")}},
		{name: "a pickup with fields the server does not know is accepted", kind: syncproto.KindPickup,
			edits: []edit{set("parcel_color", "brown"), set("sender.wechat", "zw_1988")}},
		{name: "a damage report with one photo is accepted", kind: syncproto.KindDamageReport,
			edits: []edit{set("photos", []any{digestA})}},
		{name: "a damage report with ten photos is accepted", kind: syncproto.KindDamageReport,
			edits: []edit{set("photos", digests(10))}},
		{name: "every damage stage and severity is accepted", kind: syncproto.KindDamageReport,
			edits: []edit{set("stage", "delivery"), set("severity", "total")}},
		{name: "a COD receipt without a currency defaults to CNY", kind: syncproto.KindCODReceipt,
			edits: []edit{del("currency")},
			check: func(t *testing.T, v any) {
				if got := v.(*syncproto.CODReceipt).Currency; got != syncproto.DefaultCurrency {
					t.Errorf("currency = %q, want %q", got, syncproto.DefaultCurrency)
				}
			}},
		{name: "a COD receipt in another currency keeps it", kind: syncproto.KindCODReceipt,
			edits: []edit{set("currency", "HKD"), set("method", "bank_transfer")},
			check: func(t *testing.T, v any) {
				if got := v.(*syncproto.CODReceipt).Currency; got != "HKD" {
					t.Errorf("currency = %q, want HKD", got)
				}
			}},
		{name: "a complaint without a waybill is accepted", kind: syncproto.KindComplaint,
			edits: []edit{del("waybill")}},
		{name: "a complaint received at a UTC time is accepted", kind: syncproto.KindComplaint,
			edits: []edit{set("received_at", "2026-11-27T06:55:00Z"), set("category", "other")}},
		{name: "a callback outcome without satisfaction or note is accepted", kind: syncproto.KindCallbackOutcome,
			edits: []edit{del("satisfaction"), del("note"), set("result", "no_answer"), set("resolved", false)},
			check: func(t *testing.T, v any) {
				o := v.(*syncproto.CallbackOutcome)
				if o.Satisfaction != nil || o.Resolved == nil || *o.Resolved {
					t.Errorf("outcome = %+v, want no satisfaction and resolved=false", o)
				}
			}},
		{name: "a callback outcome with satisfaction 1 is accepted", kind: syncproto.KindCallbackOutcome,
			edits: []edit{set("satisfaction", 1)}},
		{name: "a callback outcome with satisfaction 5 is accepted", kind: syncproto.KindCallbackOutcome,
			edits: []edit{set("satisfaction", 5)}},
		{name: "an odometer reading without items or photos is accepted", kind: syncproto.KindVehicleLog,
			edits: []edit{set("type", "odometer"), del("items"), del("photos")}},
		{name: "a vehicle log with a 2000-character note is accepted", kind: syncproto.KindVehicleLog,
			edits: []edit{set("note", strings.Repeat("油", 2000))}},
		{name: "a vehicle log at odometer zero is accepted", kind: syncproto.KindVehicleLog,
			edits: []edit{set("odometer_km", 0)}},
		{name: "an inspection with 64 items is accepted", kind: syncproto.KindVehicleLog,
			edits: []edit{set("items", items(64))}},
	}
	for _, kind := range syncproto.Kinds {
		cases = append(cases, struct {
			name  string
			kind  string
			edits []edit
			check func(t *testing.T, v any)
		}{name: "the base " + kind + " payload is accepted", kind: kind})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, e := syncproto.DecodePayload(tc.kind, payloadJSON(t, tc.kind, tc.edits...))
			if e != nil {
				t.Fatalf("DecodePayload: %v", e)
			}
			if got, want := reflect.TypeOf(v), payloadTypes[tc.kind]; got != want {
				t.Fatalf("decoded to %v, want %v", got, want)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}
