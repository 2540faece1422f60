package httpapi

import (
	"strconv"
	"testing"
)

// FuzzUploadRange checks the parsing of a PATCH's Upload-Offset,
// Upload-Length and Content-Length: it never panics, and what it accepts
// is canonical decimal with the chunk inside the upload.
func FuzzUploadRange(f *testing.F) {
	f.Add("0", "10", int64(10))
	f.Add("5", "10", int64(6))
	f.Add("+5", "10", int64(-1))
	f.Add("-1", "10", int64(-2))
	f.Add("9223372036854775807", "9223372036854775807", int64(1))
	f.Add("0x10", "20", int64(0))
	f.Add(" 1", "2", int64(1))
	f.Fuzz(func(t *testing.T, off, length string, cl int64) {
		offset, total, err := uploadRange(off, length, cl)
		if err != nil {
			return
		}
		if strconv.FormatInt(offset, 10) != trimZeros(off) || strconv.FormatInt(total, 10) != trimZeros(length) {
			t.Fatalf("accepted %q/%q as %d/%d", off, length, offset, total)
		}
		if offset < 0 || total <= 0 || offset > total || cl > total-offset {
			t.Fatalf("accepted offset %d total %d content-length %d", offset, total, cl)
		}
	})
}

// trimZeros drops leading zeros ("007" is 7), keeping one digit.
func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
