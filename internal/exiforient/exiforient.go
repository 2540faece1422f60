// Package exiforient reads the EXIF orientation of a JPEG and turns
// pixels upright by it. The server's photo pipeline and the handheld
// library share it, so both read every file the same way. Standard
// library only (the handheld library binds it through gomobile).
package exiforient

import "encoding/binary"

// Orientation values (TIFF 6.0): 1 upright, 2 mirrored left-right, 3
// rotated 180°, 4 mirrored top-bottom, 5 mirrored along the main diagonal,
// 6 to be turned 90° clockwise to display, 7 mirrored along the
// anti-diagonal, 8 to be turned 90° counter-clockwise to display.
const (
	// Unknown: no EXIF segment, no Orientation tag, or a value outside
	// 1..8. A picture of unknown orientation displays as stored.
	Unknown = 0
	// Upright needs no turning.
	Upright = 1
)

// Display returns the orientation to display o with: Upright for Unknown.
func Display(o int) int {
	if o == Unknown {
		return Upright
	}
	return o
}

// FromJPEG returns the orientation of a JPEG from its leading bytes (the
// whole file or at least its header): the first valid Orientation tag among
// the EXIF APP1 segments before the first scan, or Unknown.
func FromJPEG(b []byte) int {
	o := Unknown
	Walk(b, func(marker byte, seg []byte, _ bool) bool {
		if marker == 0xe1 {
			o = FromAPP1(seg)
		}
		return o == Unknown
	})
	return o
}

// Walk visits the marker segments of a JPEG header up to the first scan
// or the end of b, with each segment's payload (after the length) and
// whether the payload is complete (a segment cut short by the end of b is
// passed as far as it goes). It stops when visit returns false, at a byte
// that is not a marker, or at a bad length. It never reads outside b.
func Walk(b []byte, visit func(marker byte, seg []byte, complete bool) bool) {
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xd8 {
		return
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return // not at a marker: leave the verdict to the decoder
		}
		marker := b[i+1]
		switch {
		case marker == 0xff: // fill byte before a marker
			i++
			continue
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd8: // no length
			i += 2
			continue
		case marker == 0xd9 || marker == 0xda: // end of image, start of scan
			return
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 {
			return
		}
		end := min(i+2+n, len(b))
		if !visit(marker, b[i+4:end], end == i+2+n) {
			return
		}
		i += 2 + n
	}
}

// FromAPP1 reads the Orientation tag (0x0112) from IFD0 of an APP1
// segment's payload, or returns Unknown if the payload is not EXIF, is cut
// short, or the value is not 1..8.
func FromAPP1(seg []byte) int {
	if len(seg) < 6 || string(seg[:6]) != "Exif\x00\x00" {
		return Unknown
	}
	tiff := seg[6:]
	if len(tiff) < 8 {
		return Unknown
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return Unknown
	}
	if order.Uint16(tiff[2:]) != 42 {
		return Unknown
	}
	ifd := int64(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return Unknown
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(tiff)) && count > 0; e, count = e+12, count-1 {
		if order.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		// Type SHORT (3), count 1: the value sits in the first two bytes of
		// the value field, in the file's byte order.
		if order.Uint16(tiff[e+2:]) != 3 {
			return Unknown
		}
		if v := int(order.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return Unknown
	}
	return Unknown
}
