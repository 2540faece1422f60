package mobileapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/courier-sync/courier-sync/internal/exiforient"
	"github.com/courier-sync/courier-sync/syncproto"
)

// photoJPEG encodes a w×h JPEG: a brightness gradient with a little noise,
// the left half reddish and the right half bluish, so orientation can be
// checked. orientation > 0 adds an EXIF block with that orientation tag.
func photoJPEG(t *testing.T, w, h, orientation int) []byte {
	t.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	x := uint32(w*31 + h) // xorshift state: cheap noise
	for y := 0; y < h; y++ {
		row := img.Y[y*img.YStride : y*img.YStride+w]
		base := uint32(50 + y*140/h)
		for i := range row {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			row[i] = uint8(base + x%6)
		}
	}
	cw := (w + 1) / 2
	for cy := 0; cy < (h+1)/2; cy++ {
		for cx := 0; cx < cw; cx++ {
			i := cy*img.CStride + cx
			if cx < cw/2 {
				img.Cb[i], img.Cr[i] = 90, 210 // red
			} else {
				img.Cb[i], img.Cr[i] = 210, 90 // blue
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if orientation == 0 {
		return data
	}
	// APP1 "Exif\0\0" + big-endian TIFF with one IFD0 entry: 0x0112 SHORT.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	binary.BigEndian.PutUint16(tiff[18:], uint16(orientation))
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	return append(append(append([]byte(nil), data[:2]...), seg...), data[2:]...)
}

// noisePNG encodes a w×h greyscale PNG of random noise, stored without
// compression: about w·h bytes that no transport can squeeze.
func noisePNG(t *testing.T, w, h int, seed uint64) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rand.NewChaCha8(key).Read(img.Pix)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader is the signature and IHDR chunk of a w×h greyscale PNG, with
// no pixel data: enough for the header check.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 4+13)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12] = 8 // bit depth; colour type 0, the rest 0
	out := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}

// writeFile writes data into a fresh file of the test and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// withConfig opens an outbox that has pulled c from a fake server.
func withConfig(t *testing.T, c syncproto.Config) (*fakeServer, *Outbox, string) {
	t.Helper()
	f := newFakeServer(t)
	f.addConfig(c)
	path := tempDB(t)
	o, _ := openTest(t, path, testOptions(f))
	if err := o.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return f, o, path
}

// localCopy reads the outbox's copy of a photo.
func localCopy(t *testing.T, o *Outbox, digest string) []byte {
	t.Helper()
	b, err := os.ReadFile(o.photoPath(digest))
	if err != nil {
		t.Fatalf("local copy of %s: %v", digest, err)
	}
	return b
}

func mustPhotos(t *testing.T, o *Outbox) []*PhotoStatus {
	t.Helper()
	ps, err := o.Photos()
	if err != nil {
		t.Fatalf("Photos: %v", err)
	}
	return ps
}

func TestAttachPhoto(t *testing.T) {
	t.Parallel()
	t.Run("a photo is queued durably: it survives Close and Open, and its digest is that of the copied bytes", func(t *testing.T) {
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(nil))
		orig := photoJPEG(t, 640, 480, 0)
		digest, err := o.AttachPhoto(writeFile(t, "p.jpg", orig))
		if err != nil {
			t.Fatalf("AttachPhoto: %v", err)
		}
		if !syncproto.ValidDigest(digest) {
			t.Fatalf("digest %q is not lowercase hex SHA-256", digest)
		}
		o.Close()
		o2, _ := openTest(t, path, &Options{})
		ps := mustPhotos(t, o2)
		if len(ps) != 1 || ps[0].Digest != digest || ps[0].State != PhotoPending || ps[0].Size != int64(len(orig)) || ps[0].Sent != 0 {
			t.Fatalf("Photos after reopen = %+v, want one pending photo of %d bytes", ps, len(orig))
		}
		if got := localCopy(t, o2, digest); sha(got) != digest {
			t.Errorf("local copy hashes to %s, not its digest %s", sha(got), digest)
		}
		if s := mustStatus(t, o2); s.PhotosPending != 1 || s.PhotosFailed != 0 {
			t.Errorf("status = %+v, want 1 photo pending", s)
		}
	})

	t.Run("attaching the same bytes twice returns the same digest and queues one photo", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		orig := photoJPEG(t, 320, 240, 0)
		d1, err1 := o.AttachPhoto(writeFile(t, "a.jpg", orig))
		d2, err2 := o.AttachPhoto(writeFile(t, "b.jpg", orig))
		if err1 != nil || err2 != nil || d1 != d2 {
			t.Fatalf("AttachPhoto twice = %s, %v / %s, %v; want one digest", d1, err1, d2, err2)
		}
		if ps := mustPhotos(t, o); len(ps) != 1 {
			t.Errorf("Photos = %d entries, want 1", len(ps))
		}
	})

	t.Run("with PhotoMaxPixels 0 a large photo is kept byte for byte", func(t *testing.T) {
		_, o, _ := withConfig(t, syncproto.Config{PhotoMaxPixels: 0, JPEGQuality: 40})
		orig := photoJPEG(t, 1200, 900, 6)
		digest, err := o.AttachPhoto(writeFile(t, "big.jpg", orig))
		if err != nil {
			t.Fatalf("AttachPhoto: %v", err)
		}
		if got := localCopy(t, o, digest); !bytes.Equal(got, orig) || digest != sha(orig) {
			t.Errorf("copy differs from the original (%d vs %d bytes)", len(got), len(orig))
		}
	})

	t.Run("a 12 MP photo is downscaled to the pixel budget, aspect kept, and comes out much smaller", func(t *testing.T) {
		_, o, _ := withConfig(t, syncproto.Config{PhotoMaxPixels: 1600 * 1200, JPEGQuality: 80})
		orig := photoJPEG(t, 4000, 3000, 0)
		digest, err := o.AttachPhoto(writeFile(t, "12mp.jpg", orig))
		if err != nil {
			t.Fatalf("AttachPhoto: %v", err)
		}
		got := localCopy(t, o, digest)
		if sha(got) != digest {
			t.Fatalf("local copy hashes to %s, not its digest %s", sha(got), digest)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(got))
		if err != nil {
			t.Fatalf("the copy is not a JPEG: %v", err)
		}
		if px := cfg.Width * cfg.Height; px > 1600*1200 || px < 1_900_000 || cfg.Width*3 != cfg.Height*4 {
			t.Errorf("copy is %d×%d, want about 1.92 MP at 4:3", cfg.Width, cfg.Height)
		}
		if len(got)*4 > len(orig) {
			t.Errorf("copy is %d bytes, original %d: want under a quarter", len(got), len(orig))
		}
		if ps := mustPhotos(t, o); len(ps) != 1 || ps[0].Size != int64(len(got)) {
			t.Errorf("Photos = %+v, want the downscaled size %d", ps, len(got))
		}
		t.Logf("12 MP: %d bytes → %d×%d, %d bytes", len(orig), cfg.Width, cfg.Height, len(got))
	})

	t.Run("a downscaled photo is turned upright after its EXIF orientation", func(t *testing.T) {
		_, o, _ := withConfig(t, syncproto.Config{PhotoMaxPixels: 40_000})
		// Stored landscape, red left and blue right; orientation 6 means
		// "rotate 90° clockwise to view": upright it is portrait, red on top.
		digest, err := o.AttachPhoto(writeFile(t, "rot.jpg", photoJPEG(t, 400, 300, 6)))
		if err != nil {
			t.Fatalf("AttachPhoto: %v", err)
		}
		img, err := jpeg.Decode(bytes.NewReader(localCopy(t, o, digest)))
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		if b.Dx() >= b.Dy() || b.Dx()*b.Dy() > 40_000 {
			t.Fatalf("copy is %d×%d, want portrait within 40000 pixels", b.Dx(), b.Dy())
		}
		top, bottom := img.At(b.Dx()/2, b.Dy()/8), img.At(b.Dx()/2, b.Dy()*7/8)
		if r, _, bl, _ := top.RGBA(); r < bl {
			t.Errorf("top of the upright photo is %v, want red", top)
		}
		if r, _, bl, _ := bottom.RGBA(); r > bl {
			t.Errorf("bottom of the upright photo is %v, want blue", bottom)
		}
	})

	t.Run("formats other than JPEG and PNG are refused and nothing is queued", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		var gifBuf bytes.Buffer
		if err := gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White}), nil); err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{
			"photo.gif":   gifBuf.Bytes(),
			"notes.txt":   []byte("not a photo"),
			"trunc.jpg":   photoJPEG(t, 64, 64, 0)[:3],
			"garbage.png": []byte("\x89PNG\r\n\x1a\nrubbish"),
		} {
			if d, err := o.AttachPhoto(writeFile(t, name, data)); !errors.Is(err, ErrPhotoFormat) {
				t.Errorf("AttachPhoto(%s) = %q, %v; want ErrPhotoFormat", name, d, err)
			}
		}
		if ps := mustPhotos(t, o); len(ps) != 0 {
			t.Errorf("Photos = %+v, want none", ps)
		}
		if entries, _ := os.ReadDir(o.photoDir); len(entries) != 0 {
			t.Errorf("photo directory holds %d files, want none", len(entries))
		}
	})

	t.Run("a photo of more than 50 megapixels is refused from its header, before decoding", func(t *testing.T) {
		_, o, _ := withConfig(t, syncproto.Config{PhotoMaxPixels: 1_000_000})
		if _, err := o.AttachPhoto(writeFile(t, "huge.png", pngHeader(10_000, 6_000))); !errors.Is(err, ErrPhotoTooLarge) {
			t.Errorf("AttachPhoto(60 MP) = %v, want ErrPhotoTooLarge", err)
		}
	})

	t.Run("attaching after Close fails with ErrClosed", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		o.Close()
		if _, err := o.AttachPhoto(writeFile(t, "p.jpg", photoJPEG(t, 16, 16, 0))); !errors.Is(err, ErrClosed) {
			t.Errorf("AttachPhoto = %v, want ErrClosed", err)
		}
	})
}

