package syncproto_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// rejectCase is one payload that validation must refuse.
type rejectCase struct {
	name  string
	kind  string
	edits []edit
	raw   string // the whole payload, instead of edits on the base
	code  syncproto.Code
	field string // the message starts with "<field>:"
	leak  string // the offending value, which the message must not repeat
}

func pickupRejects() []rejectCase {
	k := syncproto.KindPickup
	vf := syncproto.CodeValidationFailed
	return []rejectCase{
		{"a pickup without a waybill is rejected", k, []edit{del("waybill")}, "", vf, "waybill", ""},
		{"a pickup with a 5-character waybill is rejected", k, []edit{set("waybill", "QX7Z9")}, "", vf, "waybill", "QX7Z9"},
		{"a pickup with a 33-character waybill is rejected", k, []edit{set("waybill", "LEAKWAYBILL"+strings.Repeat("7", 22))}, "", vf, "waybill", "LEAKWAYBILL"},
		{"a pickup with a slash in its waybill is rejected", k, []edit{set("waybill", "YT2026/1127")}, "", vf, "waybill", "YT2026/1127"},
		{"a pickup with a space in its waybill is rejected", k, []edit{set("waybill", "YT 20261127")}, "", vf, "waybill", "YT 20261127"},
		{"a pickup with an underscore in its waybill is rejected", k, []edit{set("waybill", "YT_20261127")}, "", vf, "waybill", "YT_20261127"},
		{"a pickup with full-width digits in its waybill is rejected", k, []edit{set("waybill", "YT２０２６１１２７")}, "", vf, "waybill", "２０２６"},
		{"a pickup without a sender is rejected", k, []edit{del("sender")}, "", vf, "sender.name", ""},
		{"a pickup whose sender name is blank is rejected", k, []edit{set("sender.name", "   ")}, "", vf, "sender.name", ""},
		{"a pickup whose sender name has 65 characters is rejected", k, []edit{set("sender.name", strings.Repeat("慧", 65))}, "", vf, "sender.name", "慧慧慧"},
		{"a pickup whose sender phone has a letter is rejected", k, []edit{set("sender.phone", "1381234567X")}, "", vf, "sender.phone", "1381234567X"},
		{"a pickup whose sender phone is missing is rejected", k, []edit{del("sender.phone")}, "", vf, "sender.phone", ""},
		{"a pickup whose sender phone has 2 digits is rejected", k, []edit{set("sender.phone", "12")}, "", vf, "sender.phone", ""},
		{"a pickup whose sender phone has 21 digits is rejected", k, []edit{set("sender.phone", "139000011112222333344")}, "", vf, "sender.phone", "139000011112222333344"},
		{"a pickup whose sender phone has a plus in the middle is rejected", k, []edit{set("sender.phone", "139+00001111")}, "", vf, "sender.phone", "139+00001111"},
		{"a pickup whose sender phone starts with a dash is rejected", k, []edit{set("sender.phone", "-13900001111")}, "", vf, "sender.phone", "13900001111"},
		{"a pickup whose sender phone starts with a space is rejected", k, []edit{set("sender.phone", " 13900001111")}, "", vf, "sender.phone", "13900001111"},
		{"a pickup whose sender address is missing is rejected", k, []edit{del("sender.address")}, "", vf, "sender.address", ""},
		{"a pickup whose sender address has 257 characters is rejected", k, []edit{set("sender.address", "秘密路"+strings.Repeat("号", 254))}, "", vf, "sender.address", "秘密路"},
		{"a pickup without a recipient name is rejected", k, []edit{del("recipient.name")}, "", vf, "recipient.name", ""},
		{"a pickup whose recipient phone is malformed is rejected", k, []edit{set("recipient.phone", "tel:13900001111")}, "", vf, "recipient.phone", "13900001111"},
		{"a pickup whose recipient address is blank is rejected", k, []edit{set("recipient.address", "\t\n")}, "", vf, "recipient.address", ""},
		{"a pickup weighing 0 g is rejected", k, []edit{set("weight_g", 0)}, "", vf, "weight_g", ""},
		{"a pickup with a negative weight is rejected", k, []edit{set("weight_g", -250)}, "", vf, "weight_g", "-250"},
		{"a pickup without a weight is rejected", k, []edit{del("weight_g")}, "", vf, "weight_g", ""},
		{"a pickup without a declared value is rejected", k, []edit{del("declared_value_cents")}, "", vf, "declared_value_cents", ""},
		{"a pickup with a negative declared value is rejected", k, []edit{set("declared_value_cents", -7319)}, "", vf, "declared_value_cents", "-7319"},
		{"a pickup that does not say whether it is insured is rejected", k, []edit{del("insured")}, "", vf, "insured", ""},
		{"an insured pickup without an insured value is rejected", k, []edit{del("insured_value_cents")}, "", vf, "insured_value_cents", ""},
		{"an insured pickup with an insured value of 0 is rejected", k, []edit{set("insured_value_cents", 0)}, "", vf, "insured_value_cents", ""},
		{"an uninsured pickup with a negative insured value is rejected", k, []edit{set("insured", false), set("insured_value_cents", -4471)}, "", vf, "insured_value_cents", "-4471"},
		{"a pickup without a COD amount is rejected", k, []edit{del("cod_amount_cents")}, "", vf, "cod_amount_cents", ""},
		{"a pickup with a negative COD amount is rejected", k, []edit{set("cod_amount_cents", -5813)}, "", vf, "cod_amount_cents", "-5813"},
		{"a pickup with a negative freight is rejected", k, []edit{set("freight_cents", -6427)}, "", vf, "freight_cents", "-6427"},
		{"a pickup not inspected at intake needs inspection", k, []edit{set("inspected", false)}, "", syncproto.CodeInspectionRequired, "inspected", ""},
		{"a pickup that does not say it was inspected needs inspection", k, []edit{del("inspected")}, "", syncproto.CodeInspectionRequired, "inspected", ""},
		{"a pickup with its weight as a string has the wrong JSON type", k, []edit{set("weight_g", "1850")}, "", vf, "payload", ""},
		{"a pickup with a fractional weight has the wrong JSON type", k, []edit{set("weight_g", 1850.5)}, "", vf, "payload", ""},
		{"a pickup with insured as a string has the wrong JSON type", k, []edit{set("insured", "yes")}, "", vf, "payload", ""},
		{"a pickup with inspected as a number has the wrong JSON type", k, []edit{set("inspected", 1)}, "", vf, "payload", ""},
		{"a pickup with the sender as a string has the wrong JSON type", k, []edit{set("sender", "张伟 13812345678")}, "", vf, "payload", ""},
		{"a pickup with a waybill as a number has the wrong JSON type", k, []edit{set("waybill", 2026112700017)}, "", vf, "payload", ""},
	}
}

