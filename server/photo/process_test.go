package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"testing"
	"testing/iotest"
)

// TestProcessStripsEXIFAndGPSAndTurnsUpright is the courier's photo: taken
// in portrait, stored landscape with Orientation=6 and GPS coordinates.
func TestProcessStripsEXIFAndGPSAndTurnsUpright(t *testing.T) {
	t.Parallel()
	const w, h = 1500, 2000 // upright portrait; stored as 2000×1500
	data := photoJPEG(t, w, h, 6, binary.BigEndian)
	var lat []byte
	for _, v := range gpsLatitude {
		lat = binary.BigEndian.AppendUint32(lat, v)
	}
	if !bytes.Contains(data, lat) || !bytes.Contains(data, []byte("Exif")) {
		t.Fatal("fixture lacks the EXIF and GPS bytes it should carry")
	}
	if info, err := Sniff(data); err != nil || info.Width != h || info.Height != w {
		t.Fatalf("Sniff = %+v, %v; want stored 2000×1500", info, err)
	}

	v, err := Process(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if v.DisplayWidth != 1200 || v.DisplayHeight != 1600 {
		t.Errorf("display %d×%d, want 1200×1600 (upright portrait)", v.DisplayWidth, v.DisplayHeight)
	}
	if v.ThumbWidth != 240 || v.ThumbHeight != 320 {
		t.Errorf("thumb %d×%d, want 240×320", v.ThumbWidth, v.ThumbHeight)
	}
	for name, out := range map[string][]byte{"display": v.Display, "thumb": v.Thumb} {
		t.Run("the "+name+" copy carries no metadata", func(t *testing.T) {
			for _, m := range markers(t, out) {
				if m >= 0xe0 && m <= 0xef || m == 0xfe {
					t.Errorf("has an APP%d/COM segment (marker %#x)", m-0xe0, m)
				}
			}
			for _, leak := range [][]byte{[]byte("Exif"), lat, []byte("CourierCam")} {
				if bytes.Contains(out, leak) {
					t.Errorf("contains % x", leak)
				}
			}
			if o := Orientation(out); o != 1 {
				t.Errorf("Orientation = %d, want 1", o)
			}
		})
	}
	assertUpright(t, "display", v.Display, v.DisplayWidth, v.DisplayHeight)
	assertUpright(t, "thumb", v.Thumb, v.ThumbWidth, v.ThumbHeight)
}

func TestProcessSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h           int
		dispW, dispH   int
		thumbW, thumbH int
	}{
		{2000, 1500, 1600, 1200, 320, 240},
		{900, 1700, 847, 1600, 169, 320},
		{1601, 601, 1600, 601, 320, 120},
		{1000, 500, 1000, 500, 320, 160},
		{320, 200, 320, 200, 320, 200},
		{200, 100, 200, 100, 200, 100},
		{1, 1, 1, 1, 1, 1},
		{5000, 20, 1600, 6, 320, 1},
		{30, 3000, 16, 1600, 3, 320},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%d×%d gives %d×%d and %d×%d", tt.w, tt.h, tt.dispW, tt.dispH, tt.thumbW, tt.thumbH)
		t.Run(name, func(t *testing.T) {
			if raceEnabled && tt.w*tt.h > 1_000_000 {
				t.Skip("single-goroutine image work, 20× slower under -race")
			}
			v, err := Process(bytes.NewReader(encodeJPEG(t, upright(tt.w, tt.h), 75)))
			if err != nil {
				t.Fatal(err)
			}
			got := [4]int{v.DisplayWidth, v.DisplayHeight, v.ThumbWidth, v.ThumbHeight}
			if want := [4]int{tt.dispW, tt.dispH, tt.thumbW, tt.thumbH}; got != want {
				t.Fatalf("got %v, want %v", got, want)
			}
			for name, out := range map[string][]byte{"display": v.Display, "thumb": v.Thumb} {
				cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				long := max(cfg.Width, cfg.Height)
				if name == "display" && long > DisplayLongSide || name == "thumb" && long > ThumbLongSide {
					t.Errorf("%s long side %d", name, long)
				}
			}
		})
	}
}

func TestProcessFitKeepsAspectRatio(t *testing.T) {
	for w := 1; w <= 5000; w += 37 {
		for _, h := range []int{1, 7, 480, 1599, 1600, 1601, 3000, 4999} {
			for _, long := range []int{DisplayLongSide, ThumbLongSide} {
				fw, fh := fit(w, h, long)
				if max(fw, fh) > long || fw > w || fh > h || fw < 1 || fh < 1 {
					t.Fatalf("fit(%d, %d, %d) = %d×%d", w, h, long, fw, fh)
				}
				// Rounded to the nearest pixel: within half a pixel of exact.
				if w >= h && w > long {
					if exact := float64(h) * float64(long) / float64(w); fh > 1 && (float64(fh) < exact-0.5 || float64(fh) > exact+0.5) {
						t.Fatalf("fit(%d, %d, %d) = %d×%d, exact height %.2f", w, h, long, fw, fh, exact)
					}
				}
			}
		}
	}
}

