package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The hand-made pull answer is the bytes encoding/json makes, for the
// data the store keeps and for data it never should (loose, HTML, odd
// strings), which fall back to encoding/json.
func TestPullAnswerIsWhatEncodingJSONWrites(t *testing.T) {
	for _, r := range []*syncproto.PullResponse{
		{Changes: []syncproto.Change{}, Cursor: "AAAA-_", HasMore: false},
		{Changes: nil, Cursor: ""},
		{Changes: []syncproto.Change{
			{ID: "1", Type: syncproto.ChangeConfig, Data: json.RawMessage(`{"photo_max_pixels":0,"jpeg_quality":80}`)},
			{ID: "2", Type: "callback_task", Data: json.RawMessage(`{"reason":"a \"b\" <c> & d","name":"王*","x":"\u2028"}`)},
			{ID: "3", Type: "t", Data: json.RawMessage(`{"a": [1, 2], "b" : "c d"}`)},
			{ID: "4", Type: "t<>", Data: nil},
			{ID: "5\u2028", Type: "é", Data: json.RawMessage("[\n]")},
			{ID: "6", Type: "t", Data: json.RawMessage(`{"reason":"line\u2028sep"}`)},
			{ID: "7", Type: "t", Data: json.RawMessage("{\"reason\":\"line\u2028sep\u2029end\"}")},
		}, Cursor: "c", HasMore: true},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendPull(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	}
	if _, err := appendPull(nil, &syncproto.PullResponse{Changes: []syncproto.Change{{ID: "1", Data: json.RawMessage(`{"a": tru}`)}}}); err == nil {
		t.Fatal("loose data that is not JSON encoded without an error")
	}
}

func BenchmarkPullAnswer500(b *testing.B) {
	task := json.RawMessage(`{"task_id":"cb-000001","waybill":"SF1234567890","reason":"customer asked for a call","status":"open","contact":{"name_masked":"张*","phone_masked":"138****5678"},"version":1}`)
	r := &syncproto.PullResponse{Cursor: "AAAAAAAAAAAAAAAAAAAAAAAAAA", HasMore: true}
	for i := range 500 {
		r.Changes = append(r.Changes, syncproto.Change{ID: string(rune('0' + i%10)), Type: "callback_task", Data: task})
	}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(r)
		}
		b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "changes/s")
	})
	b.Run("appendPull", func(b *testing.B) {
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf, _ = appendPull(buf[:0], r)
		}
		b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "changes/s")
	})
}
