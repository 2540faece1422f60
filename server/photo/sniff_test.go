package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/gif"
	"math/rand/v2"
	"runtime"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

func TestSniffReadsFormatAndDimensions(t *testing.T) {
	img := upright(123, 45)
	tests := []struct {
		name   string
		data   []byte
		format string
	}{
		{"a JPEG is read from its frame header", encodeJPEG(t, img, 80), "jpeg"},
		{"a JPEG with EXIF is read past the EXIF segment", photoJPEG(t, 123, 45, 1, binary.BigEndian), "jpeg"},
		{"a PNG is read from its IHDR chunk", encodePNG(t, img), "png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Sniff(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tt.format || info.ContentType != "image/"+tt.format || info.Width != 123 || info.Height != 45 {
				t.Errorf("Sniff = %+v, want %s 123×45", info, tt.format)
			}
			if info.DecodeBytes <= 0 {
				t.Errorf("DecodeBytes = %d, want an estimate", info.DecodeBytes)
			}
		})
	}
}

func TestSniffRejectsOtherFormats(t *testing.T) {
	img := upright(16, 16)
	var gifBuf, tiffBuf, bmpBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&tiffBuf, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, img); err != nil {
		t.Fatal(err)
	}
	webp := []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
	heic := []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
	tests := []struct {
		name string
		data []byte
	}{
		{"a GIF", gifBuf.Bytes()},
		{"a little-endian TIFF (II*\\0)", tiffBuf.Bytes()},
		{"a big-endian TIFF header (MM\\0*)", []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x00")},
		{"a BMP", bmpBuf.Bytes()},
		{"a WebP", webp},
		{"a HEIC", heic},
		{"plain text", []byte("hello, this is not a photo")},
		{"an SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is unsupported", func(t *testing.T) {
			if _, err := Sniff(tt.data); !errors.Is(err, ErrUnsupportedFormat) {
				t.Errorf("Sniff = %v, want ErrUnsupportedFormat", err)
			}
			if _, err := Process(bytes.NewReader(tt.data)); !errors.Is(err, ErrUnsupportedFormat) {
				t.Errorf("Process = %v, want ErrUnsupportedFormat", err)
			}
		})
	}
}

func TestSniffRejectsCorruptHeaders(t *testing.T) {
	jpg := encodeJPEG(t, upright(64, 48), 80)
	pngData := encodePNG(t, upright(64, 48))
	badCRC := append([]byte{}, pngData...)
	badCRC[8+8+13] ^= 0xff
	garbage := append([]byte{0xff, 0xd8, 0xff}, bytes.Repeat([]byte{0x00}, 100)...)
	zero := pngClaiming(0, 10)
	tests := []struct {
		name string
		data []byte
	}{
		{"an empty upload", nil},
		{"a JPEG cut inside its magic bytes", jpg[:2]},
		{"a PNG cut inside its signature", pngData[:5]},
		{"a JPEG cut before its frame header", jpg[:40]},
		{"a PNG cut inside IHDR", pngData[:20]},
		{"a PNG whose IHDR checksum is wrong", badCRC},
		{"a PNG claiming zero width", zero},
		{"a JPEG with garbage after SOI", garbage},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is corrupt", func(t *testing.T) {
			if _, err := Sniff(tt.data); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Sniff = %v, want ErrCorrupt", err)
			}
			if _, err := Process(bytes.NewReader(tt.data)); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Process = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestSniffRejectsTooManyPixelsCheaply(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"a PNG header claiming 60000×60000", pngClaiming(60000, 60000)},
		{"a PNG header claiming 2^31-1 × 2^31-1", pngClaiming(1<<31-1, 1<<31-1)},
		{"a PNG header claiming 50,000,001 pixels", pngClaiming(50_000_001, 1)},
		{"a JPEG header claiming 60000×60000", jpegClaiming(t, 60000, 60000)},
		{"a JPEG header claiming 65535×1000", jpegClaiming(t, 65535, 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused with a tiny allocation", func(t *testing.T) {
			if _, err := Sniff(tt.data); !errors.Is(err, ErrTooManyPixels) {
				t.Fatalf("Sniff = %v, want ErrTooManyPixels", err)
			}
			const runs = 100
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				_, _ = Sniff(tt.data)
			}
			runtime.ReadMemStats(&after)
			perRun := (after.TotalAlloc - before.TotalAlloc) / runs
			if perRun > 64<<10 {
				t.Errorf("Sniff allocated %d bytes per call, want < 64 KiB", perRun)
			}
			t.Logf("%d bytes, %.0f allocations per call", perRun, testing.AllocsPerRun(runs, func() { _, _ = Sniff(tt.data) }))
			if _, err := Process(bytes.NewReader(tt.data)); !errors.Is(err, ErrTooManyPixels) {
				t.Errorf("Process = %v, want ErrTooManyPixels", err)
			}
		})
	}
}

func TestSniffAcceptsTheLargestAllowedImage(t *testing.T) {
	info, err := Sniff(pngClaiming(10000, 5000))
	if err != nil {
		t.Fatalf("Sniff of exactly MaxPixels = %v", err)
	}
	if info.Width*info.Height != MaxPixels {
		t.Errorf("got %d×%d", info.Width, info.Height)
	}
}

// bigHeaderJPEG is a JPEG whose SOF sits after n 64 KiB metadata segments
// (as phones write ICC profiles and MPF data), with EXIF orientation o first.
func bigHeaderJPEG(t testing.TB, n, o int) []byte {
	t.Helper()
	segs := [][]byte{exifAPP1(t, o, binary.LittleEndian)}
	for range n {
		segs = append(segs, segment(0xe2, 65533, 0x5a))
	}
	return spliceAfterSOI(encodeJPEG(t, stored(upright(90, 60), o), 90), segs...)
}

func TestSniffOfAHeaderLongerThanSniffNeed(t *testing.T) {
	data := bigHeaderJPEG(t, 3, 1)
	t.Run("the first SniffNeed bytes ask for more", func(t *testing.T) {
		if _, err := Sniff(data[:SniffNeed]); !errors.Is(err, ErrNeedMore) {
			t.Errorf("Sniff = %v, want ErrNeedMore", err)
		}
	})
	t.Run("the same bytes as a whole upload are corrupt", func(t *testing.T) {
		if _, err := Sniff(data[:SniffNeed-1]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Sniff = %v, want ErrCorrupt", err)
		}
	})
	t.Run("the whole upload is read", func(t *testing.T) {
		info, err := Sniff(data)
		if err != nil || info.Width != 90 || info.Height != 60 {
			t.Errorf("Sniff = %+v, %v; want 90×60", info, err)
		}
	})
}

func TestSniffNeverAllocatesForClaimedPixels(t *testing.T) {
	// A PNG that claims a big image and then really carries pixel data:
	// Sniff must still stop at the header.
	img := image.NewGray(image.Rect(0, 0, 1000, 1000))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Uint32())
	}
	data := encodePNG(t, img)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	info, err := Sniff(data[:min(len(data), SniffNeed)])
	runtime.ReadMemStats(&after)
	if err != nil || info.Width != 1000 || len(data) < 2*SniffNeed {
		t.Fatalf("Sniff = %+v, %v", info, err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("Sniff of a 1 MP PNG allocated %d bytes", n)
	}
	if want := int64(1000 * 1000); info.DecodeBytes != want {
		t.Errorf("DecodeBytes = %d, want %d for 8-bit grey", info.DecodeBytes, want)
	}
}
