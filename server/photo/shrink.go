package photo

import (
	"image"
	"image/color"
)

// shrink reduces img by the integer factor f in each direction by averaging
// f×f blocks (a box filter), for the types image/jpeg decodes photos to
// (*image.YCbCr, *image.Gray) and opaque 8-bit RGB (*image.RGBA and
// *image.NRGBA, as image/png decodes RGB, and as the display copy is). A
// YCbCr image is averaged in Y, Cb and Cr before converting to RGB (the
// conversion is affine, so that is the average of the converted pixels).
// It is several times cheaper than a general resampler on the full image.
// Edge blocks cut by the image's border are averaged over the pixels they
// have. It returns nil for other images, and for RGB with transparency
// (averaging non-premultiplied colours would be wrong).
func shrink(img image.Image, f int) *image.NRGBA {
	switch src := img.(type) {
	case *image.YCbCr:
		return shrinkYCbCr(src, f)
	case *image.Gray:
		return shrinkGray(src, f)
	case *image.RGBA:
		if src.Opaque() {
			return shrinkRGB(src.Pix, src.Stride, src.Rect, f)
		}
	case *image.NRGBA:
		if src.Opaque() {
			return shrinkRGB(src.Pix, src.Stride, src.Rect, f)
		}
	}
	return nil
}

// shrinkRGB shrinks opaque 4-byte RGBA pixels, pix starting at r.Min.
func shrinkRGB(pix []byte, stride int, r image.Rectangle, f int) *image.NRGBA {
	w := r.Dx()
	dw, dh := (w+f-1)/f, (r.Dy()+f-1)/f
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	sum := make([]uint32, 3*dw)
	for dy := range dh {
		clear(sum)
		y0, y1 := dy*f, min(dy*f+f, r.Dy())
		for y := y0; y < y1; y++ {
			row := pix[y*stride:][:4*w]
			for dx := range dw {
				var sr, sg, sb uint32
				for i := 4 * dx * f; i < 4*min(dx*f+f, w); i += 4 {
					sr += uint32(row[i])
					sg += uint32(row[i+1])
					sb += uint32(row[i+2])
				}
				sum[3*dx] += sr
				sum[3*dx+1] += sg
				sum[3*dx+2] += sb
			}
		}
		out := dst.Pix[dy*dst.Stride:][:4*dw]
		d := newDivider(f, w, y1-y0)
		for dx := range dw {
			out[4*dx] = d.avg(dx, sum[3*dx])
			out[4*dx+1] = d.avg(dx, sum[3*dx+1])
			out[4*dx+2] = d.avg(dx, sum[3*dx+2])
			out[4*dx+3] = 0xff
		}
	}
	return dst
}

