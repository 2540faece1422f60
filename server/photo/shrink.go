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
		for dx := range dw {
			n := uint32((min((dx+1)*f, w) - dx*f) * (y1 - y0))
			out[4*dx] = uint8((sum[3*dx] + n/2) / n)
			out[4*dx+1] = uint8((sum[3*dx+1] + n/2) / n)
			out[4*dx+2] = uint8((sum[3*dx+2] + n/2) / n)
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
	b := src.Rect
	w := b.Dx()
	dw, dh := (w+f-1)/f, (b.Dy()+f-1)/f
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	ySum := make([]uint32, dw)
	cbSum := make([]uint32, dw)
	crSum := make([]uint32, dw)
	for dy := range dh {
		clear(ySum)
		clear(cbSum)
		clear(crSum)
		y0, y1 := b.Min.Y+dy*f, min(b.Min.Y+(dy+1)*f, b.Max.Y)
		for y := y0; y < y1; y++ {
			yRow := src.Y[(y-b.Min.Y)*src.YStride:][:w]
			// As src.COffset, without a call per pixel.
			c := ((y >> vs) - (b.Min.Y >> vs)) * src.CStride
			cb, cr, cx0 := src.Cb[c:], src.Cr[c:], b.Min.X>>hs
			for dx := range dw {
				x0, x1 := dx*f, min(dx*f+f, w)
				var sy, scb, scr uint32
				for x := x0; x < x1; x++ {
					ci := (x+b.Min.X)>>hs - cx0
					sy += uint32(yRow[x])
					scb += uint32(cb[ci])
					scr += uint32(cr[ci])
				}
				ySum[dx] += sy
				cbSum[dx] += scb
				crSum[dx] += scr
			}
		}
		row := dst.Pix[dy*dst.Stride:][:4*dw]
		for dx := range dw {
			n := uint32((min((dx+1)*f, w) - dx*f) * (y1 - y0))
			r, g, bb := color.YCbCrToRGB(uint8((ySum[dx]+n/2)/n), uint8((cbSum[dx]+n/2)/n), uint8((crSum[dx]+n/2)/n))
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
			row := src.Pix[src.PixOffset(b.Min.X, y):][:b.Dx()]
			for dx := range dw {
				var s uint32
				for _, v := range row[dx*f : min(dx*f+f, len(row))] {
					s += uint32(v)
				}
				sum[dx] += s
			}
		}
		out := dst.Pix[dy*dst.Stride:][:4*dw]
		for dx := range dw {
			n := uint32((min((dx+1)*f, b.Dx()) - dx*f) * (y1 - y0))
			v := uint8((sum[dx] + n/2) / n)
			out[4*dx], out[4*dx+1], out[4*dx+2], out[4*dx+3] = v, v, v, 0xff
		}
	}
	return dst
}
