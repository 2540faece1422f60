package server

import (
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestNewCallbackChecks(t *testing.T) {
	now := cT0
	def := 24 * time.Hour
	ok := func() NewCallback {
		return NewCallback{CourierID: "u7", Waybill: "WB-000001", Reason: "call about the delay",
			Customer: syncproto.Customer{Name: "张伟", Phone: "13812345678"}}
	}
	tests := []struct {
		name string
		edit func(r *NewCallback)
		code syncproto.Code
		due  time.Time
	}{
		{"valid, default due", func(r *NewCallback) {}, "", now.Add(def)},
		{"due given", func(r *NewCallback) { r.DueBy = now.Add(2 * time.Hour).Format(time.RFC3339) }, "", now.Add(2 * time.Hour)},
		{"from a complaint, nothing typed", func(r *NewCallback) { r.ComplaintID, r.Waybill, r.Customer = "cp-1", "", syncproto.Customer{} }, "", now.Add(def)},
		{"no courier", func(r *NewCallback) { r.CourierID = "" }, syncproto.CodeInvalidRequest, time.Time{}},
		{"courier too long", func(r *NewCallback) { r.CourierID = strings.Repeat("u", 65) }, syncproto.CodeInvalidRequest, time.Time{}},
		{"no waybill, no complaint", func(r *NewCallback) { r.Waybill = "" }, syncproto.CodeInvalidRequest, time.Time{}},
		{"bad waybill with a complaint", func(r *NewCallback) { r.Waybill, r.ComplaintID = "WB", "cp-1" }, syncproto.CodeInvalidRequest, time.Time{}},
		{"no reason", func(r *NewCallback) { r.Reason = " " }, syncproto.CodeInvalidRequest, time.Time{}},
		{"reason too long", func(r *NewCallback) { r.Reason = strings.Repeat("字", MaxReasonRunes+1) }, syncproto.CodeInvalidRequest, time.Time{}},
		{"bad complaint id", func(r *NewCallback) { r.ComplaintID = "cp 1" }, syncproto.CodeInvalidRequest, time.Time{}},
		{"no name", func(r *NewCallback) { r.Customer.Name = "" }, syncproto.CodeInvalidRequest, time.Time{}},
		{"bad phone", func(r *NewCallback) { r.Customer.Phone = "12" }, syncproto.CodeInvalidRequest, time.Time{}},
		{"due not a time", func(r *NewCallback) { r.DueBy = "tomorrow" }, syncproto.CodeInvalidRequest, time.Time{}},
		{"due in the past", func(r *NewCallback) { r.DueBy = now.Format(time.RFC3339) }, syncproto.CodeUnprocessable, time.Time{}},
		{"due beyond a year", func(r *NewCallback) { r.DueBy = now.Add(MaxCallbackAhead + time.Hour).Format(time.RFC3339) }, syncproto.CodeUnprocessable, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.edit(&r)
			due, err := r.Check(now, def)
			if codeOf(err) != tt.code || (tt.code == "" && (err != nil || !due.Equal(tt.due))) {
				t.Fatalf("due %v err %v, want %v %q", due, err, tt.due, tt.code)
			}
		})
	}
}

func TestCallbackPatchKinds(t *testing.T) {
	one := int64(1)
	tests := []struct {
		p    CallbackPatch
		kind string
	}{
		{CallbackPatch{Version: &one, Status: TaskCancelled}, PatchCancel},
		{CallbackPatch{Version: &one, CourierID: "u8"}, PatchReassign},
		{CallbackPatch{Version: &one, Reviewed: true}, PatchReview},
		{CallbackPatch{Status: TaskCancelled}, ""},
		{CallbackPatch{Version: &one, Status: TaskDone}, ""},
		{CallbackPatch{Version: &one}, ""},
		{CallbackPatch{Version: &one, CourierID: "u8", Reviewed: true}, ""},
	}
	for i, tt := range tests {
		kind, err := tt.p.Kind()
		if kind != tt.kind || (tt.kind == "") != (codeOf(err) == syncproto.CodeInvalidRequest) {
			t.Fatalf("%d: kind %q err %v, want %q", i, kind, err, tt.kind)
		}
	}
	if ValidRecordID("") || ValidRecordID(strings.Repeat("a", MaxTaskIDLen+1)) || ValidRecordID("cb/1") || !ValidRecordID("cb-1_A") {
		t.Fatal("ValidRecordID")
	}
}
