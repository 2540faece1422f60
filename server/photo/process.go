package photo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"github.com/disintegration/imaging"
)

// Variants are the two re-encoded copies of a photo, upright and without
// metadata.
type Variants struct {
	// Display is a JPEG whose long side is at most DisplayLongSide.
	Display []byte
	// Thumb is a JPEG whose long side is at most ThumbLongSide.
	Thumb []byte
	// DisplayWidth and DisplayHeight are Display's dimensions, upright.
	DisplayWidth, DisplayHeight int
	// ThumbWidth and ThumbHeight are Thumb's dimensions, upright.
	ThumbWidth, ThumbHeight int
}

// Resampling filters, chosen by measurement on a 12 MP photo (see
// BenchmarkStages12MP; CPU time, all cores counted, 2-vCPU VM). Resizing
// the decoded 4000×3000 image to 1600×1200 in one pass with imaging costs
// 190 ms with Box, 250 ms with Linear, 395 ms with Lanczos. Instead, the
// photo is first shrunk by the largest whole factor that keeps it at least
// display size, averaging blocks of pixels (a box filter: 55 ms, see
// shrink), and the rest of the reduction, under 2×, is resampled with
// Linear (a tent widened to the scale, so every source pixel counts; 75 ms
// where Lanczos takes 120 ms for no visible gain at that ratio): 130 ms in
// all. Images shrink cannot take (transparent PNG, CMYK, 16-bit, paletted)
// are resized in one pass with Linear. The thumbnail is made from the
// display copy, shrunk to no less than twice its size, then Lanczos, which
// keeps it sharp: 24 ms (Lanczos from the display copy alone: 37 ms; from
// the original: 250 ms).
var (
	displayFilter = imaging.Linear
	thumbFilter   = imaging.Lanczos
)

// peekSize is how much of the upload Process buffers to read the header:
// more than SniffNeed, so that a JFIF segment followed by a full 64 KiB EXIF
// segment still fits.
const peekSize = 2 * SniffNeed

// Process decodes a JPEG or PNG from r and makes its display copy and
// thumbnail.
//
// It reads the header first and checks it as Sniff does before decoding a
// single pixel, so it returns ErrUnsupportedFormat, ErrTooManyPixels or
// ErrCorrupt as Sniff would; ErrTooLarge past MaxBytes; an error wrapping
// ErrCorrupt when the body does not decode; or the error r returned. It
// does not panic on any input.
//
// The work is ordered for speed and memory: the full image is resized to
// the display size in its stored orientation, the thumbnail is resized from
// that display copy, and only then are the two small images turned upright.
func Process(r io.Reader) (v *Variants, err error) {
	return process(r, math.MaxInt64)
}

func process(r io.Reader, budget int64) (v *Variants, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("%w: decoder panicked: %v", ErrCorrupt, p)
		}
	}()
	img, orientation, err := decode(&maxReader{r: r, n: MaxBytes}, budget)
	if err != nil {
		return nil, err
	}
	return variants(img, orientation)
}

// decode checks the header, then decodes the image and returns it with its
// EXIF orientation.
func decode(r io.Reader, budget int64) (image.Image, int, error) {
	br := bufio.NewReaderSize(r, peekSize)
	head, err := br.Peek(peekSize)
	complete := false
	switch {
	case errors.Is(err, io.EOF):
		complete = true
	case err != nil:
		return nil, 0, readFailure(err)
	}
	var src io.Reader = br
	info, err := sniff(head, complete)
	if errors.Is(err, ErrNeedMore) {
		// The header runs past peekSize (rare: huge metadata segments).
		// Read on through it, keeping only what the header parser consumed.
		var hdr bytes.Buffer
		format, _ := magic(head, false)
		info, err = sniffReader(format, nil, io.TeeReader(br, &hdr), true)
		head, src = hdr.Bytes(), io.MultiReader(bytes.NewReader(hdr.Bytes()), br)
		if err == nil && format == "jpeg" {
			info.DecodeBytes = scanJPEG(head).decodeBytes
		}
	}
	if err != nil {
		return nil, 0, readFailure(err)
	}
	if need := EstimateBytes(info); need > budget {
		return nil, 0, fmt.Errorf("%w: %d MiB needed, %d MiB allowed", ErrOverBudget, need>>20, budget>>20)
	}

	orientation := 1
	var img image.Image
	if info.Format == "jpeg" {
		orientation = Orientation(head) // before decoding: head is br's buffer
		img, err = jpeg.Decode(src)
	} else {
		img, err = png.Decode(src)
	}
	if err != nil {
		return nil, 0, readFailure(err)
	}
	if b := img.Bounds(); b.Dx() != info.Width || b.Dy() != info.Height {
		return nil, 0, fmt.Errorf("%w: decoded %v, header said %d×%d", ErrCorrupt, b.Size(), info.Width, info.Height)
	}
	return img, orientation, nil
}

