package photo

import (
	"encoding/binary"
	"image"

	"github.com/disintegration/imaging"
)

// exifOrientation reads the Orientation tag (0x0112) from IFD0 of an APP1
// segment's payload, or returns 0 if the payload is not EXIF, is cut short,
// or the value is not 1..8.
func exifOrientation(seg []byte) int {
	if len(seg) < 6 || string(seg[:6]) != "Exif\x00\x00" {
		return 0
	}
	tiff := seg[6:]
	if len(tiff) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 0
	}
	ifd := int64(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 0
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(tiff)) && count > 0; e, count = e+12, count-1 {
		if order.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		// Type SHORT (3), count 1: the value sits in the first two bytes of
		// the value field, in the file's byte order.
		if order.Uint16(tiff[e+2:]) != 3 {
			return 0
		}
		if v := int(order.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// Orientation returns the EXIF orientation (1..8) of a JPEG from its leading
// bytes (pass at least SniffNeed bytes, or the whole file), or 1 when the
// header carries no EXIF segment, no Orientation tag, or an invalid value.
// It reads the first APP1 segment that starts with "Exif\0\0" and looks only
// at IFD0.
//
// The values follow the TIFF 6.0 specification: 1 upright, 2 mirrored
// left-right, 3 rotated 180°, 4 mirrored top-bottom, 5 mirrored along the
// main diagonal, 6 to be turned 90° clockwise to display, 7 mirrored along
// the anti-diagonal, 8 to be turned 90° counter-clockwise to display.
func Orientation(jpegHeader []byte) int {
	if o := scanJPEG(jpegHeader).orientation; o != 0 {
		return o
	}
	return 1
}

// orient returns img transformed so that an image stored with EXIF
// orientation o displays upright.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // imaging turns counter-clockwise
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	default:
		return img
	}
}
