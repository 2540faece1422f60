package server

import (
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// SettingsView is the body of GET /v1/admin/settings: the business rules
// in force, durations in whole hours (or minutes where they are short).
type SettingsView = syncproto.SettingsView

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
