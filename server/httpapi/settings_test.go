package httpapi_test

import (
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestAdminReadsTheSettingsInForce(t *testing.T) {
	h := newHarness(t)
	admin := h.user(t, "root", syncproto.RoleAdmin)
	var s server.SettingsView
	h.do(t, "GET", "/v1/admin/settings", admin.access, nil).decode(t, 200, &s)
	if s.TimeZone != "Asia/Shanghai" || s.ComplaintDueHours != 7*24 || s.CODDueMonths != 1 || s.AccessTokenTTLMinutes != 15 || s.SessionTTLDays != 30 {
		t.Fatalf("settings = %s", show(s))
	}
}
