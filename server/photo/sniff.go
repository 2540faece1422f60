package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
)

// Limits on what the server accepts and produces.
const (
	// MaxPixels is the largest width×height accepted, checked from the header
	// before any pixel is decoded.
	MaxPixels = 50_000_000
	// MaxBytes is the largest upload accepted; Process stops reading past it.
	MaxBytes = 20 << 20
	// DisplayLongSide is the longest side of the display copy, in pixels.
	DisplayLongSide = 1600
	// ThumbLongSide is the longest side of the thumbnail, in pixels.
	ThumbLongSide = 320
	// JPEGQuality is the quality both copies are encoded at.
	JPEGQuality = 80
	// SniffNeed is how many leading bytes of an upload Sniff wants: enough for
	// the header of nearly every photo, including a full 64 KiB EXIF segment.
	SniffNeed = 64 << 10
)

var (
	// ErrUnsupportedFormat means the upload is not a JPEG or PNG (GIF, TIFF,
	// BMP, WebP, HEIC, anything else), or is a JPEG variant the decoder does
	// not support (arithmetic coding, 12-bit). The server answers 415.
	ErrUnsupportedFormat = errors.New("photo: unsupported format: only JPEG and PNG are accepted")
	// ErrTooManyPixels means the header claims more than MaxPixels pixels.
	// The server answers 422.
	ErrTooManyPixels = errors.New("photo: image has too many pixels")
	// ErrCorrupt means the header (or, from Process, the body) cannot be read
	// as the image it claims to be. The server answers 422.
	ErrCorrupt = errors.New("photo: corrupt image")
	// ErrNeedMore means Sniff was given SniffNeed bytes or more and the
	// header had not ended: a JPEG whose metadata segments (EXIF, ICC
	// profile, MPF) run past the bytes given. Call Sniff again with more of
	// the upload (at most MaxBytes), or leave the check to Process, which
	// reads as far as it needs.
	ErrNeedMore = errors.New("photo: header longer than the bytes given")
	// ErrTooLarge means the upload is longer than MaxBytes. The server
	// answers 413.
	ErrTooLarge = errors.New("photo: upload larger than MaxBytes")
)

// Info describes an accepted upload, as read from its header.
type Info struct {
	// Format is "jpeg" or "png".
	Format string
	// ContentType is "image/jpeg" or "image/png".
	ContentType string
	// Width and Height are the stored dimensions, before the EXIF
	// orientation is applied.
	Width, Height int
	// DecodeBytes estimates the memory the decoder will hold for this image
	// (pixels, and for a progressive JPEG its coefficients), read from the
	// header's sampling factors and bit depth. Zero means unknown: then
	// EstimateBytes assumes the worst case for Width×Height.
	DecodeBytes int64
}

var (
	jpegMagic = []byte{0xff, 0xd8, 0xff}
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
)

// Sniff inspects the first bytes of an upload: pass the first SniffNeed
// bytes, or the whole upload if it is shorter. It recognises the format by
// its magic bytes (anything but JPEG and PNG is ErrUnsupportedFormat without
// further reading), then reads the dimensions with the format's
// DecodeConfig, which parses the header only: it takes microseconds and
// allocates a few kilobytes whatever the image claims to be.
//
// A header that ends early is read as follows: if header is shorter than
// SniffNeed, it is taken to be the whole upload and the error is ErrCorrupt;
// if it is SniffNeed bytes or longer, the upload may go on, and the error is
// ErrNeedMore (in practice only a JPEG with more than SniffNeed bytes of
// metadata before its frame header does that).
//
// Errors wrap ErrUnsupportedFormat, ErrTooManyPixels, ErrCorrupt or
// ErrNeedMore; test them with errors.Is.
func Sniff(header []byte) (Info, error) {
	return sniff(header, len(header) < SniffNeed)
}

// sniff is Sniff with the completeness of b known: complete means b is the
// whole upload, so running out of bytes is corruption, not a short header.
func sniff(b []byte, complete bool) (Info, error) {
	format, err := magic(b, complete)
	if err != nil {
		return Info{}, err
	}
	return sniffReader(format, b, bytes.NewReader(b), complete)
}

