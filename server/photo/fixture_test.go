package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// Colours of the test picture: the upright picture has a red block in its
// top-left corner and a blue block in its top-right corner on grey, so any
// of the eight flips and turns moves at least one of them.
var (
	red  = color.NRGBA{R: 220, G: 20, B: 20, A: 255}
	blue = color.NRGBA{R: 20, G: 20, B: 220, A: 255}
	grey = color.NRGBA{R: 128, G: 128, B: 128, A: 255}
)

// upright draws the picture as it should look, w×h.
func upright(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	bw, bh := w/5, h/5
	top, rest := make([]byte, 0, 4*w), make([]byte, 0, 4*w)
	for x := range w {
		c := grey
		switch {
		case x < bw:
			c = red
		case x >= w-bw:
			c = blue
		}
		top = append(top, c.R, c.G, c.B, c.A)
		rest = append(rest, grey.R, grey.G, grey.B, grey.A)
	}
	for y := range h {
		row := rest
		if y < bh {
			row = top
		}
		copy(img.Pix[y*img.Stride:], row)
	}
	return img
}

// stored returns how a camera would store the upright picture u when it
// writes EXIF orientation o, following the TIFF 6.0 definitions of where
// the stored 0th row and 0th column sit in the visual image (written out
// independently of the code under test).
func stored(u *image.NRGBA, o int) *image.NRGBA {
	w, h := u.Rect.Dx(), u.Rect.Dy()
	sw, sh := w, h
	if o >= 5 {
		sw, sh = h, w
	}
	s := image.NewNRGBA(image.Rect(0, 0, sw, sh))
	for sy := range sh {
		for sx := range sw {
			var x, y int
			switch o {
			case 1: // row 0 top, column 0 left
				x, y = sx, sy
			case 2: // row 0 top, column 0 right
				x, y = w-1-sx, sy
			case 3: // row 0 bottom, column 0 right
				x, y = w-1-sx, h-1-sy
			case 4: // row 0 bottom, column 0 left
				x, y = sx, h-1-sy
			case 5: // row 0 left, column 0 top
				x, y = sy, sx
			case 6: // row 0 right, column 0 top
				x, y = w-1-sy, sx
			case 7: // row 0 right, column 0 bottom
				x, y = w-1-sy, h-1-sx
			case 8: // row 0 left, column 0 bottom
				x, y = sy, h-1-sx
			}
			copy(s.Pix[sy*s.Stride+4*sx:][:4], u.Pix[y*u.Stride+4*x:])
		}
	}
	return s
}

// gpsLatitude is the GPSLatitude value written into test EXIF: 52°31'12.34"
// as three RATIONALs. Its bytes must not survive into any output.
var gpsLatitude = [6]uint32{52, 1, 31, 1, 1234, 100}

// byteOrder is binary.BigEndian or binary.LittleEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifAPP1 builds a complete APP1 segment (marker included) holding EXIF
// with the given orientation in IFD0 (0: no Orientation tag), a Make tag
// and a GPS IFD with latitude and longitude, in the given byte order.
func exifAPP1(t testing.TB, orientation int, order byteOrder) []byte {
	t.Helper()
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte // inline if ≤ 4 bytes, else placed after the IFD
	}
	u16 := func(v uint16) []byte { return order.AppendUint16(nil, v) }
	u32s := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = order.AppendUint32(b, v)
		}
		return b
	}
	// writeIFD appends an IFD at offset len(tiff) and returns the new tiff.
	writeIFD := func(tiff []byte, entries []entry) []byte {
		start := len(tiff)
		extra := start + 2 + 12*len(entries) + 4
		var tail []byte
		tiff = append(tiff, u16(uint16(len(entries)))...)
		for _, e := range entries {
			tiff = append(tiff, u16(e.tag)...)
			tiff = append(tiff, u16(e.typ)...)
			tiff = append(tiff, u32s(e.count)...)
			if len(e.value) <= 4 {
				v := make([]byte, 4)
				copy(v, e.value)
				tiff = append(tiff, v...)
				continue
			}
			tiff = append(tiff, u32s(uint32(extra+len(tail)))...)
			tail = append(tail, e.value...)
		}
		tiff = append(tiff, 0, 0, 0, 0) // no next IFD
		return append(tiff, tail...)
	}

	var tiff []byte
	if order == binary.BigEndian {
		tiff = append(tiff, 'M', 'M')
	} else {
		tiff = append(tiff, 'I', 'I')
	}
	tiff = append(tiff, u16(42)...)
	tiff = append(tiff, u32s(8)...)

	make_ := []byte("CourierCam\x00")
	ifd0 := []entry{{tag: 0x010f, typ: 2, count: uint32(len(make_)), value: make_}}
	if orientation != 0 {
		ifd0 = append(ifd0, entry{tag: 0x0112, typ: 3, count: 1, value: u16(uint16(orientation))})
	}
	// The GPS IFD goes right after IFD0 and its out-of-line values.
	ifd0Size := 2 + 12*(len(ifd0)+1) + 4 + len(make_)
	ifd0 = append(ifd0, entry{tag: 0x8825, typ: 4, count: 1, value: u32s(uint32(8 + ifd0Size))})
	tiff = writeIFD(tiff, ifd0)
	if len(tiff) != 8+ifd0Size {
		t.Fatalf("IFD0 layout: %d bytes, planned %d", len(tiff)-8, ifd0Size)
	}
	tiff = writeIFD(tiff, []entry{
		{tag: 0x0000, typ: 1, count: 4, value: []byte{2, 3, 0, 0}},
		{tag: 0x0001, typ: 2, count: 2, value: []byte("N\x00")},
		{tag: 0x0002, typ: 5, count: 3, value: u32s(gpsLatitude[:]...)},
		{tag: 0x0003, typ: 2, count: 2, value: []byte("E\x00")},
		{tag: 0x0004, typ: 5, count: 3, value: u32s(13, 1, 24, 1, 5678, 100)},
	})

	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+len(payload)))
	return append(seg, payload...)
}