func damageRejects() []rejectCase {
	k := syncproto.KindDamageReport
	vf := syncproto.CodeValidationFailed
	upper := strings.ToUpper(digestA)
	return []rejectCase{
		{"a damage report with a bad waybill is rejected", k, []edit{set("waybill", "YT#2026")}, "", vf, "waybill", "YT#2026"},
		{"a damage report without a stage is rejected", k, []edit{del("stage")}, "", vf, "stage", ""},
		{"a damage report at an unknown stage is rejected", k, []edit{set("stage", "warehouse")}, "", vf, "stage", "warehouse"},
		{"a damage report with an upper-case stage is rejected", k, []edit{set("stage", "Transit")}, "", vf, "stage", "Transit"},
		{"a damage report with an unknown severity is rejected", k, []edit{set("severity", "catastrophic")}, "", vf, "severity", "catastrophic"},
		{"a damage report without a description is rejected", k, []edit{del("description")}, "", vf, "description", ""},
		{"a damage report with a 2001-character description is rejected", k, []edit{set("description", "破损"+strings.Repeat("。", 1999))}, "", vf, "description", "破损"},
		{"a damage report without photos is rejected", k, []edit{del("photos")}, "", vf, "photos", ""},
		{"a damage report with an empty photo list is rejected", k, []edit{set("photos", []any{})}, "", vf, "photos", ""},
		{"a damage report with eleven photos is rejected", k, []edit{set("photos", digests(11))}, "", vf, "photos", ""},
		{"a damage report with the same photo twice is rejected", k, []edit{set("photos", []any{digestA, digestB, digestA})}, "", vf, "photos", digestA},
		{"a damage report with an upper-case digest is rejected", k, []edit{set("photos", []any{upper})}, "", vf, "photos", upper},
		{"a damage report with a 63-character digest is rejected", k, []edit{set("photos", []any{digestA[:63]})}, "", vf, "photos", digestA[:63]},
		{"a damage report with a non-hex digest is rejected", k, []edit{set("photos", []any{"g" + digestA[1:]})}, "", vf, "photos", digestA[1:]},
		{"a damage report with a file name for a photo is rejected", k, []edit{set("photos", []any{"IMG_0042.jpg"})}, "", vf, "photos", "IMG_0042"},
		{"a damage report with photos as a string has the wrong JSON type", k, []edit{set("photos", digestA)}, "", vf, "payload", ""},
	}
}

