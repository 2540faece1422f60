package bolt

import (
	"bytes"
	"encoding/base64"

	bbolt "go.etcd.io/bbolt"
)

// mergeScan walks the parts of b whose keys start with one of prefixes (one
// byte each) as one sequence ordered by the rest of the key, starting at
// the first rest ≥ from (> from when after is set). It is how a list over
// several states (custody states, complaint statuses) comes out in one
// order: each state's keys are already sorted, so this is a k-way merge.
// fn returns false to stop.
func mergeScan(b *bbolt.Bucket, prefixes []byte, from []byte, after bool, fn func(k, v []byte) (bool, error)) error {
	type head struct {
		c    *bbolt.Cursor
		p    byte
		k, v []byte
	}
	heads := make([]*head, 0, len(prefixes))
	for _, p := range prefixes {
		h := &head{c: b.Cursor(), p: p}
		h.k, h.v = h.c.Seek(append([]byte{p}, from...))
		if after && h.k != nil && h.k[0] == p && bytes.Equal(h.k[1:], from) {
			h.k, h.v = h.c.Next()
		}
		heads = append(heads, h)
	}
	for {
		var min *head
		for _, h := range heads {
			if h.k == nil || h.k[0] != h.p {
				continue
			}
			if min == nil || bytes.Compare(h.k[1:], min.k[1:]) < 0 {
				min = h
			}
		}
		if min == nil {
			return nil
		}
		more, err := fn(min.k, min.v)
		if err != nil || !more {
			return err
		}
		min.k, min.v = min.c.Next()
	}
}

// encodePos and decodePos turn a list position (the part of an index key
// after its prefix byte) into an opaque cursor and back.
func encodePos(pos []byte) string { return base64.RawURLEncoding.EncodeToString(pos) }

func decodePos(s string, n int) ([]byte, bool) {
	if s == "" {
		return nil, true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil && len(b) == n
}