func TestProcessPNG(t *testing.T) {
	t.Parallel()
	t.Run("transparent pixels are laid on white", func(t *testing.T) {
		img := image.NewNRGBA(image.Rect(0, 0, 200, 100))
		for y := range 100 {
			for x := range 200 {
				if x < 100 {
					img.SetNRGBA(x, y, color.NRGBA{}) // fully transparent
				} else {
					img.SetNRGBA(x, y, color.NRGBA{R: 0, G: 0, B: 200, A: 255})
				}
			}
		}
		v, err := Process(bytes.NewReader(encodePNG(t, img)))
		if err != nil {
			t.Fatal(err)
		}
		out, err := jpeg.Decode(bytes.NewReader(v.Display))
		if err != nil {
			t.Fatal(err)
		}
		if c := colourAt(out, 50, 50); !near(c, color.NRGBA{R: 255, G: 255, B: 255}) {
			t.Errorf("transparent half is %v, want white", c)
		}
		if c := colourAt(out, 150, 50); !near(c, color.NRGBA{B: 200}) {
			t.Errorf("opaque half is %v, want blue", c)
		}
	})
	t.Run("a 16-bit grey PNG is resized", func(t *testing.T) {
		img := image.NewGray16(image.Rect(0, 0, 2000, 400))
		v, err := Process(bytes.NewReader(encodePNG(t, img)))
		if err != nil {
			t.Fatal(err)
		}
		if v.DisplayWidth != 1600 || v.DisplayHeight != 320 {
			t.Errorf("display %d×%d", v.DisplayWidth, v.DisplayHeight)
		}
	})
}

func TestProcessReadsPastALongHeader(t *testing.T) {
	// The frame header sits after ~200 KiB of metadata: past SniffNeed and
	// past Process's own header buffer.
	v, err := Process(bytes.NewReader(bigHeaderJPEG(t, 3, 6)))
	if err != nil {
		t.Fatal(err)
	}
	if v.DisplayWidth != 90 || v.DisplayHeight != 60 {
		t.Errorf("display %d×%d, want 90×60", v.DisplayWidth, v.DisplayHeight)
	}
	assertUpright(t, "display", v.Display, v.DisplayWidth, v.DisplayHeight)
}

func TestProcessWorksWithShortReads(t *testing.T) {
	data := photoJPEG(t, 300, 200, 8, binary.LittleEndian)
	v, err := Process(iotest.OneByteReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	assertUpright(t, "display", v.Display, v.DisplayWidth, v.DisplayHeight)
}

func TestProcessFailures(t *testing.T) {
	t.Parallel()
	jpg := encodeJPEG(t, noisyImage(400, 300), 90)
	pngData := encodePNG(t, noisyImage(400, 300))
	errDisk := errors.New("disk on fire")
	// endless is a JPEG header followed by comment segments without end.
	endless := io.MultiReader(bytes.NewReader(jpg[:2]), &repeatReader{seg: segment(0xfe, 65000, 'c')})

	tests := []struct {
		name string
		r    io.Reader
		want error
	}{
		{"a JPEG cut in its scan data is corrupt", bytes.NewReader(jpg[:len(jpg)/2]), ErrCorrupt},
		{"a PNG cut in its pixel data is corrupt", bytes.NewReader(pngData[:len(pngData)/2]), ErrCorrupt},
		{"a PNG whose pixel data is zeroed is corrupt", bytes.NewReader(zeroTail(pngData, 600)), ErrCorrupt},
		{"a reader error is returned as it is", io.MultiReader(bytes.NewReader(jpg[:1000]), iotest.ErrReader(errDisk)), errDisk},
		{"a reader failing at once returns its error", iotest.ErrReader(errDisk), errDisk},
		{"an upload over MaxBytes is too large", endless, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Process(tt.r)
			if !errors.Is(err, tt.want) || v != nil {
				t.Errorf("Process = (variants: %t), %v; want %v", v != nil, err, tt.want)
			}
			if tt.want == errDisk && errors.Is(err, ErrCorrupt) {
				t.Errorf("a reader failure is reported as corruption: %v", err)
			}
		})
	}
}

// TestProcessNeverPanicsOnDamagedFiles flips bytes all over real files.
func TestProcessNeverPanicsOnDamagedFiles(t *testing.T) {
	t.Parallel()
	for _, data := range [][]byte{
		photoJPEG(t, 120, 80, 6, binary.BigEndian),
		encodePNG(t, noisyImage(120, 80)),
	} {
		for i := 0; i < len(data); i += max(1, len(data)/300) {
			bad := bytes.Clone(data)
			bad[i] ^= 0xa5
			// Errors are expected; a panic or a hang is the failure.
			if v, err := Process(bytes.NewReader(bad)); err == nil && (v == nil || len(v.Display) == 0) {
				t.Fatalf("flipping byte %d: no error and no output", i)
			}
		}
	}
}

// noisyImage is a small image whose compressed form is mostly pixel data.
func noisyImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*2654435761>>13) | 0x0f
	}
	return img
}

// zeroTail zeroes data from keep onwards but for the last two bytes.
func zeroTail(data []byte, keep int) []byte {
	bad := bytes.Clone(data)
	clear(bad[keep : len(bad)-2])
	return bad
}

// repeatReader repeats seg forever.
type repeatReader struct {
	seg []byte
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.seg[r.off:])
		n += c
		r.off = (r.off + c) % len(r.seg)
	}
	return n, nil
}
