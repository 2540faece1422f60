package courier

import (
	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Values of the records' enumerated fields, as the contract spells them.
const (
	StagePickup        = syncproto.StagePickup
	StageTransit       = syncproto.StageTransit
	StageDelivery      = syncproto.StageDelivery
	SeverityMinor      = syncproto.SeverityMinor
	SeverityMajor      = syncproto.SeverityMajor
	SeverityTotal      = syncproto.SeverityTotal
	MethodCash         = syncproto.MethodCash
	MethodQR           = syncproto.MethodQR
	MethodCard         = syncproto.MethodCard
	MethodBankTransfer = syncproto.MethodBankTransfer
	CategoryDelay      = syncproto.CategoryDelay
	CategoryLoss       = syncproto.CategoryLoss
	CategoryDamage     = syncproto.CategoryDamage
	CategoryShortage   = syncproto.CategoryShortage
	CategoryAttitude   = syncproto.CategoryAttitude
	CategoryOther      = syncproto.CategoryOther
	ResultReached      = syncproto.ResultReached
	ResultNoAnswer     = syncproto.ResultNoAnswer
	ResultWrongNumber  = syncproto.ResultWrongNumber
	ResultRefused      = syncproto.ResultRefused
	LogInspection      = syncproto.LogInspection
	LogService         = syncproto.LogService
	LogRepair          = syncproto.LogRepair
	LogOdometer        = syncproto.LogOdometer
	LogFuel            = syncproto.LogFuel
	TaskOpen           = mobileapi.TaskOpen
	TaskDone           = mobileapi.TaskDone
	TaskCancelled      = mobileapi.TaskCancelled
	RemovedReassigned  = mobileapi.RemovedReassigned
	PhotoPending       = mobileapi.PhotoPending
	PhotoUploading     = mobileapi.PhotoUploading
	PhotoUploaded      = mobileapi.PhotoUploaded
	PhotoFailed        = mobileapi.PhotoFailed
	ComplaintReceived  = mobileapi.ComplaintReceived
	ComplaintVerified  = mobileapi.ComplaintVerified
	ComplaintHandled   = mobileapi.ComplaintHandled
)

// Pickup is a parcel taken in from a sender. Money is in minor units
// (fen); RecordedAt is an optional RFC 3339 time ("" means now).
type Pickup struct {
	Waybill                                         string
	SenderName, SenderPhone, SenderAddress          string
	RecipientName, RecipientPhone, RecipientAddress string
	WeightG, DeclaredValueCents                     int64
	Insured                                         bool
	InsuredValueCents, CODAmountCents, FreightCents int64
	Inspected                                       bool
	RecordedAt                                      string
}

// NewPickup starts a pickup of a waybill (6–32 of [A-Za-z0-9-]).
func NewPickup(waybill string) *Pickup { return &Pickup{Waybill: waybill} }

// RecordPickup queues a pickup and returns its op id; invalid input
// returns an *Error coded validation_failed and queues nothing.
func (o *Outbox) RecordPickup(p *Pickup) (string, error) {
	if p == nil {
		return "", nilRecord()
	}
	id, err := o.ob.RecordPickup(&mobileapi.Pickup{Waybill: p.Waybill, SenderName: p.SenderName, SenderPhone: p.SenderPhone,
		SenderAddress: p.SenderAddress, RecipientName: p.RecipientName, RecipientPhone: p.RecipientPhone,
		RecipientAddress: p.RecipientAddress, WeightG: p.WeightG, DeclaredValueCents: p.DeclaredValueCents, Insured: p.Insured,
		InsuredValueCents: p.InsuredValueCents, CODAmountCents: p.CODAmountCents, FreightCents: p.FreightCents,
		Inspected: p.Inspected, RecordedAt: p.RecordedAt})
	return id, wrap(err)
}

func nilRecord() error {
	return &Error{code: string(syncproto.CodeValidationFailed), message: "record: nil"}
}

// DamageReport reports damage seen on a parcel, with 1–10 photos added by
// AddPhoto (digests from Outbox.AttachPhoto).
type DamageReport struct {
	Waybill, Stage, Severity, Description string
	RecordedAt                            string
	photos                                []string
}

// NewDamageReport starts a damage report of a waybill at a stage
// (StagePickup…) with a severity (SeverityMinor…).
func NewDamageReport(waybill, stage, severity string) *DamageReport {
	return &DamageReport{Waybill: waybill, Stage: stage, Severity: severity}
}

// AddPhoto adds a photo digest.
func (r *DamageReport) AddPhoto(digest string) { r.photos = append(r.photos, digest) }

// PhotoCount returns the number of photos added.
func (r *DamageReport) PhotoCount() int { return len(r.photos) }

// RecordDamageReport queues a damage report and returns its op id.
func (o *Outbox) RecordDamageReport(r *DamageReport) (string, error) {
	if r == nil {
		return "", nilRecord()
	}
	id, err := o.ob.RecordDamageReport(&mobileapi.DamageReport{Waybill: r.Waybill, Stage: r.Stage, Severity: r.Severity,
		Description: r.Description, Photos: append([]string(nil), r.photos...), RecordedAt: r.RecordedAt})
	return id, wrap(err)
}

// VehicleLog is a vehicle inspection, service, repair, odometer or fuel
// entry; an inspection's checklist items are added by AddItem (a failed
// item opens a safety defect), photos by AddPhoto.
type VehicleLog struct {
	VehicleID, Type string
	OdometerKM      int64
	Note            string
	RecordedAt      string
	items           []mobileapi.InspectionItem
	photos          []string
}

// NewVehicleLog starts a log of a vehicle of a type (LogInspection…) at an
// odometer reading.
func NewVehicleLog(vehicleID, logType string, odometerKM int64) *VehicleLog {
	return &VehicleLog{VehicleID: vehicleID, Type: logType, OdometerKM: odometerKM}
}

// AddItem adds a checked item: ok false is a failed item (a defect).
func (v *VehicleLog) AddItem(item string, ok bool, note string) {
	v.items = append(v.items, mobileapi.InspectionItem{Item: item, OK: ok, Note: note})
}

// ItemCount returns the number of items added.
func (v *VehicleLog) ItemCount() int { return len(v.items) }

// AddPhoto adds a photo digest.
func (v *VehicleLog) AddPhoto(digest string) { v.photos = append(v.photos, digest) }

// PhotoCount returns the number of photos added.
func (v *VehicleLog) PhotoCount() int { return len(v.photos) }

// RecordVehicleLog queues a vehicle log and returns its op id.
func (o *Outbox) RecordVehicleLog(v *VehicleLog) (string, error) {
	if v == nil {
		return "", nilRecord()
	}
	id, err := o.ob.RecordVehicleLog(&mobileapi.VehicleLog{VehicleID: v.VehicleID, Type: v.Type, OdometerKM: v.OdometerKM,
		Items: append([]mobileapi.InspectionItem(nil), v.items...), Photos: append([]string(nil), v.photos...),
		Note: v.Note, RecordedAt: v.RecordedAt})
	return id, wrap(err)
}

// CODReceipt records cash on delivery collected. Currency is ISO 4217
// ("" means CNY); Method is MethodCash….
type CODReceipt struct {
	Waybill, ReceiptNo string
	AmountCents        int64
	Currency, Method   string
	RecordedAt         string
}

// NewCODReceipt starts a receipt of an amount for a waybill.
func NewCODReceipt(waybill, receiptNo string, amountCents int64, method string) *CODReceipt {
	return &CODReceipt{Waybill: waybill, ReceiptNo: receiptNo, AmountCents: amountCents, Method: method}
}

// RecordCODReceipt queues a COD receipt and returns its op id.
func (o *Outbox) RecordCODReceipt(r *CODReceipt) (string, error) {
	if r == nil {
		return "", nilRecord()
	}
	id, err := o.ob.RecordCODReceipt(&mobileapi.CODReceipt{Waybill: r.Waybill, ReceiptNo: r.ReceiptNo, AmountCents: r.AmountCents,
		Currency: r.Currency, Method: r.Method, RecordedAt: r.RecordedAt})
	return id, wrap(err)
}

// CallbackOutcome is the result of a callback task's call; Satisfaction is
// 1–5, or 0 for none.
type CallbackOutcome struct {
	TaskID, Result string
	Resolved       bool
	Satisfaction   int
	Note           string
	RecordedAt     string
}

// NewCallbackOutcome starts the outcome of a task's call (ResultReached…).
func NewCallbackOutcome(taskID, result string) *CallbackOutcome {
	return &CallbackOutcome{TaskID: taskID, Result: result}
}

// RecordCallbackOutcome queues a call's outcome and returns its op id.
func (o *Outbox) RecordCallbackOutcome(c *CallbackOutcome) (string, error) {
	if c == nil {
		return "", nilRecord()
	}
	id, err := o.ob.RecordCallbackOutcome(&mobileapi.CallbackOutcome{TaskID: c.TaskID, Result: c.Result, Resolved: c.Resolved,
		Satisfaction: c.Satisfaction, Note: c.Note, RecordedAt: c.RecordedAt})
	return id, wrap(err)
}

// Complaint is a complaint a courier took from a customer; ReceivedAt is
// RFC 3339, Waybill optional.
type Complaint struct {
	Category, Description, CustomerName, CustomerPhone, ReceivedAt, Waybill, RecordedAt string
}

// NewComplaint starts a complaint of a category (CategoryDelay…) received
// at a time.
func NewComplaint(category, receivedAt string) *Complaint {
	return &Complaint{Category: category, ReceivedAt: receivedAt}
}

// RecordComplaint queues a complaint and returns its op id.
func (o *Outbox) RecordComplaint(c *Complaint) (string, error) {
	if c == nil {
		return "", nilRecord()
	}
	id, err := o.ob.RecordComplaint(&mobileapi.Complaint{Category: c.Category, Description: c.Description,
		CustomerName: c.CustomerName, CustomerPhone: c.CustomerPhone, ReceivedAt: c.ReceivedAt, Waybill: c.Waybill,
		RecordedAt: c.RecordedAt})
	return id, wrap(err)
}
