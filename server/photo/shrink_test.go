package photo

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestShrinkAveragesBlocks compares shrink with averaging each block of
// converted RGB pixels by hand, for every chroma subsampling image/jpeg
// produces, odd sizes (partial edge blocks) and an offset origin.
func TestShrinkAveragesBlocks(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, ratio := range ratios {
		for _, f := range []int{2, 3, 5} {
			t.Run(fmt.Sprintf("%v shrunk %d×", ratio, f), func(t *testing.T) {
				whole := image.NewYCbCr(image.Rect(0, 0, 37, 23), ratio)
				// Values whose RGB never clamps, as in real photos: then
				// averaging before converting equals converting first.
				for i := range whole.Y {
					whole.Y[i] = uint8(64 + rng.IntN(128))
				}
				for i := range whole.Cb {
					whole.Cb[i], whole.Cr[i] = uint8(112+rng.IntN(32)), uint8(112+rng.IntN(32))
				}
				src := whole.SubImage(image.Rect(4, 2, 37, 23)).(*image.YCbCr) // 33×21 at (4, 2)
				assertBlockAverages(t, src, shrink(src, f), f)
			})
		}
	}
	t.Run("grey shrunk 3×", func(t *testing.T) {
		src := image.NewGray(image.Rect(0, 0, 31, 17))
		for i := range src.Pix {
			src.Pix[i] = uint8(rng.Uint32())
		}
		assertBlockAverages(t, src, shrink(src, 3), 3)
	})
	t.Run("opaque RGBA and NRGBA shrunk 2× and 4×", func(t *testing.T) {
		whole := image.NewRGBA(image.Rect(0, 0, 29, 19))
		for i := range whole.Pix {
			whole.Pix[i] = uint8(rng.Uint32()) | 0x01
			if i%4 == 3 {
				whole.Pix[i] = 0xff
			}
		}
		src := whole.SubImage(image.Rect(3, 1, 29, 19)).(*image.RGBA)
		assertBlockAverages(t, src, shrink(src, 2), 2)
		n := &image.NRGBA{Pix: src.Pix, Stride: src.Stride, Rect: src.Rect}
		assertBlockAverages(t, n, shrink(n, 4), 4)
	})
	t.Run("images with transparency are left to the resampler", func(t *testing.T) {
		if shrink(image.NewNRGBA(image.Rect(0, 0, 8, 8)), 2) != nil {
			t.Error("shrink of a transparent NRGBA returned an image")
		}
		if shrink(image.NewRGBA64(image.Rect(0, 0, 8, 8)), 2) != nil {
			t.Error("shrink of RGBA64 returned an image")
		}
	})
}

func assertBlockAverages(t *testing.T, src image.Image, got *image.NRGBA, f int) {
	t.Helper()
	b := src.Bounds()
	wantW, wantH := (b.Dx()+f-1)/f, (b.Dy()+f-1)/f
	if got.Rect != image.Rect(0, 0, wantW, wantH) {
		t.Fatalf("shrunk to %v, want %d×%d", got.Rect, wantW, wantH)
	}
	for dy := range wantH {
		for dx := range wantW {
			var r, g, bl, n float64
			for y := b.Min.Y + dy*f; y < min(b.Min.Y+dy*f+f, b.Max.Y); y++ {
				for x := b.Min.X + dx*f; x < min(b.Min.X+dx*f+f, b.Max.X); x++ {
					c := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA)
					r, g, bl, n = r+float64(c.R), g+float64(c.G), bl+float64(c.B), n+1
				}
			}
			c := got.NRGBAAt(dx, dy)
			if d := max(abs(float64(c.R)-r/n), abs(float64(c.G)-g/n), abs(float64(c.B)-bl/n)); d > 2 || c.A != 0xff {
				t.Fatalf("block (%d, %d) = %v, want about %.0f %.0f %.0f", dx, dy, c, r/n, g/n, bl/n)
			}
		}
	}
}

func abs(x float64) float64 { return max(x, -x) }
