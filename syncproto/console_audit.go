package syncproto

import "time"

// AuditEvent is one entry of the audit trail: a state change, or a read of
// unmasked personal data. It names records by id, never by their contents.
type AuditEvent struct {
	Actor    string    `json:"actor"`
	Role     string    `json:"role"`
	Action   string    `json:"action"`
	Object   string    `json:"object"`
	At       time.Time `json:"at"`
	DeviceID string    `json:"device_id,omitempty"`
	IP       string    `json:"ip,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// EventList is a page of audit events.
type EventList struct {
	Events  []AuditEvent `json:"events"`
	Cursor  string       `json:"cursor"`
	HasMore bool         `json:"has_more"`
}

// PhotoState is one photo of a record and whether its blob has arrived.
type PhotoState struct {
	SHA256 string `json:"sha256"`
	State  string `json:"state"`
}

// DamageReportView is the dispatcher's view of a damage report: which evidence
// has arrived ("stored"), is missing or processing ("pending"), or could not
// be processed ("unprocessable").
type DamageReportView struct {
	ReportID      string       `json:"report_id"`
	Waybill       string       `json:"waybill"`
	CourierID     string       `json:"courier_id"`
	Stage         string       `json:"stage"`
	Severity      string       `json:"severity"`
	Description   string       `json:"description"`
	Photos        []PhotoState `json:"photos"`
	PhotosPending bool         `json:"photos_pending"`
	RecordedAt    time.Time    `json:"recorded_at"`
	// RecordedAtCorrected is recorded_at corrected by the device's
	// measured clock skew, when its push carried sent_at.
	RecordedAtCorrected *time.Time `json:"recorded_at_corrected,omitempty"`
}

// DamageReportList is a page of damage reports.
type DamageReportList struct {
	Reports []DamageReportView `json:"reports"`
	Cursor  string             `json:"cursor"`
	HasMore bool               `json:"has_more"`
}

// FreeText is the full free text of one record.
type FreeText struct {
	Object string     `json:"object"`
	Text   string     `json:"text"`
	Notes  []TextNote `json:"notes"`
}

// TextNote is one note of a record's history: a complaint's transition
// note or a callback attempt's outcome note.
type TextNote struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Note string    `json:"note"`
}

// ParcelPickup is the masked view of a parcel's pickup: who and what, never
// a name, phone or address in clear.
type ParcelPickup struct {
	Ref                string    `json:"ref"`
	CourierID          string    `json:"courier_id"`
	RecordedAt         time.Time `json:"recorded_at"`
	Sender             Contact   `json:"sender"`
	Recipient          Contact   `json:"recipient"`
	WeightG            int64     `json:"weight_g"`
	DeclaredValueCents int64     `json:"declared_value_cents"`
	Insured            bool      `json:"insured"`
	InsuredValueCents  int64     `json:"insured_value_cents,omitempty"`
	CODAmountCents     int64     `json:"cod_amount_cents"`
	FreightCents       *int64    `json:"freight_cents,omitempty"`
}

// ParcelEvent is one event of a parcel's timeline. Summary is built from
// codes and amounts, never from free text or personal data; State,
// AmountCents and Photos carry what a console shows beside it.
type ParcelEvent struct {
	At          time.Time    `json:"at"`
	Type        string       `json:"type"`
	Actor       string       `json:"actor"`
	Object      string       `json:"object"`
	Summary     string       `json:"summary"`
	State       string       `json:"state,omitempty"`
	AmountCents *int64       `json:"amount_cents,omitempty"`
	Photos      []PhotoState `json:"photos,omitempty"`
}

// Parcel is the body of GET /v1/parcels/{waybill}.
type Parcel struct {
	Waybill string        `json:"waybill"`
	Pickup  *ParcelPickup `json:"pickup,omitempty"`
	Events  []ParcelEvent `json:"events"`
}

// SettingsView is the body of GET /v1/admin/settings: the business rules
// in force, durations in whole hours (or minutes where they are short).
type SettingsView struct {
	TimeZone              string `json:"time_zone"`
	ComplaintDueHours     int64  `json:"complaint_due_hours"`
	ComplaintAtRiskHours  int64  `json:"complaint_at_risk_hours"`
	CODDueMonths          int    `json:"cod_due_months"`
	CODRetentionDays      int64  `json:"cod_retention_days"`
	ServiceDueWithinDays  int64  `json:"service_due_within_days"`
	ServiceDueWithinKM    int64  `json:"service_due_within_km"`
	PIIRetentionDays      int64  `json:"pii_retention_days"`
	RevealTTLMinutes      int64  `json:"reveal_ttl_minutes"`
	RevealsPerHour        int    `json:"reveals_per_hour"`
	CallbackDueHours      int64  `json:"callback_due_hours"`
	AccessTokenTTLMinutes int64  `json:"access_token_ttl_minutes,omitempty"`
	SessionTTLDays        int64  `json:"session_ttl_days,omitempty"`
}
