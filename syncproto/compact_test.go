package syncproto

import (
	"bytes"
	"encoding/json"
	"testing"
)

// LooseJSON says "compact already" exactly when json.Compact would keep
// the text as it is.
func TestLooseJSONAgreesWithCompact(t *testing.T) {
	for _, s := range []string{
		`{"a":1}`, `{"a": 1}`, "{\"a\":\n1}", `{"name":"Maria Rossi"}`, `{"s":"a\"b c"}`, `{"s":"a\\"," b":1}`,
		`{"s":"a\\\" b"}`, `[1,2 ,3]`, `"x y"`, `{"t":"\t"}`, `{"a":[{"b":"c d"}],"e":null}`, "\t{}", `{"u":"王芳 1"}`,
	} {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(s)); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got, want := LooseJSON([]byte(s)), buf.String() != s; got != want {
			t.Errorf("LooseJSON(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzLooseJSON(f *testing.F) {
	f.Add([]byte(`{"a": "b c"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var buf bytes.Buffer
		if json.Compact(&buf, b) != nil {
			return
		}
		if got, want := LooseJSON(b), !bytes.Equal(buf.Bytes(), b); got != want {
			t.Fatalf("LooseJSON(%q) = %v, json.Compact changes it: %v", b, got, want)
		}
	})
}