func shrinkYCbCr(src *image.YCbCr, f int) *image.NRGBA {
	// Chroma sample (x>>hs, y>>vs) covers luma sample (x, y).
	var hs, vs uint
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hs = 1
	case image.YCbCrSubsampleRatio420:
		hs, vs = 1, 1
	case image.YCbCrSubsampleRatio440:
		vs = 1
	case image.YCbCrSubsampleRatio411:
		hs = 2
	case image.YCbCrSubsampleRatio410:
		hs, vs = 2, 1
	}
	hsub, vsub := 1<<hs, 1<<vs
	b := src.Rect
	w, h := b.Dx(), b.Dy()
	dw, dh := (w+f-1)/f, (h+f-1)/f
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	ySum := make([]uint32, dw)
	cbSum := make([]uint32, dw)
	crSum := make([]uint32, dw)
	// When blocks line up with chroma samples (as with a decoder's output
	// and an even factor), a chroma sample counts for hsub×vsub luma
	// samples, and is read once instead of for each of them.
	hAligned := f%hsub == 0 && b.Min.X%hsub == 0
	vAligned := f%vsub == 0 && b.Min.Y%vsub == 0
	cx0 := b.Min.X >> hs
	for dy := range dh {
		clear(ySum)
		clear(cbSum)
		clear(crSum)
		y0, y1 := b.Min.Y+dy*f, min(b.Min.Y+dy*f+f, b.Max.Y)
		for y := y0; y < y1; y++ {
			yRow := src.Y[(y-b.Min.Y)*src.YStride:][:w]
			sumRow(ySum, yRow, f)
		}
		// Each chroma row, with the number of luma rows it stands for here.
		step, weight := 1, uint32(1)
		if vAligned && y1-y0 == f {
			step, weight = vsub, uint32(vsub)
		}
		for y := y0; y < y1; y += step {
			c := ((y >> vs) - (b.Min.Y >> vs)) * src.CStride
			cb, cr := src.Cb[c:], src.Cr[c:]
			for dx := range dw {
				x0, x1 := b.Min.X+dx*f, min(b.Min.X+dx*f+f, b.Max.X)
				var scb, scr uint32
				if hAligned && x1-x0 == f {
					for ci := x0>>hs - cx0; ci < x1>>hs-cx0; ci++ {
						scb += uint32(cb[ci])
						scr += uint32(cr[ci])
					}
					scb, scr = scb*uint32(hsub), scr*uint32(hsub)
				} else {
					for x := x0; x < x1; x++ {
						scb += uint32(cb[x>>hs-cx0])
						scr += uint32(cr[x>>hs-cx0])
					}
				}
				cbSum[dx] += scb * weight
				crSum[dx] += scr * weight
			}
		}
		row := dst.Pix[dy*dst.Stride:][:4*dw]
		d := newDivider(f, w, y1-y0)
		for dx := range dw {
			r, g, bb := color.YCbCrToRGB(d.avg(dx, ySum[dx]), d.avg(dx, cbSum[dx]), d.avg(dx, crSum[dx]))
			row[4*dx], row[4*dx+1], row[4*dx+2], row[4*dx+3] = r, g, bb, 0xff
		}
	}
	return dst
}

func shrinkGray(src *image.Gray, f int) *image.NRGBA {
	b := src.Rect
	dw, dh := (b.Dx()+f-1)/f, (b.Dy()+f-1)/f
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	sum := make([]uint32, dw)
	for dy := range dh {
		clear(sum)
		y0, y1 := b.Min.Y+dy*f, min(b.Min.Y+(dy+1)*f, b.Max.Y)
		for y := y0; y < y1; y++ {
			sumRow(sum, src.Pix[src.PixOffset(b.Min.X, y):][:b.Dx()], f)
		}
		out := dst.Pix[dy*dst.Stride:][:4*dw]
		d := newDivider(f, b.Dx(), y1-y0)
		for dx := range dw {
			v := d.avg(dx, sum[dx])
			out[4*dx], out[4*dx+1], out[4*dx+2], out[4*dx+3] = v, v, v, 0xff
		}
	}
	return dst
}

// sumRow adds the sums of each run of f samples of row to sums.
func sumRow(sums []uint32, row []uint8, f int) {
	if f == 2 { // the common case, unrolled
		n := len(row) / 2
		for dx, pair := range sums[:n] {
			sums[dx] = pair + uint32(row[2*dx]) + uint32(row[2*dx+1])
		}
		if len(row)%2 == 1 {
			sums[n] += uint32(row[len(row)-1])
		}
		return
	}
	for dx := range sums {
		var s uint32
		for _, v := range row[dx*f : min(dx*f+f, len(row))] {
			s += uint32(v)
		}
		sums[dx] += s
	}
}

// divider turns the sums of one row of blocks into rounded averages,
// multiplying by a reciprocal instead of dividing (sums stay below 2^24,
// so a 40-bit reciprocal is exact).
type divider struct {
	n, m         uint64 // a full block's sample count and its reciprocal
	last         int    // index of the last block, which may be narrower
	nLast, mLast uint64
}

func newDivider(f, w, rows int) divider {
	recip := func(n uint64) uint64 { return (1<<40 + n - 1) / n }
	last := (w+f-1)/f - 1
	d := divider{n: uint64(f * rows), last: last, nLast: uint64((w - last*f) * rows)}
	d.m, d.mLast = recip(d.n), recip(d.nLast)
	return d
}

func (d *divider) avg(dx int, sum uint32) uint8 {
	n, m := d.n, d.m
	if dx == d.last {
		n, m = d.nLast, d.mLast
	}
	return uint8((uint64(sum) + n/2) * m >> 40)
}
