package photo

import (
	"encoding/binary"

	"github.com/courier-sync/courier-sync/internal/exiforient"
)

// jpegMeta is what a walk over a JPEG's header segments finds.
type jpegMeta struct {
	orientation int   // EXIF orientation 1..8, 0 when absent or invalid
	decodeBytes int64 // what jpeg.Decode will allocate for the frame; 0 if not found
}

// scanJPEG walks the marker segments of a JPEG header up to the first scan
// (or the end of b). It never allocates and never reads outside b; a
// segment cut short by the end of b is read as far as it goes.
func scanJPEG(b []byte) jpegMeta {
	var m jpegMeta
	exiforient.Walk(b, func(marker byte, seg []byte, complete bool) bool {
		switch {
		case marker == 0xe1 && m.orientation == exiforient.Unknown:
			m.orientation = exiforient.FromAPP1(seg)
		case isSOF(marker) && complete:
			m.decodeBytes = frameBytes(seg, marker == 0xc2)
		}
		return true
	})
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