func codRejects() []rejectCase {
	k := syncproto.KindCODReceipt
	vf := syncproto.CodeValidationFailed
	return []rejectCase{
		{"a COD receipt without a waybill is rejected", k, []edit{del("waybill")}, "", vf, "waybill", ""},
		{"a COD receipt without a receipt number is rejected", k, []edit{del("receipt_no")}, "", vf, "receipt_no", ""},
		{"a COD receipt with a 65-character receipt number is rejected", k, []edit{set("receipt_no", "RLEAK"+strings.Repeat("1", 60))}, "", vf, "receipt_no", "RLEAK"},
		{"a COD receipt with a slash in its receipt number is rejected", k, []edit{set("receipt_no", "R2026/0007")}, "", vf, "receipt_no", "R2026/0007"},
		{"a COD receipt for 0 fen is rejected", k, []edit{set("amount_cents", 0)}, "", vf, "amount_cents", ""},
		{"a COD receipt for a negative amount is rejected", k, []edit{set("amount_cents", -25901)}, "", vf, "amount_cents", "-25901"},
		{"a COD receipt without an amount is rejected", k, []edit{del("amount_cents")}, "", vf, "amount_cents", ""},
		{"a COD receipt with the amount in yuan as a decimal has the wrong JSON type", k, []edit{set("amount_cents", 259.00001)}, "", vf, "payload", ""},
		{"a COD receipt with a lower-case currency is rejected", k, []edit{set("currency", "cny")}, "", vf, "currency", "cny"},
		{"a COD receipt with a four-letter currency is rejected", k, []edit{set("currency", "RMBX")}, "", vf, "currency", "RMBX"},
		{"a COD receipt with a currency symbol is rejected", k, []edit{set("currency", "¥")}, "", vf, "currency", "¥"},
		{"a COD receipt without a method is rejected", k, []edit{del("method")}, "", vf, "method", ""},
		{"a COD receipt paid by an unknown method is rejected", k, []edit{set("method", "alipay")}, "", vf, "method", "alipay"},
	}
}

func complaintRejects() []rejectCase {
	k := syncproto.KindComplaint
	vf := syncproto.CodeValidationFailed
	return []rejectCase{
		{"a complaint without a category is rejected", k, []edit{del("category")}, "", vf, "category", ""},
		{"a complaint in an unknown category is rejected", k, []edit{set("category", "rudeness")}, "", vf, "category", "rudeness"},
		{"a complaint without a description is rejected", k, []edit{set("description", "")}, "", vf, "description", ""},
		{"a complaint without a customer is rejected", k, []edit{del("customer")}, "", vf, "customer.name", ""},
		{"a complaint whose customer name is only NUL characters is rejected", k, []edit{set("customer.name", "\x00\x00")}, "", vf, "customer.name", ""},
		{"a complaint whose customer name is only direction controls is rejected", k, []edit{set("customer.name", "\u202e\u2066\u200f")}, "", vf, "customer.name", ""},
		{"a complaint whose description is only zero-width characters is rejected", k, []edit{set("description", "\u200b\u200d")}, "", vf, "description", ""},
		{"a complaint whose customer name has 65 characters is rejected", k, []edit{set("customer.name", "Giuseppina"+strings.Repeat("a", 55))}, "", vf, "customer.name", "Giuseppina"},
		{"a complaint whose customer phone is a word is rejected", k, []edit{set("customer.phone", "unknown-13900001111x")}, "", vf, "customer.phone", "13900001111"},
		{"a complaint whose customer phone is missing is rejected", k, []edit{del("customer.phone")}, "", vf, "customer.phone", ""},
		{"a complaint without received_at is rejected", k, []edit{del("received_at")}, "", vf, "received_at", ""},
		{"a complaint received at a time without offset is rejected", k, []edit{set("received_at", "2026-11-27T14:55:00")}, "", vf, "received_at", "14:55"},
		{"a complaint received at a date only is rejected", k, []edit{set("received_at", "2026-11-27")}, "", vf, "received_at", "2026-11-27"},
		{"a complaint received at a space-separated time is rejected", k, []edit{set("received_at", "2026-11-27 14:55:00+08:00")}, "", vf, "received_at", "14:55"},
		{"a complaint with a bad optional waybill is rejected", k, []edit{set("waybill", "SF*LEAK*1")}, "", vf, "waybill", "SF*LEAK*1"},
		{"a complaint with the customer as a list has the wrong JSON type", k, []edit{set("customer", []any{"Li Na"})}, "", vf, "payload", ""},
	}
}

