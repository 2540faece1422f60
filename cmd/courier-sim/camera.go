package main

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Photo shapes, stored landscape as camera sensors do; the EXIF orientation
// says how to show them. Ordinary evidence photos are 1–1.2 MP of noisy
// content (0.5–0.8 MB, 2–4 upload chunks), so that the hundreds of a demo
// encode here and go through the server's pipeline in a demo's time; each
// courier's first photo is a big one (2.8–3.1 MP, 1.2–1.4 MB).
var (
	photoSizes    = [][2]int{{1152, 864}, {1200, 900}, {1280, 960}}
	bigPhotoSizes = [][2]int{{1920, 1440}, {2048, 1536}}
	// orientations is weighted: handhelds are mostly held upright (6).
	orientations = []int{6, 6, 6, 6, 6, 1, 1, 1, 8, 3}
	cameraModels = [][2]string{{"Urovo", "DT50"}, {"Zebra", "TC26"}, {"HONOR", "X50"}, {"Xiaomi", "Redmi Note 12"}}
)

// JPEG quality and noise amplitude (luma, chroma) of ordinary and big photos.
const (
	photoQuality    = 92
	bigPhotoQuality = 85
	photoNoise      = 48
	bigPhotoNoise   = 40
	chromaNoise     = 32
)

// shot is a photo a courier took and attached.
type shot struct {
	Digest string
	// Width and Height are as stored, before the EXIF orientation.
	Width, Height int
	Orientation   int
	Big           bool
	// Kind is the op kind of the record the photo is attached to.
	Kind string
	// FileBytes is the size of the file the camera wrote.
	FileBytes int
}

// upright is the shot's size once its orientation is applied.
func (s shot) upright() (int, int) {
	if s.Orientation >= 5 {
		return s.Height, s.Width
	}
	return s.Width, s.Height
}

// camera takes one courier's photos: noisy JPEGs with an EXIF block
// (orientation, GPS position, time), written to the courier's own
// directory, attached, and deleted once the handheld holds its copy. Its
// own random source keeps the courier's records the same whatever the
// photos look like.
type camera struct {
	dir      string
	r        *rand.Rand
	now      func() time.Time
	model    [2]string
	lat, lon float64 // the courier's delivery area
	n        int
}

func newCamera(dir string, seed uint64, courier int, now func() time.Time) *camera {
	r := rand.New(rand.NewPCG(seed, uint64(courier)<<32|0xca3e7a))
	return &camera{
		dir: dir, r: r, now: now,
		model: pick(r, cameraModels),
		// Around Shanghai's centre, a few km apart per courier.
		lat: 31.2304 + (r.Float64()-0.5)*0.2,
		lon: 121.4737 + (r.Float64()-0.5)*0.2,
	}
}

// attach takes a photo, attaches it to rec and deletes the file.
func (c *camera) attach(rec recorder, big bool) (shot, error) {
	data, s := c.take(big)
	c.n++
	path := filepath.Join(c.dir, fmt.Sprintf("IMG_%04d.jpg", c.n))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return s, fmt.Errorf("camera: %w", err)
	}
	defer os.Remove(path)
	digest, err := rec.AttachPhoto(path)
	if err != nil {
		return s, fmt.Errorf("attach photo: %w", err)
	}
	s.Digest = digest
	return s, nil
}

// take makes the bytes of one photo.
func (c *camera) take(big bool) ([]byte, shot) {
	r := c.r
	size, quality, noise := pick(r, photoSizes), photoQuality, photoNoise
	if big {
		size, quality, noise = pick(r, bigPhotoSizes), bigPhotoQuality, bigPhotoNoise
	}
	s := shot{Width: size[0], Height: size[1], Orientation: pick(r, orientations), Big: big}
	var b bytes.Buffer
	// Encoding an *image.YCbCr cannot fail on a bytes.Buffer.
	_ = jpeg.Encode(&b, c.paint(s.Width, s.Height, noise), &jpeg.Options{Quality: quality})
	seg := exifSegment(exifMeta{
		Make: c.model[0], Model: c.model[1], Orientation: s.Orientation,
		Taken: c.now().In(shanghai),
		Lat:   c.lat + (r.Float64()-0.5)*0.01, Lon: c.lon + (r.Float64()-0.5)*0.01,
		AltM: 4 + r.Float64()*30,
	})
	data := withSegment(b.Bytes(), seg)
	s.FileBytes = len(data)
	return data, s
}

// paint draws a parcel on a floor: a luma gradient with a lighter box and
// a strip of tape, sensor noise on every pixel (which is what makes the
// file big), and noisy chroma, as 4:2:0 YCbCr, the JPEG encoder's own
// layout.
func (c *camera) paint(w, h, noise int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(c.r.Uint32())
	}
	src := rand.NewChaCha8(seed)
	bx, by := w/5+c.r.IntN(w/4), h/5+c.r.IntN(h/4)
	bw, bh := w/3+c.r.IntN(w/5), h/3+c.r.IntN(h/5)
	tape := by + bh/2
	row := make([]byte, w)
	for y := 0; y < h; y++ {
		_, _ = src.Read(row)
		base := 50 + 110*y/h
		out := img.Y[y*img.YStride : y*img.YStride+w]
		for x, n := range row {
			v := base + int(n)%noise - noise/2
			if x >= bx && x < bx+bw && y >= by && y < by+bh {
				v += 60
				if y >= tape-h/40 && y < tape+h/40 {
					v += 40
				}
			}
			out[x] = uint8(min(255, max(0, v)))
		}
	}
	cw, ch := (w+1)/2, (h+1)/2
	for y := 0; y < ch; y++ {
		_, _ = src.Read(row[:2*cw])
		cb := img.Cb[y*img.CStride : y*img.CStride+cw]
		cr := img.Cr[y*img.CStride : y*img.CStride+cw]
		for x := range cb {
			cb[x] = uint8(100 + 20*x/cw + int(row[2*x])%chromaNoise)
			cr[x] = uint8(135 - 15*y/ch + int(row[2*x+1])%chromaNoise)
		}
	}
	return img
}

// evidence is the photos of one record.
type evidence struct {
	digests []string
	real    bool
	shots   []shot
}

// attachEvidence returns the photos for a record of kind: with chance photoRate
// (given a camera) nReal real photos attached to rec, the courier's first
// one big; else nFake made-up digests. It draws the same numbers from the record
// stream either way.
func (g *generator) attachEvidence(rec recorder, kind string, nFake, nReal int) (evidence, error) {
	roll := g.r.Float64()
	fake := make([]string, nFake)
	for i := range fake {
		fake[i] = g.photo()
	}
	if g.cam == nil || roll >= g.photoRate {
		return evidence{digests: fake}, nil
	}
	ev := evidence{real: true}
	for range nReal {
		s, err := g.cam.attach(rec, !g.bigTaken)
		if err != nil {
			return ev, err
		}
		g.bigTaken = true
		s.Kind = kind
		ev.shots = append(ev.shots, s)
		ev.digests = append(ev.digests, s.Digest)
	}
	return ev, nil
}

// note adds the evidence to the outcome of the record that carries it.
func (ev evidence) note(o outcome) outcome {
	o.Shots = ev.shots
	if o.OpID != "" {
		o.Evidence, o.RealPhotos = ev.digests, ev.real
	}
	return o
}
