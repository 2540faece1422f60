package exiforient

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"testing"

	"github.com/disintegration/imaging"
)

// app1 is an APP1 segment holding EXIF with orientation o in IFD0 (0: no
// Orientation tag, only a Make tag).
func app1(o int, order binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 1)
	tag, typ := uint16(0x0112), uint16(3)
	if o == 0 {
		tag, typ = 0x010f, 2
	}
	order.PutUint16(tiff[10:], tag)
	order.PutUint16(tiff[12:], typ)
	order.PutUint32(tiff[14:], 1)
	order.PutUint16(tiff[18:], uint16(o))
	payload := append([]byte("Exif\x00\x00"), tiff...)
	return append([]byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
}

// jpeg is SOI, the segments, then a start of scan.
func jpeg(segs ...[]byte) []byte {
	b := []byte{0xff, 0xd8}
	for _, s := range segs {
		b = append(b, s...)
	}
	return append(b, 0xff, 0xda, 0, 2)
}

func TestFromJPEG(t *testing.T) {
	xmp := append([]byte{0xff, 0xe1, 0, 13}, "http://ns.a"...)
	whole := jpeg(app1(6, binary.BigEndian))
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"no EXIF is unknown", jpeg(), Unknown},
		{"not a JPEG is unknown", []byte("\x89PNG\r\n"), Unknown},
		{"nothing is unknown", nil, Unknown},
		{"big-endian EXIF is read", whole, 6},
		{"little-endian EXIF is read", jpeg(app1(8, binary.LittleEndian)), 8},
		{"EXIF without the tag is unknown", jpeg(app1(0, binary.BigEndian)), Unknown},
		{"a value past 8 is unknown", jpeg(app1(9, binary.BigEndian)), Unknown},
		{"EXIF after an XMP APP1 and fill bytes is read", jpeg(xmp, []byte{0xff}, app1(3, binary.BigEndian)), 3},
		{"a second EXIF segment counts when the first has no tag", jpeg(app1(0, binary.BigEndian), app1(6, binary.BigEndian)), 6},
		{"the first valid tag wins", jpeg(app1(5, binary.BigEndian), app1(6, binary.BigEndian)), 5},
		{"EXIF after the scan is ignored", append(jpeg(), app1(6, binary.BigEndian)...), Unknown},
		{"a header cut inside the tag is unknown", whole[:len(whole)-12], Unknown},
		{"a header cut after the tag is read", whole[:len(whole)-8], 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromJPEG(tt.data); got != tt.want {
				t.Errorf("FromJPEG = %d, want %d", got, tt.want)
			}
		})
	}
	for n := range len(whole) {
		if o := FromJPEG(whole[:n]); o != Unknown && o != 6 {
			t.Fatalf("the first %d bytes read as %d", n, o)
		}
	}
	if Display(Unknown) != Upright || Display(7) != 7 {
		t.Error("Display must show an unknown orientation upright and keep the others")
	}
}

// Apply turns pixels exactly as imaging's named transforms do.
func TestApplyMatchesImaging(t *testing.T) {
	src := image.NewNRGBA(image.Rect(3, 2, 8, 5)) // 5×3, not at the origin
	for y := 2; y < 5; y++ {
		for x := 3; x < 8; x++ {
			src.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x * y), 255})
		}
	}
	want := map[int]*image.NRGBA{1: imaging.Clone(src), 2: imaging.FlipH(src), 3: imaging.Rotate180(src), 4: imaging.FlipV(src),
		5: imaging.Transpose(src), 6: imaging.Rotate270(src), 7: imaging.Transverse(src), 8: imaging.Rotate90(src)}
	for o := 1; o <= 8; o++ {
		t.Run(fmt.Sprintf("orientation %d", o), func(t *testing.T) {
			got, w := Apply(src, o), want[o]
			if got.Bounds().Size() != w.Bounds().Size() {
				t.Fatalf("size %v, want %v", got.Bounds().Size(), w.Bounds().Size())
			}
			for y := range w.Bounds().Dy() {
				for x := range w.Bounds().Dx() {
					g := got.NRGBAAt(got.Bounds().Min.X+x, got.Bounds().Min.Y+y)
					if e := w.NRGBAAt(x, y); g != e {
						t.Fatalf("(%d,%d) = %v, want %v", x, y, g, e)
					}
				}
			}
		})
	}
	if Apply(src, Unknown) != src || Apply(src, 9) != src {
		t.Error("an unknown or invalid orientation must leave the image as it is")
	}
}
