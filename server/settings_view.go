package server

import "time"

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

// View returns the settings as an admin reads them.
func (s Settings) View() SettingsView {
	const day = 24 * time.Hour
	v := SettingsView{
		ComplaintDueHours:    int64(s.ComplaintDue / time.Hour),
		ComplaintAtRiskHours: int64(s.ComplaintAtRisk / time.Hour),
		CODDueMonths:         s.CODDueMonths,
		CODRetentionDays:     int64(s.CODRetention / day),
		ServiceDueWithinDays: int64(s.ServiceDueWithin / day),
		ServiceDueWithinKM:   s.ServiceDueWithinKM,
		PIIRetentionDays:     int64(s.PIIRetention / day),
		RevealTTLMinutes:     int64(s.RevealTTL / time.Minute),
		RevealsPerHour:       s.RevealsPerHour,
		CallbackDueHours:     int64(s.CallbackDue / time.Hour),
	}
	if s.Location != nil {
		v.TimeZone = s.Location.String()
	}
	return v
}
