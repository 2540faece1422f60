package photo

import "math"

// worstDecodeBytesPerPixel bounds what the standard decoders allocate per
// pixel: a progressive 4:4:4 CMYK JPEG (4 samples, a 4-byte coefficient per
// sample, a CMYK image) takes 24; a 16-bit interlaced PNG takes 16.
const worstDecodeBytesPerPixel = 24

// overheadBytes covers what does not grow with the image: the header
// buffer, the decoders' state, the resampling weights.
const overheadBytes = 1 << 20

// EstimateBytes estimates the memory Process allocates for an image, which
// bounds its live memory from above: the decoder's allocation
// (Info.DecodeBytes, or the worst case for the pixel count when that is
// zero); the 4-byte pixels of resizing to the display size (the whole-factor
// shrink, then the resampler's first pass, display width × height before
// that pass; the larger of the two ways Process may take); the display copy
// and its upright copy; the thumbnail made from it and the encoded output.
// With the default GOGC=100 the heap of one job peaks at about this figure.
// An Info without dimensions gets math.MaxInt64: as a Job it runs alone.
func EstimateBytes(info Info) int64 {
	w, h := int64(info.Width), int64(info.Height)
	if w <= 0 || h <= 0 {
		return math.MaxInt64
	}
	decoded := info.DecodeBytes
	if decoded <= 0 {
		decoded = worstDecodeBytesPerPixel * w * h
	}
	dw, dh := fit(info.Width, info.Height, DisplayLongSide)
	resample := 4 * int64(dw) * h
	if f := int64(shrinkFactor(info.Width, info.Height, dw, dh)); f >= 2 {
		sw, sh := (w+f-1)/f, (h+f-1)/f
		resample = max(resample, 4*sw*sh+4*int64(dw)*sh)
	}
	// The display copy, its upright copy, and at most as much again for the
	// thumbnail (shrunk, resampled, turned) and the two encoded files.
	display := 4 * int64(dw) * int64(dh)
	return decoded + resample + 3*display + overheadBytes
}
