package mobileapi

import "github.com/courier-sync/courier-sync/syncproto"

// Pickup is a parcel taken in from a sender (op kind "pickup").
type Pickup struct {
	// Waybill is 6–32 of [A-Za-z0-9-].
	Waybill string
	// SenderName, SenderPhone and SenderAddress describe the sender.
	SenderName, SenderPhone, SenderAddress string
	// RecipientName, RecipientPhone and RecipientAddress describe the
	// recipient.
	RecipientName, RecipientPhone, RecipientAddress string
	// WeightG is the weight in grams (>0); DeclaredValueCents the declared
	// value in minor units (≥0).
	WeightG, DeclaredValueCents int64
	// Insured tells whether the parcel is insured.
	Insured bool
	// InsuredValueCents (≥1 when insured) and CODAmountCents (≥0) are in
	// minor units.
	InsuredValueCents, CODAmountCents int64
	// FreightCents is the freight charged; 0 means not sent.
	FreightCents int64
	// Inspected must be true: parcels are opened and checked at intake.
	Inspected bool
	// RecordedAt is an optional RFC 3339 time; empty means now.
	RecordedAt string
}

// DamageReport reports damage seen on a parcel (op kind "damage_report").
// Stage is pickup/transit/delivery, Severity minor/major/total, Photos 1–10
// lowercase hex SHA-256 digests of photo blobs. RecordedAt is optional RFC
// 3339; empty means now.
type DamageReport struct {
	Waybill, Stage, Severity, Description string
	Photos                                []string
	RecordedAt                            string
}

// CODReceipt records cash on delivery collected (op kind "cod_receipt").
// Currency is ISO 4217 (empty means CNY); Method is cash/qr/card/
// bank_transfer. RecordedAt is optional RFC 3339; empty means now.
type CODReceipt struct {
	Waybill, ReceiptNo string
	AmountCents        int64
	Currency, Method   string
	RecordedAt         string
}

// Complaint is a complaint a courier took from a customer (op kind
// "complaint"). Category is delay/loss/damage/shortage/attitude/other,
// ReceivedAt RFC 3339, Waybill optional. RecordedAt is optional RFC 3339;
// empty means now.
type Complaint struct {
	Category, Description, CustomerName, CustomerPhone, ReceivedAt, Waybill, RecordedAt string
}

// CallbackOutcome is the result of a callback task's call (op kind
// "callback_outcome"). Result is reached/no_answer/wrong_number/refused;
// Satisfaction is 1–5, or 0 for none. RecordedAt is optional RFC 3339; empty
// means now.
type CallbackOutcome struct {
	TaskID, Result string
	Resolved       bool
	Satisfaction   int
	Note           string
	RecordedAt     string
}

// VehicleLog is a vehicle inspection, service, repair, odometer or fuel entry
// (op kind "vehicle_log"). Inspections need at least one item. RecordedAt is
// optional RFC 3339; empty means now.
type VehicleLog struct {
	VehicleID, Type string
	OdometerKM      int64
	Items           []InspectionItem
	Photos          []string
	Note            string
	RecordedAt      string
}

// InspectionItem is one checked item of a vehicle inspection.
type InspectionItem struct {
	Item string
	OK   bool
	Note string
}

// The payload methods turn each record into its wire payload.

func (p *Pickup) payload() *syncproto.Pickup {
	w := &syncproto.Pickup{
		Waybill:            p.Waybill,
		Sender:             syncproto.Party{Name: p.SenderName, Phone: p.SenderPhone, Address: p.SenderAddress},
		Recipient:          syncproto.Party{Name: p.RecipientName, Phone: p.RecipientPhone, Address: p.RecipientAddress},
		WeightG:            p.WeightG,
		DeclaredValueCents: ptr(p.DeclaredValueCents),
		Insured:            ptr(p.Insured),
		InsuredValueCents:  p.InsuredValueCents,
		CODAmountCents:     ptr(p.CODAmountCents),
		Inspected:          p.Inspected,
	}
	if p.FreightCents != 0 {
		w.FreightCents = ptr(p.FreightCents)
	}
	return w
}

func (r *DamageReport) payload() *syncproto.DamageReport {
	return &syncproto.DamageReport{
		Waybill:     r.Waybill,
		Stage:       r.Stage,
		Severity:    r.Severity,
		Description: r.Description,
		Photos:      append([]string(nil), r.Photos...),
	}
}

func (r *CODReceipt) payload() *syncproto.CODReceipt {
	cur := r.Currency
	if cur == "" {
		cur = syncproto.DefaultCurrency
	}
	return &syncproto.CODReceipt{
		Waybill:     r.Waybill,
		ReceiptNo:   r.ReceiptNo,
		AmountCents: r.AmountCents,
		Currency:    cur,
		Method:      r.Method,
	}
}

func (c *Complaint) payload() *syncproto.Complaint {
	return &syncproto.Complaint{
		Category:    c.Category,
		Description: c.Description,
		Customer:    syncproto.Customer{Name: c.CustomerName, Phone: c.CustomerPhone},
		ReceivedAt:  c.ReceivedAt,
		Waybill:     c.Waybill,
	}
}

func (c *CallbackOutcome) payload() *syncproto.CallbackOutcome {
	w := &syncproto.CallbackOutcome{
		TaskID:   c.TaskID,
		Result:   c.Result,
		Resolved: ptr(c.Resolved),
		Note:     c.Note,
	}
	if c.Satisfaction != 0 {
		w.Satisfaction = ptr(c.Satisfaction)
	}
	return w
}

func (v *VehicleLog) payload() *syncproto.VehicleLog {
	w := &syncproto.VehicleLog{
		VehicleID:  v.VehicleID,
		Type:       v.Type,
		OdometerKM: ptr(v.OdometerKM),
		Photos:     append([]string(nil), v.Photos...),
		Note:       v.Note,
	}
	for _, it := range v.Items {
		w.Items = append(w.Items, syncproto.InspectionItem{Item: it.Item, OK: ptr(it.OK), Note: it.Note})
	}
	return w
}

func ptr[T any](v T) *T { return &v }
