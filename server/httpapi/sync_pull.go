package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/courier-sync/courier-sync/syncproto"
)

// appendPull encodes a pull answer as encoding/json would, byte for byte,
// without re-validating each change's data: the store wrote that data
// with json.Marshal, so it is compact and HTML-escaped already, and is
// copied as it is (data that is not falls back to encoding/json). A pull
// of 500 changes spent most of its time compacting the data again.
func appendPull(b []byte, r *syncproto.PullResponse) ([]byte, error) {
	if r.Changes == nil {
		b = append(b, `{"changes":null`...)
	} else {
		b = append(b, `{"changes":[`...)
		for i := range r.Changes {
			ch := &r.Changes[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, ch.ID)
			b = append(b, `,"type":`...)
			b = appendJSONString(b, ch.Type)
			b = append(b, `,"data":`...)
			var err error
			if b, err = appendRawJSON(b, ch.Data); err != nil {
				return nil, err
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"cursor":`...)
	b = appendJSONString(b, r.Cursor)
	b = append(b, `,"has_more":`...)
	b = strconv.AppendBool(b, r.HasMore)
	return append(b, '}'), nil
}

// pullSize is the length of r's answer when nothing in it needs escaping
// (the usual case), so the answer is built in one allocation.
func pullSize(r *syncproto.PullResponse) int {
	n := 64 + len(r.Cursor)
	for i := range r.Changes {
		n += 32 + len(r.Changes[i].ID) + len(r.Changes[i].Type) + len(r.Changes[i].Data)
	}
	return n
}

// appendJSONString quotes s; strings of plain ASCII are copied, anything
// else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// needsHTMLEscape reports whether raw holds what encoding/json escapes in
// HTML-safe output: <, >, & and the line and paragraph separators
// (U+2028, U+2029: E2 80 A8, E2 80 A9). Each byte is looked for with
// bytes.IndexByte, which is many times faster than a loop over a page.
func needsHTMLEscape(raw []byte) bool {
	if bytes.IndexByte(raw, '<') >= 0 || bytes.IndexByte(raw, '>') >= 0 || bytes.IndexByte(raw, '&') >= 0 {
		return true
	}
	for i := bytes.IndexByte(raw, 0xE2); i >= 0 && i+2 < len(raw); {
		if raw[i+1] == 0x80 && (raw[i+2] == 0xA8 || raw[i+2] == 0xA9) {
			return true
		}
		j := bytes.IndexByte(raw[i+1:], 0xE2)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// appendRawJSON appends raw as json.Marshal of a json.RawMessage would.
func appendRawJSON(b []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return append(b, "null"...), nil
	}
	if syncproto.LooseJSON(raw) || needsHTMLEscape(raw) {
		q, err := json.Marshal(raw)
		return append(b, q...), err
	}
	return append(b, raw...), nil
}
