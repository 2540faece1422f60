package syncproto

// LooseJSON reports whether raw JSON text holds whitespace outside its
// strings, that is whether json.Compact would change it. It does not
// validate: text that is not JSON may report false. The push path uses it
// to skip compacting payloads that are compact already (as every client
// library sends them); the pull path to copy stored change data verbatim.
func LooseJSON(b []byte) bool {
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return true
		}
	}
	return false
}