func callbackRejects() []rejectCase {
	k := syncproto.KindCallbackOutcome
	vf := syncproto.CodeValidationFailed
	return []rejectCase{
		{"a callback outcome without a task id is rejected", k, []edit{del("task_id")}, "", vf, "task_id", ""},
		{"a callback outcome with a 65-character task id is rejected", k, []edit{set("task_id", "cbLEAK"+strings.Repeat("0", 59))}, "", vf, "task_id", "cbLEAK"},
		{"a callback outcome with a dot in its task id is rejected", k, []edit{set("task_id", "cb.0042")}, "", vf, "task_id", "cb.0042"},
		{"a callback outcome without a result is rejected", k, []edit{del("result")}, "", vf, "result", ""},
		{"a callback outcome with an unknown result is rejected", k, []edit{set("result", "voicemail")}, "", vf, "result", "voicemail"},
		{"a callback outcome that does not say whether it is resolved is rejected", k, []edit{del("resolved")}, "", vf, "resolved", ""},
		{"a callback outcome with satisfaction 0 is rejected", k, []edit{set("satisfaction", 0)}, "", vf, "satisfaction", ""},
		{"a callback outcome with satisfaction 6 is rejected", k, []edit{set("satisfaction", 6)}, "", vf, "satisfaction", ""},
		{"a satisfaction score from a customer not reached is rejected", k, []edit{set("result", "no_answer"), set("satisfaction", 5)}, "", vf, "satisfaction", ""},
		{"a callback outcome with a 2001-character note is rejected", k, []edit{set("note", "王芳"+strings.Repeat("。", 1999))}, "", vf, "note", "王芳"},
		{"a callback outcome with resolved as a string has the wrong JSON type", k, []edit{set("resolved", "true")}, "", vf, "payload", ""},
		{"a callback outcome with a fractional satisfaction has the wrong JSON type", k, []edit{set("satisfaction", 4.5)}, "", vf, "payload", ""},
	}
}

func vehicleRejects() []rejectCase {
	k := syncproto.KindVehicleLog
	vf := syncproto.CodeValidationFailed
	return []rejectCase{
		{"a vehicle log without a vehicle id is rejected", k, []edit{del("vehicle_id")}, "", vf, "vehicle_id", ""},
		{"a vehicle log with a 33-byte vehicle id is rejected", k, []edit{set("vehicle_id", "VLEAK"+strings.Repeat("9", 28))}, "", vf, "vehicle_id", "VLEAK"},
		{"a vehicle log with a vehicle id padded with spaces is rejected", k, []edit{set("vehicle_id", " 京B88888 ")}, "", vf, "vehicle_id", "京B88888"},
		{"a vehicle log without a type is rejected", k, []edit{del("type")}, "", vf, "type", ""},
		{"a vehicle log of an unknown type is rejected", k, []edit{set("type", "wash")}, "", vf, "type", "wash"},
		{"a vehicle log without an odometer reading is rejected", k, []edit{del("odometer_km")}, "", vf, "odometer_km", ""},
		{"a vehicle log with a negative odometer reading is rejected", k, []edit{set("odometer_km", -48213)}, "", vf, "odometer_km", "-48213"},
		{"an inspection without items is rejected", k, []edit{del("items")}, "", vf, "items", ""},
		{"an inspection with an empty item list is rejected", k, []edit{set("items", []any{})}, "", vf, "items", ""},
		{"an inspection with 65 items is rejected", k, []edit{set("items", items(65))}, "", vf, "items", ""},
		{"an inspection item without a name is rejected", k, []edit{del("items.0.item")}, "", vf, "items.item", ""},
		{"an inspection item with a blank name is rejected", k, []edit{set("items.0.item", "  ")}, "", vf, "items.item", ""},
		{"an inspection item with a 65-character name is rejected", k, []edit{set("items.0.item", "刹车"+strings.Repeat("片", 63))}, "", vf, "items.item", "刹车"},
		{"an inspection item that does not say ok or not is rejected", k, []edit{del("items.1.ok")}, "", vf, "items.ok", ""},
		{"an inspection item with a 2001-character note is rejected", k, []edit{set("items.1.note", "漏油"+strings.Repeat("。", 1999))}, "", vf, "items.note", "漏油"},
		{"a vehicle log with a 2001-character note is rejected", k, []edit{set("note", "晨检"+strings.Repeat("。", 1999))}, "", vf, "note", "晨检"},
		{"a vehicle log with a bad photo digest is rejected", k, []edit{set("photos", []any{"LEAKDIGEST"})}, "", vf, "photos", "LEAKDIGEST"},
		{"a vehicle log with eleven photos is rejected", k, []edit{set("photos", digests(11))}, "", vf, "photos", ""},
		{"a vehicle log with the same photo twice is rejected", k, []edit{set("photos", []any{digestA, digestA})}, "", vf, "photos", digestA},
		{"a vehicle log with an odometer reading as a string has the wrong JSON type", k, []edit{set("odometer_km", "48213")}, "", vf, "payload", ""},
		{"an inspection item with ok as a string has the wrong JSON type", k, []edit{set("items.0.ok", "ok")}, "", vf, "payload", ""},
	}
}

