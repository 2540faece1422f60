package main

import (
	"bytes"
	"image/jpeg"
	"math"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/photo"
)

// tiffTags reads the tags of the IFD at off of a big-endian TIFF block:
// tag → (type, count, value bytes).
func tiffTags(t *testing.T, tiff []byte, off uint32) map[uint16]tiffField {
	t.Helper()
	if string(tiff[:4]) != "MM\x00\x2a" {
		t.Fatalf("TIFF header % x, want big-endian", tiff[:4])
	}
	size := map[uint16]int{tiffByte: 1, tiffASCII: 1, tiffShort: 2, tiffLong: 4, tiffRational: 8}
	n := int(be.Uint16(tiff[off:]))
	out := map[uint16]tiffField{}
	for i := range n {
		e := tiff[int(off)+2+12*i:]
		f := tiffField{tag: be.Uint16(e), typ: be.Uint16(e[2:]), count: be.Uint32(e[4:])}
		l := size[f.typ] * int(f.count)
		if l <= 4 {
			f.val = e[8 : 8+l]
		} else {
			p := be.Uint32(e[8:])
			f.val = tiff[p : p+uint32(l)]
		}
		out[f.tag] = f
	}
	return out
}

// degrees reads a GPS latitude or longitude (three rationals).
func degrees(f tiffField) float64 {
	r := func(i int) float64 { return float64(be.Uint32(f.val[8*i:])) / float64(be.Uint32(f.val[8*i+4:])) }
	return r(0) + r(1)/60 + r(2)/3600
}

// exifOf returns the TIFF block of a JPEG's APP1 segment, which must come
// right after SOI.
func exifOf(t *testing.T, jpg []byte) []byte {
	t.Helper()
	segs, err := jpegSegments(jpg)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) == 0 || segs[0].Marker != markerAPP1 || !bytes.HasPrefix(segs[0].Data, []byte(exifHeader)) {
		t.Fatal("the first segment after SOI is not an EXIF APP1 segment")
	}
	return segs[0].Data[len(exifHeader):]
}

func TestEXIFSegmentCarriesOrientationAndGPSThatReadBack(t *testing.T) {
	meta := exifMeta{Make: "Urovo", Model: "DT50", Orientation: 6, Taken: time.Date(2026, 11, 27, 9, 30, 15, 0, shanghai),
		Lat: 31.230416, Lon: 121.473701, AltM: 12.5}
	jpg := withSegment(plainJPEG(t, 64, 48), exifSegment(meta))
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg)); err != nil || cfg.Width != 64 {
		t.Fatalf("the JPEG with EXIF no longer decodes: %v", err)
	}
	if got := photo.Orientation(jpg); got != 6 {
		t.Errorf("the server's EXIF reader finds orientation %d, want 6", got)
	}
	tiff := exifOf(t, jpg)
	ifd0 := tiffTags(t, tiff, be.Uint32(tiff[4:]))
	if got := string(ifd0[tagModel].val); got != "DT50\x00" {
		t.Errorf("model %q", got)
	}
	if got := string(ifd0[tagDateTime].val); got != "2026:11:27 09:30:15\x00" {
		t.Errorf("date %q", got)
	}
	gps := tiffTags(t, tiff, be.Uint32(ifd0[tagGPSIFD].val))
	if string(gps[tagGPSLatRef].val) != "N\x00" || string(gps[tagGPSLonRef].val) != "E\x00" {
		t.Errorf("refs %q %q", gps[tagGPSLatRef].val, gps[tagGPSLonRef].val)
	}
	if lat, lon := degrees(gps[tagGPSLat]), degrees(gps[tagGPSLon]); math.Abs(lat-meta.Lat) > 1e-6 || math.Abs(lon-meta.Lon) > 1e-6 {
		t.Errorf("GPS %.6f, %.6f, want %.6f, %.6f", lat, lon, meta.Lat, meta.Lon)
	}
}

func TestCameraTakesPhotoSizedJPEGsWithEXIF(t *testing.T) {
	cam := newCamera(t.TempDir(), 3, 1, time.Now)
	for _, big := range []bool{false, true} {
		data, s := cam.take(big)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != s.Width || cfg.Height != s.Height {
			t.Fatalf("big=%v: decodes as %dx%d (%v), want %dx%d", big, cfg.Width, cfg.Height, err, s.Width, s.Height)
		}
		if got := photo.Orientation(data); got != s.Orientation {
			t.Errorf("big=%v: orientation %d, want %d", big, got, s.Orientation)
		}
		tiff := exifOf(t, data)
		gps := tiffTags(t, tiff, be.Uint32(tiffTags(t, tiff, 8)[tagGPSIFD].val))
		if lat := degrees(gps[tagGPSLat]); math.Abs(lat-cam.lat) > 0.01 {
			t.Errorf("big=%v: latitude %.5f, far from the courier's area %.5f", big, lat, cam.lat)
		}
		lo, hi := 400<<10, 1200<<10
		if big {
			lo, hi = 1<<20, 2560<<10
		}
		if len(data) < lo || len(data) > hi || s.FileBytes != len(data) {
			t.Errorf("big=%v: %dx%d is %d KiB, want %d–%d KiB", big, s.Width, s.Height, len(data)>>10, lo>>10, hi>>10)
		}
	}
}