// magic names the format from the first bytes of b.
func magic(b []byte, complete bool) (string, error) {
	switch {
	case bytes.HasPrefix(b, jpegMagic):
		return "jpeg", nil
	case bytes.HasPrefix(b, pngMagic):
		return "png", nil
	case bytes.HasPrefix(jpegMagic, b) || bytes.HasPrefix(pngMagic, b):
		// Empty, or cut inside the magic bytes.
		if complete {
			return "", fmt.Errorf("%w: %d bytes", ErrCorrupt, len(b))
		}
		return "", ErrNeedMore
	default:
		return "", ErrUnsupportedFormat
	}
}

// sniffReader reads the header of an image of the given format from r, and
// estimates its decoding memory from head, the bytes read so far.
func sniffReader(format string, head []byte, r io.Reader, complete bool) (Info, error) {
	var (
		cfg image.Config
		err error
	)
	if format == "jpeg" {
		cfg, err = jpeg.DecodeConfig(r)
	} else {
		cfg, err = png.DecodeConfig(r)
	}
	if err != nil {
		var unsupported png.UnsupportedError
		if errors.As(err, &unsupported) && pngTooLarge(head) {
			// png refuses dimensions whose byte size overflows an int.
			return Info{}, fmt.Errorf("%w: %v", ErrTooManyPixels, err)
		}
		return Info{}, configError(err, complete)
	}
	info := Info{Format: format, ContentType: "image/" + format, Width: cfg.Width, Height: cfg.Height}
	if err := checkSize(info); err != nil {
		return Info{}, err
	}
	if format == "jpeg" {
		info.DecodeBytes = scanJPEG(head).decodeBytes
		if info.DecodeBytes > 0 && cfg.ColorModel == color.RGBAModel {
			// An RGB (not YCbCr) JPEG is converted to an RGBA image.
			info.DecodeBytes += 4 * int64(info.Width) * int64(info.Height)
		}
	} else {
		info.DecodeBytes = pngDecodeBytes(head, info.Width, info.Height)
	}
	return info, nil
}

// configError classifies an error from DecodeConfig.
func configError(err error, complete bool) error {
	var je jpeg.UnsupportedError
	var pe png.UnsupportedError
	var re *readError
	switch {
	case errors.As(err, &re) || errors.Is(err, ErrTooLarge):
		return err // Process's reader failed: not the image's fault
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if !complete {
			return ErrNeedMore
		}
		return fmt.Errorf("%w: header truncated", ErrCorrupt)
	case errors.As(err, &je) || errors.As(err, &pe):
		// A valid file using a feature the standard decoders lack.
		return fmt.Errorf("%w: %v", ErrUnsupportedFormat, err)
	default:
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
}

func checkSize(info Info) error {
	if info.Width <= 0 || info.Height <= 0 {
		return fmt.Errorf("%w: %d×%d pixels", ErrCorrupt, info.Width, info.Height)
	}
	if int64(info.Width)*int64(info.Height) > MaxPixels {
		return fmt.Errorf("%w: %d×%d", ErrTooManyPixels, info.Width, info.Height)
	}
	return nil
}

// pngTooLarge reports whether a PNG's IHDR chunk claims more than MaxPixels.
func pngTooLarge(b []byte) bool {
	if len(b) < 24 || string(b[12:16]) != "IHDR" {
		return false
	}
	w, h := binary.BigEndian.Uint32(b[16:]), binary.BigEndian.Uint32(b[20:])
	return uint64(w)*uint64(h) > MaxPixels
}

// pngDecodeBytes estimates what png.Decode allocates, from the IHDR chunk
// that DecodeConfig has just validated (it sits at a fixed offset).
func pngDecodeBytes(b []byte, w, h int) int64 {
	const ihdr = 8 + 8 // signature, chunk length and type
	if len(b) < ihdr+13 {
		return 0
	}
	depth, colorType, interlace := int64(b[ihdr+8]), b[ihdr+9], b[ihdr+12]
	var perPixel int64 // bytes per pixel of the image.Image png.Decode returns
	switch colorType {
	case 0, 3: // gray, paletted
		perPixel = 1
	case 4: // gray + alpha: decoded as NRGBA
		perPixel = 4
	default: // truecolor (2) or truecolor + alpha (6)
		perPixel = 4
	}
	if depth == 16 {
		perPixel *= 2
	}
	n := perPixel * int64(w) * int64(h)
	if interlace == 1 {
		n *= 2 // each Adam7 pass is decoded into its own image, then copied
	}
	return n
}
