package photo

import (
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzSniff checks that Sniff and Orientation never panic, that Sniff
// answers with one of its errors or a sane Info, and that an image it
// accepts stays within the limits.
func FuzzSniff(f *testing.F) {
	f.Add(photoJPEG(f, 40, 30, 6, binary.BigEndian))
	f.Add(photoJPEG(f, 30, 40, 3, binary.LittleEndian))
	f.Add(encodePNG(f, upright(20, 10)))
	f.Add(pngClaiming(60000, 60000))
	f.Add(jpegClaiming(f, 60000, 60000))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := Orientation(data); o < 1 || o > 8 {
			t.Fatalf("Orientation = %d", o)
		}
		info, err := Sniff(data)
		if err != nil {
			for _, known := range []error{ErrUnsupportedFormat, ErrTooManyPixels, ErrCorrupt, ErrNeedMore} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("Sniff returned an unclassified error: %v", err)
		}
		if info.Format != "jpeg" && info.Format != "png" || info.ContentType != "image/"+info.Format {
			t.Fatalf("Sniff = %+v", info)
		}
		if info.Width < 1 || info.Height < 1 || int64(info.Width)*int64(info.Height) > MaxPixels || info.DecodeBytes < 0 {
			t.Fatalf("Sniff accepted %+v", info)
		}
	})
}
