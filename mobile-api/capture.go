package mobileapi

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"

	"github.com/courier-sync/courier-sync/internal/exiforient"
	"github.com/disintegration/imaging"
)

// Photo formats the server takes.
const (
	formatJPEG = "jpeg"
	formatPNG  = "png"
)

// sniffFormat names a photo's format from its leading bytes; "" for any
// format the server does not take. Nothing else is decoded: the decoders
// imaging registers for other formats are never reached.
func sniffFormat(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return formatJPEG
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return formatPNG
	}
	return ""
}

// capture applies the capture policy to the bytes of a photo file and
// returns the bytes to upload. A photo within maxPixels (or any photo when
// maxPixels is 0) is kept byte for byte. A larger one is decoded,
// downscaled to fit maxPixels with its aspect ratio kept, turned upright
// after its EXIF orientation and re-encoded as JPEG at quality (which drops
// EXIF, GPS included). The dimensions are read from the header before
// anything is decoded.
func capture(data []byte, maxPixels int64, quality int) ([]byte, error) {
	format := sniffFormat(data)
	var cfg image.Config
	var err error
	switch format {
	case formatJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case formatPNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	default:
		return nil, ErrPhotoFormat
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, ErrPhotoFormat
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > maxPhotoPixels {
		return nil, fmt.Errorf("%w: %d×%d pixels", ErrPhotoTooLarge, cfg.Width, cfg.Height)
	}
	if maxPixels <= 0 || pixels <= maxPixels {
		return data, nil
	}
	var img image.Image
	if format == formatJPEG {
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPhotoFormat, err)
	}
	b := img.Bounds()
	w, h := fitPixels(b.Dx(), b.Dy(), maxPixels)
	// An integer box reduction first, on the decoder's own planes, leaves
	// Lanczos a small image and ratio: a third of the time of Lanczos alone
	// on a 12 MP photo. Resizing first and turning the small image upright
	// after costs about half the memory of the other order (DEPS.md).
	if k := min(b.Dx()/w, b.Dy()/h); k >= 2 {
		img = boxShrink(img, k)
	}
	small := imaging.Resize(img, w, h, imaging.Lanczos)
	if format == formatJPEG {
		small = exiforient.Apply(small, exiforient.FromJPEG(data))
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, opaque(small), &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("mobileapi: encode photo: %w", err)
	}
	return out.Bytes(), nil
}

// fitPixels scales w×h down, aspect ratio kept, to at most budget pixels.
func fitPixels(w, h int, budget int64) (int, int) {
	s := math.Sqrt(float64(budget) / (float64(w) * float64(h)))
	nw := max(1, int(math.Round(float64(w)*s)))
	nh := max(1, int(math.Round(float64(h)*s)))
	for int64(nw)*int64(nh) > budget {
		if nw >= nh && nw > 1 {
			nw--
		} else {
			nh--
		}
	}
	return nw, nh
}

// boxShrink reduces img by the integer factor k, averaging k×k blocks,
// plane by plane for the YCbCr and Gray images the JPEG decoder returns
// (chroma subsampling kept). Other images are returned as they are.
func boxShrink(img image.Image, k int) image.Image {
	switch src := img.(type) {
	case *image.YCbCr:
		if src.Rect.Min != (image.Point{}) {
			return img
		}
		sw, sh := src.Rect.Dx(), src.Rect.Dy()
		dst := image.NewYCbCr(image.Rect(0, 0, sw/k, sh/k), src.SubsampleRatio)
		boxPlane(dst.Y, dst.YStride, sw/k, sh/k, src.Y, src.YStride, sw, sh, k)
		scw, sch := chromaSize(sw, sh, src.SubsampleRatio)
		dcw, dch := chromaSize(sw/k, sh/k, src.SubsampleRatio)
		boxPlane(dst.Cb, dst.CStride, dcw, dch, src.Cb, src.CStride, scw, sch, k)
		boxPlane(dst.Cr, dst.CStride, dcw, dch, src.Cr, src.CStride, scw, sch, k)
		return dst
	case *image.Gray:
		if src.Rect.Min != (image.Point{}) {
			return img
		}
		sw, sh := src.Rect.Dx(), src.Rect.Dy()
		dst := image.NewGray(image.Rect(0, 0, sw/k, sh/k))
		boxPlane(dst.Pix, dst.Stride, sw/k, sh/k, src.Pix, src.Stride, sw, sh, k)
		return dst
	}
	return img
}

// chromaSize is the size of the chroma planes of a w×h YCbCr image whose
// rectangle starts at the origin.
func chromaSize(w, h int, r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2
	}
	return w, h
}

// boxPlane writes into the dw×dh plane dst the averages of k×k blocks of
// the sw×sh plane src; blocks at the edges are clipped to src.
func boxPlane(dst []byte, dstride, dw, dh int, src []byte, sstride, sw, sh, k int) {
	sums := make([]uint32, dw)
	for dy := 0; dy < dh; dy++ {
		clear(sums)
		y0 := min(dy*k, sh-1)
		y1 := max(y0+1, min(dy*k+k, sh))
		for sy := y0; sy < y1; sy++ {
			row := src[sy*sstride : sy*sstride+sw]
			for dx := range sums {
				x0 := min(dx*k, sw-1)
				x1 := max(x0+1, min(dx*k+k, sw))
				var s uint32
				for _, v := range row[x0:x1] {
					s += uint32(v)
				}
				sums[dx] += s
			}
		}
		out := dst[dy*dstride : dy*dstride+dw]
		for dx := range out {
			x0 := min(dx*k, sw-1)
			n := uint32((max(x0+1, min(dx*k+k, sw)) - x0) * (y1 - y0))
			out[dx] = uint8((sums[dx] + n/2) / n)
		}
	}
}

// opaque flattens img onto white in place and returns it as RGBA, which
// the JPEG encoder takes without converting pixel by pixel.
func opaque(img *image.NRGBA) *image.RGBA {
	p := img.Pix
	for i := 0; i+3 < len(p); i += 4 {
		if a := uint32(p[i+3]); a != 0xFF {
			for j := 0; j < 3; j++ {
				p[i+j] = uint8((uint32(p[i+j])*a + 0xFF*(0xFF-a)) / 0xFF)
			}
			p[i+3] = 0xFF
		}
	}
	return &image.RGBA{Pix: p, Stride: img.Stride, Rect: img.Rect}
}