// variants resizes, orients and encodes img.
func variants(img image.Image, orientation int) (*Variants, error) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	dw, dh := fit(w, h, DisplayLongSide)
	tw, th := fit(w, h, ThumbLongSide)

	display := downscale(img, dw, dh, 1, displayFilter)
	// Flattened now, the display copy is opaque: the thumbnail made from
	// it has the same white background, and shrink can take it.
	flatten(display)
	thumb := downscale(display, tw, th, 2, thumbFilter)
	display, thumb = orient(display, orientation), orient(thumb, orientation)

	var v Variants
	var err error
	if v.Display, err = encode(display); err != nil {
		return nil, err
	}
	if v.Thumb, err = encode(thumb); err != nil {
		return nil, err
	}
	v.DisplayWidth, v.DisplayHeight = display.Rect.Dx(), display.Rect.Dy()
	v.ThumbWidth, v.ThumbHeight = thumb.Rect.Dx(), thumb.Rect.Dy()
	return &v, nil
}

// fit returns w×h scaled down so that its long side is at most long, the
// aspect ratio kept (rounded, at least 1 pixel); never scaled up.
func fit(w, h, long int) (int, int) {
	if w <= long && h <= long {
		return w, h
	}
	if w >= h {
		return long, max(1, int((int64(h)*int64(long)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(long)+int64(h)/2)/int64(h))), long
}

// downscale returns img reduced to w×h: shrunk first by the largest whole
// factor that leaves it at least margin times w×h, then resampled with
// filter.
func downscale(img image.Image, w, h, margin int, filter imaging.ResampleFilter) *image.NRGBA {
	b := img.Bounds()
	if f := shrinkFactor(b.Dx(), b.Dy(), w*margin, h*margin); f >= 2 {
		if s := shrink(img, f); s != nil {
			img = s
		}
	}
	return resize(img, w, h, filter)
}

// shrinkFactor is the largest whole factor that takes sw×sh down to no less
// than dw×dh.
func shrinkFactor(sw, sh, dw, dh int) int {
	return min(sw/dw, sh/dh)
}

// resize returns img at w×h as NRGBA: img itself if it already is an NRGBA
// of that size, else a new image.
func resize(img image.Image, w, h int, filter imaging.ResampleFilter) *image.NRGBA {
	if b := img.Bounds(); b.Dx() == w && b.Dy() == h {
		if n, ok := img.(*image.NRGBA); ok {
			return n
		}
		return imaging.Clone(img)
	}
	return imaging.Resize(img, w, h, filter)
}

// encode writes img as a JPEG with no metadata segments. Transparent pixels
// are laid on white, since JPEG has no alpha. img is modified.
func encode(img *image.NRGBA) ([]byte, error) {
	flatten(img)
	// An opaque NRGBA has the same bytes as an RGBA, which image/jpeg
	// converts on a fast path (NRGBA goes through image.Image.At per pixel).
	rgba := &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
	var buf bytes.Buffer
	buf.Grow(img.Rect.Dx() * img.Rect.Dy() / 8)
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: JPEGQuality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// flatten composites img over opaque white in place.
func flatten(img *image.NRGBA) {
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		row := img.Pix[img.PixOffset(img.Rect.Min.X, y):][:4*img.Rect.Dx()]
		for i := 0; i < len(row); i += 4 {
			a := uint32(row[i+3])
			if a == 0xff {
				continue
			}
			for c := range 3 {
				row[i+c] = uint8((uint32(row[i+c])*a + 0xff*(0xff-a) + 0x7f) / 0xff)
			}
			row[i+3] = 0xff
		}
	}
}

// maxReader reads from r and fails with ErrTooLarge past n bytes. Errors
// from r are wrapped in readError so that Process can tell them from a
// decoding failure.
type maxReader struct {
	r io.Reader
	n int64
}

func (m *maxReader) Read(p []byte) (int, error) {
	if m.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > m.n+1 {
		p = p[:m.n+1]
	}
	n, err := m.r.Read(p)
	m.n -= int64(n)
	if m.n < 0 {
		return n, ErrTooLarge
	}
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

// readFailure returns err as Process reports it: the reader's own errors
// unwrapped, this package's errors as they are, anything else (a decoder's
// error) as corruption.
func readFailure(err error) error {
	var re *readError
	switch {
	case errors.As(err, &re):
		return re.err
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrCorrupt),
		errors.Is(err, ErrUnsupportedFormat), errors.Is(err, ErrTooManyPixels),
		errors.Is(err, ErrTooManyScans), errors.Is(err, ErrTrailingData),
		errors.Is(err, ErrOverBudget), errors.Is(err, ErrDeadline):
		return err
	default:
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
}

// readError is an error from the reader passed to Process.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }
