package photo

import (
	"encoding/binary"
	"image"

	"github.com/disintegration/imaging"
)

// jpegMeta is what a walk over a JPEG's header segments finds.
type jpegMeta struct {
	orientation int   // EXIF orientation 1..8, 0 when absent or invalid
	frame       bool  // a start-of-frame segment was read in full
	decodeBytes int64 // what jpeg.Decode will allocate for this frame
}

// scanJPEG walks the marker segments of a JPEG header up to the first scan
// (or the end of b). It never allocates and never reads outside b; a
// segment cut short by the end of b is read as far as it goes.
func scanJPEG(b []byte) jpegMeta {
	var m jpegMeta
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xd8 {
		return m
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return m // not at a marker: leave the verdict to the decoder
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
			return m
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 {
			return m
		}
		seg := b[i+4 : min(i+2+n, len(b))]
		switch {
		case marker == 0xe1 && m.orientation == 0:
			m.orientation = exifOrientation(seg)
		case isSOF(marker) && len(seg) == n-2:
			m.frame, m.decodeBytes = true, frameBytes(seg, marker == 0xc2)
		}
		i += 2 + n
	}
	return m
}

// isSOF reports whether marker starts a frame (SOF0..SOF15 less DHT, JPG, DAC).
func isSOF(marker byte) bool {
	return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc
}

// frameBytes estimates what image/jpeg allocates for a frame: one byte per
// sample of each component (padded to whole MCUs), a 4-byte-per-pixel image
// for CMYK conversion, and for a progressive frame 4 bytes per sample of
// DCT coefficients kept until the last scan.
func frameBytes(sof []byte, progressive bool) int64 {
	if len(sof) < 6 {
		return 0
	}
	h, w, nc := int64(binary.BigEndian.Uint16(sof[1:])), int64(binary.BigEndian.Uint16(sof[3:])), int(sof[5])
	if len(sof) < 6+3*nc || nc == 0 {
		return 0
	}
	var hmax, vmax int64 = 1, 1
	for c := range nc {
		hv := sof[6+3*c+1]
		hmax, vmax = max(hmax, int64(hv>>4)), max(vmax, int64(hv&0x0f))
	}
	mcuX, mcuY := (w+8*hmax-1)/(8*hmax), (h+8*vmax-1)/(8*vmax)
	var samples int64
	for c := range nc {
		hv := sof[6+3*c+1]
		samples += mcuX * mcuY * int64(hv>>4) * int64(hv&0x0f) * 64
	}
	n := samples
	if nc == 4 {
		n += 4 * w * h
	}
	if progressive {
		n += 4 * samples
	}
	return n
}

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
