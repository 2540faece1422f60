package stack_test

import "testing"

// The personal-data scan of the logs must find every leak and nothing
// else: a scan that fires on a timestamp fails a clean run by chance.
func TestPersonalDataScanIsExact(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		leak bool
	}{
		{"a nanosecond timestamp holding the last four digits is not a leak",
			`{"time":"2026-12-06T04:53:05.123456789+08:00","level":"INFO","msg":"push"}`, false},
		{"an id or a duration holding them is not a leak",
			`{"msg":"push","task_id":"cb-0193f5678abc","dur_ns":15678,"waybill":"SF1234567890"}`, false},
		{"the full phone number is a leak", `{"msg":"x","phone":"13812345678"}`, true},
		{"the phone inside a sentence is a leak", `{"msg":"called 13812345678 twice"}`, true},
		{"the masked phone is a leak", `{"msg":"x","to":"138****5678"}`, true},
		{"the last four alone are a leak", `{"msg":"x","last4":"5678"}`, true},
		{"the last four after a mask are a leak", `{"msg":"ends ***5678"}`, true},
		{"the name as a key is a leak", `{"张伟":1}`, true},
		{"the address in a nested value is a leak", `{"a":{"b":["上海市浦东新区世纪大道 100 号"]}}`, true},
		{"a leak in the second log line is found", "{\"msg\":\"ok\"}\n{\"msg\":\"李四\"}\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			strs, err := jsonStrings([]byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := personalValueIn(strs); (v != "") != c.leak {
				t.Fatalf("found %q, want a leak: %v", v, c.leak)
			}
		})
	}
}
