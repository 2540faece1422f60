package server

import (
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestNewComplaintChecks(t *testing.T) {
	now := cT0
	ok := func() NewComplaint {
		return NewComplaint{Category: "damage", Description: "box crushed", Channel: ChannelPhone,
			Customer: syncproto.Customer{Name: "张伟", Phone: "13812345678"}, ReceivedAt: now.Add(-time.Hour).Format(time.RFC3339)}
	}
	tests := []struct {
		name   string
		edit   func(r *NewComplaint)
		reject bool
	}{
		{"valid", func(r *NewComplaint) {}, false},
		{"every channel: wechat", func(r *NewComplaint) { r.Channel = ChannelWeChat }, false},
		{"a courier named", func(r *NewComplaint) { r.CourierID = "u7" }, false},
		{"a waybill", func(r *NewComplaint) { r.Waybill = "WB-000001" }, false},
		{"within the skew", func(r *NewComplaint) { r.ReceivedAt = now.Add(time.Minute).Format(time.RFC3339) }, false},
		{"no channel", func(r *NewComplaint) { r.Channel = "" }, true},
		{"unknown channel", func(r *NewComplaint) { r.Channel = "fax" }, true},
		{"courier id not an id", func(r *NewComplaint) { r.CourierID = "u 7" }, true},
		{"courier id too long", func(r *NewComplaint) { r.CourierID = strings.Repeat("u", 65) }, true},
		{"no received_at", func(r *NewComplaint) { r.ReceivedAt = "" }, true},
		{"received_at in the future", func(r *NewComplaint) { r.ReceivedAt = now.Add(time.Hour).Format(time.RFC3339) }, true},
		{"no category", func(r *NewComplaint) { r.Category = "" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.edit(&r)
			p, received, err := r.Check(now, 5*time.Minute)
			if tt.reject {
				if codeOf(err) != syncproto.CodeInvalidRequest {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || p.Category != r.Category || p.Waybill != r.Waybill || received.IsZero() {
				t.Fatalf("payload %+v, received %v, err %v", p, received, err)
			}
		})
	}
}

func TestComplaintTransitionAndFilterChecks(t *testing.T) {
	for _, to := range ComplaintStatuses {
		if err := (&ComplaintTransition{To: to, Note: "ok"}).Check(); err != nil {
			t.Fatalf("%s: %v", to, err)
		}
	}
	bad := []ComplaintTransition{{To: ""}, {To: "reopened"}, {To: ComplaintClosed, Note: strings.Repeat("字", syncproto.MaxTextRunes+1)},
		{To: ComplaintClosed, Note: "\xff"}}
	for _, r := range bad {
		if codeOf(r.Check()) != syncproto.CodeInvalidRequest {
			t.Fatalf("accepted %q", r.To)
		}
	}
	good := []ComplaintFilter{{}, {Status: ComplaintClosed}, {Overdue: true}, {AtRisk: true, Status: ComplaintHandled}}
	for _, f := range good {
		if err := f.Check(); err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
	}
	for _, f := range []ComplaintFilter{{Status: "open"}, {Overdue: true, Status: ComplaintClosed}, {AtRisk: true, Status: ComplaintClosed}} {
		if codeOf(f.Check()) != syncproto.CodeInvalidRequest {
			t.Fatalf("accepted %+v", f)
		}
	}
}