// segment builds a marker segment with n bytes of payload filled with b.
func segment(marker byte, n int, b byte) []byte {
	seg := []byte{0xff, marker}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+n))
	return append(seg, bytes.Repeat([]byte{b}, n)...)
}

// spliceAfterSOI inserts segments right after a JPEG's SOI marker.
func spliceAfterSOI(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	if n, ok := img.(*image.NRGBA); ok && n.Opaque() {
		img = &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect} // image/jpeg's fast path
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// photoJPEG is the upright picture stored with orientation o and EXIF+GPS.
func photoJPEG(t testing.TB, w, h, o int, order byteOrder) []byte {
	t.Helper()
	return spliceAfterSOI(encodeJPEG(t, stored(upright(w, h), o), 90), exifAPP1(t, o, order))
}

// noisyJPEG makes a w×h photo-like JPEG: smooth gradients plus sensor-like
// noise, so that it compresses like a real photo (~0.3 bytes per pixel).
func noisyJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			v := 40 + 150*x/w + 40*y/h + rng.IntN(24)
			img.Y[img.YOffset(x, y)] = uint8(v)
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			i := y*img.CStride + x
			img.Cb[i] = uint8(100 + 50*x/w + rng.IntN(6))
			img.Cr[i] = uint8(150 - 40*y/h + rng.IntN(6))
		}
	}
	return encodeJPEG(t, img, 90)
}

// pngClaiming returns a valid PNG signature and IHDR chunk (correct CRC)
// claiming w×h pixels of 8-bit RGBA, and nothing else.
func pngClaiming(w, h uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	b := append([]byte{}, pngMagic...)
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// jpegClaiming returns a small real JPEG whose frame header is rewritten to
// claim w×h pixels.
func jpegClaiming(t testing.TB, w, h uint16) []byte {
	t.Helper()
	b := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 8, 8)), 80)
	i := bytes.Index(b, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 in encoded JPEG")
	}
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

// markers lists the marker bytes of a JPEG's segments before its first scan,
// failing the test if the structure is broken.
func markers(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xd8 {
		t.Fatalf("not a JPEG: starts % x", b[:min(4, len(b))])
	}
	var ms []byte
	for i := 2; ; {
		if i+4 > len(b) || b[i] != 0xff {
			t.Fatalf("broken marker structure at byte %d", i)
		}
		m := b[i+1]
		ms = append(ms, m)
		if m == 0xda {
			return ms
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
}

// colourAt samples the average colour of a 5×5 patch centred at (x, y) of a
// decoded JPEG.
func colourAt(img image.Image, x, y int) color.NRGBA {
	var r, g, b, n int
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			c := color.NRGBAModel.Convert(img.At(x+dx, y+dy)).(color.NRGBA)
			r, g, b, n = r+int(c.R), g+int(c.G), b+int(c.B), n+1
		}
	}
	return color.NRGBA{R: uint8(r / n), G: uint8(g / n), B: uint8(b / n), A: 255}
}

// near reports whether two colours are within JPEG's error of each other.
func near(a, b color.NRGBA) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) < 40 && d(a.G, b.G) < 40 && d(a.B, b.B) < 40
}
