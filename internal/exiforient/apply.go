package exiforient

import "image"

// Apply returns img turned so that a picture stored with orientation o
// displays upright (img itself for Upright, Unknown or an invalid o).
func Apply(img *image.NRGBA, o int) *image.NRGBA {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	src, s := img.Pix[img.PixOffset(b.Min.X, b.Min.Y):], img.Stride
	for y := range dh {
		// The source pixel of (0, y) and the step to the next x, in bytes.
		var start, dx int
		switch o {
		case 2: // (x, y) ← (w-1-x, y)
			start, dx = y*s+(w-1)*4, -4
		case 3: // ← (w-1-x, h-1-y)
			start, dx = (h-1-y)*s+(w-1)*4, -4
		case 4: // ← (x, h-1-y)
			start, dx = (h-1-y)*s, 4
		case 5: // ← (y, x)
			start, dx = y*4, s
		case 6: // ← (y, h-1-x)
			start, dx = (h-1)*s+y*4, -s
		case 7: // ← (w-1-y, h-1-x)
			start, dx = (h-1)*s+(w-1-y)*4, -s
		case 8: // ← (w-1-y, x)
			start, dx = (w-1-y)*4, s
		}
		row := dst.Pix[y*dst.Stride : y*dst.Stride+dw*4]
		for x, p := 0, start; x < dw; x, p = x+1, p+dx {
			copy(row[x*4:x*4+4], src[p:p+4])
		}
	}
	return dst
}