func shapeRejects() []rejectCase {
	vf := syncproto.CodeValidationFailed
	var cs []rejectCase
	for _, kind := range syncproto.Kinds {
		for _, raw := range []struct{ what, raw string }{
			{"empty", ""},
			{"only whitespace", " \n\t"},
			{"null", "null"},
			{"an array", `[{"waybill":"YT2026112700017"}]`},
			{"a string", `"13900001111"`},
			{"a number", "42"},
			{"true", "true"},
			{"truncated JSON", `{"waybill":"YT2026112700017","sender":{"name":"张伟"`},
			{"an object with trailing garbage", `{"waybill":"YT2026112700017"} {}`},
			{"an object with a trailing comma", `{"waybill":"YT2026112700017",}`},
		} {
			cs = append(cs, rejectCase{
				name: "a " + kind + " payload that is " + raw.what + " is not a JSON object",
				kind: kind, raw: raw.raw, code: vf, field: "payload", leak: "13900001111",
			})
		}
	}
	for _, kind := range []string{"parcel_scan", "", "Pickup", "pickup ", "delivery"} {
		cs = append(cs, rejectCase{
			name: "an op of kind " + strconv.Quote(kind) + " is an unknown kind",
			kind: kind, raw: `{"waybill":"YT2026112700017"}`, code: syncproto.CodeUnknownKind, field: "kind", leak: "parcel_scan",
		})
	}
	return cs
}

func allRejects() []rejectCase {
	var cs []rejectCase
	for _, f := range []func() []rejectCase{pickupRejects, damageRejects, codRejects, complaintRejects, callbackRejects, vehicleRejects, shapeRejects} {
		cs = append(cs, f()...)
	}
	return cs
}

// checkRejection asserts code and field of e and that its message repeats
// neither the offending value nor any personal data of the base payloads.
func checkRejection(t *testing.T, e *syncproto.Error, code syncproto.Code, field, leak string) {
	t.Helper()
	if e == nil {
		t.Fatalf("accepted, want %s on %s", code, field)
	}
	if e.Code != code {
		t.Errorf("code = %s (%q), want %s", e.Code, e.Message, code)
	}
	if !strings.HasPrefix(e.Message, field+":") {
		t.Errorf("message %q does not name field %q first", e.Message, field)
	}
	if leak != "" && strings.Contains(e.Message, leak) {
		t.Errorf("message %q repeats the offending value %q", e.Message, leak)
	}
	for _, pii := range basePII {
		if strings.Contains(e.Message, pii) || strings.Contains(e.Error(), pii) {
			t.Errorf("message %q contains personal data %q", e.Message, pii)
		}
	}
}

func TestDecodePayloadRejectsInvalidPayloads(t *testing.T) {
	for _, tc := range allRejects() {
		t.Run(tc.name, func(t *testing.T) {
			raw := json.RawMessage(tc.raw)
			if tc.raw == "" && tc.edits != nil {
				raw = payloadJSON(t, tc.kind, tc.edits...)
			}
			v, e := syncproto.DecodePayload(tc.kind, raw)
			if v != nil {
				t.Errorf("returned a value %+v alongside a rejection", v)
			}
			checkRejection(t, e, tc.code, tc.field, tc.leak)
		})
	}
}

func TestDecodePayloadCoversEveryKind(t *testing.T) {
	seen := map[string]int{}
	for _, tc := range allRejects() {
		seen[tc.kind]++
	}
	for _, kind := range syncproto.Kinds {
		if seen[kind] < 10 {
			t.Errorf("only %d rejection cases for %s", seen[kind], kind)
		}
	}
}
