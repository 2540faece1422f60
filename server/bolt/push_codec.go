package bolt

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The compact encodings of the intake path (schema 2) are built from a few
// parts: unsigned and signed varints, length-prefixed byte strings, and
// times as Unix seconds and nanoseconds plus the zone offset in seconds, so a time
// reads back as the same instant rendered with the same offset. A value
// starts with a format byte that is never the first byte of JSON.

// errShort is a compact value that ends early or carries trailing bytes.
var errShort = errors.New("bolt: malformed compact record")

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendTime encodes t; the zero time is one byte.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	_, off := t.Zone()
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

func appendTimePtr(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, 0)
	}
	if t.IsZero() {
		return append(b, 2)
	}
	return appendTime(b, *t)
}

// reader decodes a compact value; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail() { r.err, r.b = errShort, nil }

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes returns the next length-prefixed bytes, aliasing the value: copy
// them before the transaction ends.
func (r *reader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) str() string { return string(r.bytes()) }

func (r *reader) fixed(n int) []byte {
	if len(r.b) < n {
		r.fail()
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) time() time.Time {
	switch r.byte() {
	case 0:
		return time.Time{}
	case 1:
		sec, ns, off := r.varint(), r.uvarint(), r.varint()
		if ns >= 1e9 {
			r.fail()
			return time.Time{}
		}
		t := time.Unix(sec, int64(ns))
		if off == 0 {
			return t.UTC()
		}
		return t.In(time.FixedZone("", int(off)))
	}
	r.fail()
	return time.Time{}
}

func (r *reader) timePtr() *time.Time {
	if len(r.b) > 0 && r.b[0] == 2 {
		r.b = r.b[1:]
		return new(time.Time)
	}
	if len(r.b) > 0 && r.b[0] == 0 {
		r.b = r.b[1:]
		return nil
	}
	t := r.time()
	return &t
}

// end reports the first error, or errShort when bytes are left over.
func (r *reader) end() error {
	if r.err == nil && len(r.b) != 0 {
		return errShort
	}
	return r.err
}

// appendEnum encodes s as its index in table plus one, or 0 and s itself
// when the table lacks it.
func appendEnum(b []byte, table []string, s string) []byte {
	for i, t := range table {
		if t == s {
			return append(b, byte(i+1))
		}
	}
	return appendStr(append(b, 0), s)
}

func (r *reader) enum(table []string) string {
	i := int(r.byte())
	if i == 0 {
		return r.str()
	}
	if i > len(table) {
		r.fail()
		return ""
	}
	return table[i-1]
}

func appendStrs(b []byte, list []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, s := range list {
		b = appendStr(b, s)
	}
	return b
}

func (r *reader) strs() []string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

// partyFormat is the first byte of a compact sealed party; schema 1
// sealed the party's JSON (which starts with '{').
const partyFormat byte = 0xB2

// partyPlain is what sealParty seals: name, phone and address, compact.
func partyPlain(p syncproto.Party) []byte {
	b := make([]byte, 0, 4+len(p.Name)+len(p.Phone)+len(p.Address))
	b = append(b, partyFormat)
	return appendStr(appendStr(appendStr(b, p.Name), p.Phone), p.Address)
}

// readPartyPlain reads an opened party, compact or JSON.
func readPartyPlain(plain []byte) (syncproto.Party, error) {
	var p syncproto.Party
	if len(plain) == 0 || plain[0] != partyFormat {
		return p, json.Unmarshal(plain, &p)
	}
	r := reader{b: plain[1:]}
	p.Name, p.Phone, p.Address = r.str(), r.str(), r.str()
	return p, r.end()
}
