package server

import "time"

// Settings are the business rules that contracts and regions set
// differently (DOMAIN.md gives the defaults).
type Settings struct {
	// Location is the company time zone: month boundaries and calendar
	// deadlines fall in it.
	Location *time.Location
	// ComplaintDue is how long after received_at a complaint must be
	// handled and the customer told; ComplaintAtRisk is when it turns
	// "at risk".
	ComplaintDue    time.Duration
	ComplaintAtRisk time.Duration
	// CODDueMonths is how many calendar months after collection a COD
	// receipt must be settled to the sender.
	CODDueMonths int
	// CODRetention is how long ledger rows are kept at least: nothing
	// younger may be purged, edited or deleted.
	CODRetention time.Duration
	// ServiceDueWithin and ServiceDueWithinKM make a vehicle "needs
	// attention" before its service falls due.
	ServiceDueWithin   time.Duration
	ServiceDueWithinKM int64
	// PIIRetention is how long customer personal data is kept after a
	// parcel's last event.
	PIIRetention time.Duration
	// RevealTTL is how long a revealed phone number is valid on the
	// device; RevealsPerHour caps reveals per courier.
	RevealTTL      time.Duration
	RevealsPerHour int
	// CallbackDue is the default due time of a callback task that names
	// none.
	CallbackDue time.Duration
	// VehicleStatusWindow is how long after their last log of a vehicle a
	// courier is sent its vehicle_status changes (0: 30 days).
	VehicleStatusWindow time.Duration
	// Claims is the claim rule set (caps, multiples, windows, deadlines).
	Claims ClaimRules
	// InspectionItems is how many items per courier a monthly inspection
	// samples.
	InspectionItems int
}

// DefaultSettings returns the defaults of DOMAIN.md, in Asia/Shanghai.
func DefaultSettings() Settings {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return Settings{
		Location:            loc,
		ComplaintDue:        7 * 24 * time.Hour,
		ComplaintAtRisk:     5 * 24 * time.Hour,
		CODDueMonths:        1,
		CODRetention:        365 * 24 * time.Hour,
		ServiceDueWithin:    7 * 24 * time.Hour,
		ServiceDueWithinKM:  500,
		PIIRetention:        180 * 24 * time.Hour,
		RevealTTL:           10 * time.Minute,
		RevealsPerHour:      30,
		CallbackDue:         24 * time.Hour,
		VehicleStatusWindow: DefaultVehicleStatusWindow,
		Claims:              DefaultClaimRules(),
		InspectionItems:     5,
	}
}