func TestJPEGOrientation(t *testing.T) {
	for o := 1; o <= 8; o++ {
		if got := exiforient.FromJPEG(photoJPEG(t, 8, 8, o)); got != o {
			t.Errorf("orientation %d read as %d", o, got)
		}
	}
	for name, data := range map[string][]byte{
		"no EXIF":           photoJPEG(t, 8, 8, 0),
		"truncated segment": photoJPEG(t, 8, 8, 6)[:20],
		"not a JPEG":        []byte("hello"),
	} {
		if got := exiforient.FromJPEG(data); got != exiforient.Unknown {
			t.Errorf("%s: orientation %d, want unknown", name, got)
		}
	}
}

// Issue 10 item 5: the handheld read the first EXIF segment only and took
// a segment without the tag as upright, while the server reads on to the
// next: the same file came out turned on the server and not on the phone.
// Both now read orientation through internal/exiforient.
func TestCaptureReadsOrientationAsTheServerDoes(t *testing.T) {
	data := photoJPEG(t, 400, 300, 6)
	// An EXIF segment without an Orientation tag (a Make tag) first.
	tagless := []byte("\xff\xe1\x00\x22Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x0f\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	data = append(append(append([]byte(nil), data[:2]...), tagless...), data[2:]...)
	if o := exiforient.FromJPEG(data); o != 6 {
		t.Fatalf("orientation %d, want 6", o)
	}
	out, err := capture(data, 40_000, 80)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width >= cfg.Height {
		t.Fatalf("captured %d×%d, want the portrait of orientation 6", cfg.Width, cfg.Height)
	}
}
