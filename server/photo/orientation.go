package photo

import (
	"image"

	"github.com/courier-sync/courier-sync/internal/exiforient"
)

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
	return exiforient.Display(scanJPEG(jpegHeader).orientation)
}

// orient returns img transformed so that an image stored with EXIF
// orientation o displays upright.
func orient(img *image.NRGBA, o int) *image.NRGBA { return exiforient.Apply(img, o) }
