package syncproto

import "bytes"

// LooseJSON reports whether raw JSON text holds whitespace outside its
// strings, that is whether json.Compact would change it. It does not
// validate: text that is not JSON may report false. The push path uses it
// to skip compacting payloads that are compact already (as every client
// library sends them); the pull path to copy stored change data verbatim.
//
// Strings, most of the bytes of a payload (names, addresses), are skipped
// with bytes.IndexByte rather than read a byte at a time.
func LooseJSON(b []byte) bool {
	for {
		q := bytes.IndexByte(b, '"')
		between := b
		if q >= 0 {
			between = b[:q]
		}
		for _, c := range between {
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				return true
			}
		}
		if q < 0 {
			return false
		}
		if b = afterString(b[q+1:]); b == nil {
			return false // an unterminated string: not JSON
		}
	}
}

// afterString returns what follows the string whose text (after its
// opening quote) starts b, or nil when the string does not end.
func afterString(b []byte) []byte {
	for {
		e := bytes.IndexByte(b, '"')
		if e < 0 {
			return nil
		}
		backslashes := 0
		for k := e - 1; k >= 0 && b[k] == '\\'; k-- {
			backslashes++
		}
		b = b[e+1:]
		if backslashes%2 == 0 {
			return b
		}
	}
}
