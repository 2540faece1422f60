package photo

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxScans is the most scans (SOS segments) a JPEG may have. A baseline
// JPEG has one; libjpeg's and mozjpeg's progressive scripts use 10 or
// fewer for colour photos. Each scan costs the decoder a pass over every
// block of its components, so a file of many tiny scans (a "scan bomb": a
// 476 KB file took 30 s of CPU) is refused before decoding.
const MaxScans = 64

var (
	// ErrTooManyScans means a JPEG has more than MaxScans scans. The
	// server answers 422 (at upload) or marks the photo unprocessable.
	ErrTooManyScans = errors.New("photo: too many JPEG scans")
	// ErrTrailingData means bytes follow the image's end (a JPEG's EOI
	// marker, a PNG's IEND chunk). Uploads are refused (422) rather than
	// stripped: the stored original must hash to its name, and bytes after
	// the end are not part of the picture (hidden payloads, junk).
	ErrTrailingData = errors.New("photo: data after the end of the image")
)

// Structure is what a walk over a whole file finds.
type Structure struct {
	// Format is "jpeg" or "png".
	Format string
	// Scans counts a JPEG's scans (0 for a PNG).
	Scans int
}

// CheckStructure reads a whole JPEG or PNG from r and checks its framing
// without decoding a pixel: a JPEG's marker segments and scans up to its
// EOI (at most MaxScans scans), a PNG's chunks up to IEND, and nothing
// after the end. It reads r once, in linear time, with a fixed small
// buffer. Errors wrap ErrUnsupportedFormat, ErrCorrupt, ErrTooManyScans,
// ErrTrailingData, or are r's own errors wrapped in a readError.
func CheckStructure(r io.Reader) (Structure, error) {
	br := bufio.NewReaderSize(&maxReader{r: r, n: MaxBytes}, 32<<10)
	head, err := br.Peek(8)
	if err != nil && !errors.Is(err, io.EOF) {
		return Structure{}, err
	}
	format, err := magic(head, true)
	if err != nil {
		return Structure{}, err
	}
	s := Structure{Format: format}
	if format == "jpeg" {
		s.Scans, err = walkJPEG(br)
	} else {
		err = walkPNG(br)
	}
	if err != nil {
		return s, structureError(err)
	}
	if _, err := br.ReadByte(); err == nil {
		return s, ErrTrailingData
	} else if !errors.Is(err, io.EOF) {
		return s, structureError(err)
	}
	return s, nil
}

func structureError(err error) error {
	var re *readError
	switch {
	case errors.As(err, &re), errors.Is(err, ErrTooLarge), errors.Is(err, ErrTooManyScans),
		errors.Is(err, ErrCorrupt):
		return err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the image ends before its end marker", ErrCorrupt)
	default:
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
}

// walkJPEG reads marker segments and entropy-coded data up to and
// including EOI, counting scans.
func walkJPEG(br *bufio.Reader) (int, error) {
	if _, err := br.Discard(2); err != nil { // SOI
		return 0, err
	}
	scans := 0
	marker, err := nextMarker(br)
	for err == nil {
		switch {
		case marker == 0xd9: // EOI
			return scans, nil
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd7: // no length
			marker, err = nextMarker(br)
			continue
		}
		var n [2]byte
		if _, err = io.ReadFull(br, n[:]); err != nil {
			break
		}
		size := int(binary.BigEndian.Uint16(n[:]))
		if size < 2 {
			return scans, fmt.Errorf("%w: segment length %d", ErrCorrupt, size)
		}
		if _, err = br.Discard(size - 2); err != nil {
			break
		}
		if marker != 0xda {
			marker, err = nextMarker(br)
			continue
		}
		if scans++; scans > MaxScans {
			return scans, fmt.Errorf("%w: more than %d", ErrTooManyScans, MaxScans)
		}
		marker, err = skipEntropy(br)
	}
	return scans, err
}

// nextMarker reads the next marker, which must follow at once (fill bytes
// 0xff allowed).
func nextMarker(br *bufio.Reader) (byte, error) {
	b, err := br.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != 0xff {
		return 0, fmt.Errorf("%w: expected a marker", ErrCorrupt)
	}
	for b == 0xff {
		if b, err = br.ReadByte(); err != nil {
			return 0, err
		}
	}
	if b == 0 {
		return 0, fmt.Errorf("%w: stuffed byte outside a scan", ErrCorrupt)
	}
	return b, nil
}

// skipEntropy reads a scan's entropy-coded data, where 0xff is followed by
// a stuffed 0x00, a restart marker or fill, and returns the marker that
// ends it.
func skipEntropy(br *bufio.Reader) (byte, error) {
	for {
		if _, err := br.ReadSlice(0xff); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return 0, err
		} else if err != nil {
			continue
		}
		b, err := br.ReadByte()
		for err == nil && b == 0xff {
			b, err = br.ReadByte()
		}
		switch {
		case err != nil:
			return 0, err
		case b == 0x00, b >= 0xd0 && b <= 0xd7: // stuffed byte, restart marker
		default:
			return b, nil
		}
	}
}

// walkPNG reads chunks up to and including IEND.
func walkPNG(br *bufio.Reader) error {
	if _, err := br.Discard(len(pngMagic)); err != nil {
		return err
	}
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n > 1<<31-1 {
			return fmt.Errorf("%w: chunk length %d", ErrCorrupt, n)
		}
		if _, err := br.Discard(int(n) + 4); err != nil { // data and CRC
			return err
		}
		if bytes.Equal(hdr[4:], []byte("IEND")) {
			return nil
		}
	}
}
