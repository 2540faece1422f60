package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/color"
	"image/jpeg"
	"testing"
)

func TestOrientationReadsTheEXIFTag(t *testing.T) {
	plain := encodeJPEG(t, upright(16, 16), 80)
	xmp := segment(0xe1, 40, 'x') // an APP1 that is not EXIF comes first
	copy(xmp[4:], "http://ns.adobe.com/xap/1.0/\x00")
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"a JPEG without EXIF is upright", plain, 1},
		{"EXIF without an Orientation tag is upright", spliceAfterSOI(plain, exifAPP1(t, 0, binary.BigEndian)), 1},
		{"an out-of-range value is upright", spliceAfterSOI(plain, exifAPP1(t, 9, binary.LittleEndian)), 1},
		{"big-endian EXIF is read", spliceAfterSOI(plain, exifAPP1(t, 6, binary.BigEndian)), 6},
		{"little-endian EXIF is read", spliceAfterSOI(plain, exifAPP1(t, 8, binary.LittleEndian)), 8},
		{"EXIF after a JFIF segment is read", spliceAfterSOI(plain, segment(0xe0, 14, 0), exifAPP1(t, 3, binary.BigEndian)), 3},
		{"EXIF after an XMP APP1 segment is read", spliceAfterSOI(plain, xmp, exifAPP1(t, 5, binary.BigEndian)), 5},
		{"EXIF after fill bytes is read", spliceAfterSOI(plain, []byte{0xff, 0xff}, exifAPP1(t, 7, binary.BigEndian)), 7},
		{"EXIF after the first scan is ignored", append(plain[:len(plain)-2:len(plain)-2], exifAPP1(t, 6, binary.BigEndian)...), 1},
		{"a PNG is upright", encodePNG(t, upright(4, 4)), 1},
		{"nothing is upright", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Orientation(tt.data); got != tt.want {
				t.Errorf("Orientation = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestOrientationOfATruncatedHeaderNeverPanics(t *testing.T) {
	data := photoJPEG(t, 32, 16, 6, binary.BigEndian)
	for n := range len(data) {
		o := Orientation(data[:n])
		if o < 1 || o > 8 {
			t.Fatalf("Orientation(first %d bytes) = %d", n, o)
		}
	}
}

// TestProcessTurnsEveryOrientationUpright stores the same upright picture
// with each of the eight EXIF orientations and checks that the display copy
// and thumbnail come out upright: the red block top-left, the blue block
// top-right, grey at the bottom, and the upright dimensions.
func TestProcessTurnsEveryOrientationUpright(t *testing.T) {
	t.Parallel()
	const w, h = 600, 400 // upright: landscape
	for o := 1; o <= 8; o++ {
		order := byteOrder(binary.BigEndian)
		if o%2 == 0 {
			order = binary.LittleEndian
		}
		t.Run(fmt.Sprintf("orientation %d comes out upright", o), func(t *testing.T) {
			data := photoJPEG(t, w, h, o, order)
			if got := Orientation(data); got != o {
				t.Fatalf("Orientation = %d, want %d", got, o)
			}
			v, err := Process(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if v.DisplayWidth != w || v.DisplayHeight != h {
				t.Errorf("display %d×%d, want %d×%d", v.DisplayWidth, v.DisplayHeight, w, h)
			}
			if v.ThumbWidth != 320 || v.ThumbHeight != 213 {
				t.Errorf("thumb %d×%d, want 320×213", v.ThumbWidth, v.ThumbHeight)
			}
			assertUpright(t, "display", v.Display, v.DisplayWidth, v.DisplayHeight)
			assertUpright(t, "thumb", v.Thumb, v.ThumbWidth, v.ThumbHeight)
		})
	}
}

// assertUpright decodes a JPEG and checks the test picture's corners.
func assertUpright(t *testing.T, name string, data []byte, w, h int) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %v, reported %d×%d", name, b.Size(), w, h)
	}
	// Sample the middle of each corner block (blocks are a fifth of a side).
	cx, cy := w/10, h/10
	checks := []struct {
		where string
		x, y  int
		want  color.NRGBA
	}{
		{"top-left", cx, cy, red},
		{"top-right", w - 1 - cx, cy, blue},
		{"bottom-left", cx, h - 1 - cy, grey},
		{"bottom-right", w - 1 - cx, h - 1 - cy, grey},
	}
	for _, c := range checks {
		got := colourAt(img, c.x, c.y)
		if !near(got, c.want) {
			t.Errorf("%s %s corner is %v, want %v", name, c.where, got, c.want)
		}
	}
}
