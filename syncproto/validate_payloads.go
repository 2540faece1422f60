package syncproto

import (
	"strings"
	"unicode/utf8"
)

// The checks of each op kind's payload (the per-field rules of
// PROTOCOL.md), called by DecodePayload.

func (p *Pickup) validate() *Error {
	if e := checkWaybill("waybill", p.Waybill); e != nil {
		return e
	}
	if e := p.Sender.check("sender"); e != nil {
		return e
	}
	if e := p.Recipient.check("recipient"); e != nil {
		return e
	}
	switch {
	case p.WeightG <= 0:
		return invalid("weight_g", "must be greater than 0")
	case p.DeclaredValueCents == nil || *p.DeclaredValueCents < 0:
		return invalid("declared_value_cents", "required, at least 0")
	case p.Insured == nil:
		return invalid("insured", "required")
	case *p.Insured && p.InsuredValueCents < 1:
		return invalid("insured_value_cents", "at least 1 when insured")
	case p.InsuredValueCents < 0:
		return invalid("insured_value_cents", "must not be negative")
	case p.CODAmountCents == nil || *p.CODAmountCents < 0:
		return invalid("cod_amount_cents", "required, at least 0")
	case p.FreightCents != nil && *p.FreightCents < 0:
		return invalid("freight_cents", "must not be negative")
	}
	if e := p.checkCents(); e != nil {
		return e
	}
	switch {
	case !p.Inspected:
		return Errorf(CodeInspectionRequired, "inspected: the parcel must be opened and checked at intake")
	}
	return nil
}

// checkCents bounds every amount of a pickup by MaxCents.
func (p *Pickup) checkCents() *Error {
	amounts := []struct {
		field string
		v     *int64
	}{
		{"declared_value_cents", p.DeclaredValueCents}, {"insured_value_cents", &p.InsuredValueCents},
		{"cod_amount_cents", p.CODAmountCents}, {"freight_cents", p.FreightCents},
	}
	for _, a := range amounts {
		if a.v != nil {
			if e := checkCents(a.field, *a.v); e != nil {
				return e
			}
		}
	}
	return nil
}

// check names the failing field as field.name, field.phone or
// field.address; the full name is built only when a check fails (each
// check's message starts with the field it was given).
func (p *Party) check(field string) *Error {
	e := checkName("name", p.Name)
	if e == nil {
		e = checkPhone("phone", p.Phone)
	}
	if e == nil {
		e = checkText("address", p.Address, MaxAddressRunes)
	}
	if e != nil {
		e.Message = field + "." + e.Message
	}
	return e
}

func (p *DamageReport) validate() *Error {
	if e := checkWaybill("waybill", p.Waybill); e != nil {
		return e
	}
	if !oneOf(p.Stage, StagePickup, StageTransit, StageDelivery) {
		return invalid("stage", "one of pickup, transit, delivery")
	}
	if !oneOf(p.Severity, SeverityMinor, SeverityMajor, SeverityTotal) {
		return invalid("severity", "one of minor, major, total")
	}
	if e := checkText("description", p.Description, MaxTextRunes); e != nil {
		return e
	}
	if len(p.Photos) == 0 {
		return invalid("photos", "at least one photo digest")
	}
	return checkDigests("photos", p.Photos)
}

func (p *CODReceipt) validate() *Error {
	if e := checkWaybill("waybill", p.Waybill); e != nil {
		return e
	}
	if p.ReceiptNo == "" || len(p.ReceiptNo) > MaxReceiptNoLen || !isCode(p.ReceiptNo) {
		return invalid("receipt_no", "1–64 of [A-Za-z0-9_-]")
	}
	if p.AmountCents <= 0 {
		return invalid("amount_cents", "must be greater than 0")
	}
	if e := checkCents("amount_cents", p.AmountCents); e != nil {
		return e
	}
	if p.Currency == "" {
		p.Currency = DefaultCurrency
	}
	if !isCurrency(p.Currency) {
		return invalid("currency", "an ISO 4217 code of three capital letters")
	}
	if !oneOf(p.Method, MethodCash, MethodQR, MethodCard, MethodBankTransfer) {
		return invalid("method", "one of cash, qr, card, bank_transfer")
	}
	return nil
}

func (p *Complaint) validate() *Error {
	if !oneOf(p.Category, CategoryDelay, CategoryLoss, CategoryDamage, CategoryShortage, CategoryAttitude, CategoryOther) {
		return invalid("category", "one of delay, loss, damage, shortage, attitude, other")
	}
	if e := checkText("description", p.Description, MaxTextRunes); e != nil {
		return e
	}
	if e := checkName("customer.name", p.Customer.Name); e != nil {
		return e
	}
	if e := checkPhone("customer.phone", p.Customer.Phone); e != nil {
		return e
	}
	if e := checkEventTime("received_at", p.ReceivedAt); e != nil {
		return e
	}
	if p.Waybill != "" {
		return checkWaybill("waybill", p.Waybill)
	}
	return nil
}

func (p *CallbackOutcome) validate() *Error {
	if p.TaskID == "" || len(p.TaskID) > MaxTaskIDLen || !isCode(p.TaskID) {
		return invalid("task_id", "1–64 of [A-Za-z0-9_-]")
	}
	if !oneOf(p.Result, ResultReached, ResultNoAnswer, ResultWrongNumber, ResultRefused) {
		return invalid("result", "one of reached, no_answer, wrong_number, refused")
	}
	if p.Resolved == nil {
		return invalid("resolved", "required")
	}
	if p.Satisfaction != nil && (*p.Satisfaction < 1 || *p.Satisfaction > 5) {
		return invalid("satisfaction", "1 to 5 when given")
	}
	if p.Satisfaction != nil && p.Result != ResultReached {
		return invalid("satisfaction", "only when the customer was reached")
	}
	if utf8.RuneCountInString(p.Note) > MaxTextRunes || !utf8.ValidString(p.Note) {
		return invalid("note", "valid UTF-8, at most 2000 characters")
	}
	return nil
}

func (p *VehicleLog) validate() *Error {
	if p.VehicleID == "" || len(p.VehicleID) > MaxVehicleIDLen || !utf8.ValidString(p.VehicleID) || strings.TrimSpace(p.VehicleID) != p.VehicleID {
		return invalid("vehicle_id", "1–32 bytes, no surrounding spaces")
	}
	if !oneOf(p.Type, LogInspection, LogService, LogRepair, LogOdometer, LogFuel) {
		return invalid("type", "one of inspection, service, repair, odometer, fuel")
	}
	if p.OdometerKM == nil || *p.OdometerKM < 0 || *p.OdometerKM > MaxOdometerKM {
		return invalid("odometer_km", "required, 0 to 100000000")
	}
	if p.Type == LogInspection && len(p.Items) == 0 {
		return invalid("items", "an inspection needs at least one item")
	}
	if len(p.Items) > MaxInspectionItems {
		return invalid("items", "at most 64 items")
	}
	for _, it := range p.Items {
		if !HasText(it.Item) || utf8.RuneCountInString(it.Item) > MaxNameRunes {
			return invalid("items.item", "required, at most 64 characters")
		}
		if it.OK == nil {
			return invalid("items.ok", "required")
		}
		if utf8.RuneCountInString(it.Note) > MaxTextRunes {
			return invalid("items.note", "at most 2000 characters")
		}
	}
	if utf8.RuneCountInString(p.Note) > MaxTextRunes {
		return invalid("note", "at most 2000 characters")
	}
	if len(p.Photos) > 0 {
		return checkDigests("photos", p.Photos)
	}
	return nil
}
