package syncproto

// Party is a sender or recipient on a waybill: name, phone and address, and
// nothing else personal.
type Party struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
}

// Customer is a complaining or called-back customer.
type Customer struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Pickup is the payload of a "pickup" op. Pointer fields are required but
// may legitimately be zero, so absence must be told apart from zero.
type Pickup struct {
	Waybill            string `json:"waybill"`
	Sender             Party  `json:"sender"`
	Recipient          Party  `json:"recipient"`
	WeightG            int64  `json:"weight_g"`
	DeclaredValueCents *int64 `json:"declared_value_cents"`
	Insured            *bool  `json:"insured"`
	InsuredValueCents  int64  `json:"insured_value_cents,omitempty"`
	CODAmountCents     *int64 `json:"cod_amount_cents"`
	Inspected          bool   `json:"inspected"`
	FreightCents       *int64 `json:"freight_cents,omitempty"`
}

// Damage stages and severities.
const (
	StagePickup   = "pickup"
	StageTransit  = "transit"
	StageDelivery = "delivery"

	SeverityMinor = "minor"
	SeverityMajor = "major"
	SeverityTotal = "total"
)

// DamageReport is the payload of a "damage_report" op. Photos are SHA-256
// digests of blobs that may arrive after the op.
type DamageReport struct {
	Waybill     string   `json:"waybill"`
	Stage       string   `json:"stage"`
	Severity    string   `json:"severity"`
	Description string   `json:"description"`
	Photos      []string `json:"photos"`
}

// COD payment methods.
const (
	MethodCash         = "cash"
	MethodQR           = "qr"
	MethodCard         = "card"
	MethodBankTransfer = "bank_transfer"
)

// CODReceipt is the payload of a "cod_receipt" op. Currency defaults to CNY.
type CODReceipt struct {
	Waybill     string `json:"waybill"`
	ReceiptNo   string `json:"receipt_no"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency,omitempty"`
	Method      string `json:"method"`
}

// Complaint categories.
const (
	CategoryDelay    = "delay"
	CategoryLoss     = "loss"
	CategoryDamage   = "damage"
	CategoryShortage = "shortage"
	CategoryAttitude = "attitude"
	CategoryOther    = "other"
)

// Complaint is the payload of a "complaint" op.
type Complaint struct {
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Customer    Customer `json:"customer"`
	ReceivedAt  string   `json:"received_at"`
	Waybill     string   `json:"waybill,omitempty"`
}

// Callback results.
const (
	ResultReached     = "reached"
	ResultNoAnswer    = "no_answer"
	ResultWrongNumber = "wrong_number"
	ResultRefused     = "refused"
)

// CallbackOutcome is the payload of a "callback_outcome" op.
type CallbackOutcome struct {
	TaskID       string `json:"task_id"`
	Result       string `json:"result"`
	Resolved     *bool  `json:"resolved"`
	Satisfaction *int   `json:"satisfaction,omitempty"`
	Note         string `json:"note"`
}

// Vehicle log types.
const (
	LogInspection = "inspection"
	LogService    = "service"
	LogRepair     = "repair"
	LogOdometer   = "odometer"
	LogFuel       = "fuel"
)

// InspectionItem is one line of an inspection checklist.
type InspectionItem struct {
	Item string `json:"item"`
	OK   *bool  `json:"ok"`
	Note string `json:"note,omitempty"`
}

// VehicleLog is the payload of a "vehicle_log" op.
type VehicleLog struct {
	VehicleID  string           `json:"vehicle_id"`
	Type       string           `json:"type"`
	OdometerKM *int64           `json:"odometer_km"`
	Items      []InspectionItem `json:"items,omitempty"`
	Photos     []string         `json:"photos,omitempty"`
	Note       string           `json:"note,omitempty"`
}
