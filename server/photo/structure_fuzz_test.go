package photo

import (
	"bytes"
	"errors"
	"testing"

	"github.com/courier-sync/courier-sync/server/photo/phototest"
)

// FuzzCheckStructure walks arbitrary bytes as a whole upload: it never
// panics, never reports more than MaxScans scans for an accepted JPEG, and
// a file it accepts stays accepted with nothing appended but is refused
// with ErrTrailingData once a byte is.
func FuzzCheckStructure(f *testing.F) {
	f.Add(smallJPEG(f))
	f.Add(phototest.PNGBomb(8, 8, true))
	f.Add(phototest.ScanBomb(16, 16, 3))
	f.Add([]byte("\xff\xd8\xff\xda\x00\x02\xff\x00\xff\xd9"))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xaeB`\x82"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := CheckStructure(bytes.NewReader(b))
		if err != nil {
			return
		}
		if s.Format == "jpeg" && s.Scans > MaxScans {
			t.Fatalf("accepted %d scans", s.Scans)
		}
		if _, err := CheckStructure(bytes.NewReader(append(bytes.Clone(b), 0))); !errors.Is(err, ErrTrailingData) {
			t.Fatalf("a byte after an accepted image: %v, want ErrTrailingData", err)
		}
	})
}
