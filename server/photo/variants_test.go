package photo

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestProcessJPEGVariants runs the JPEG variants of Go's own test images
// through Sniff and Process, and checks the decoder memory Sniff predicts.
func TestProcessJPEGVariants(t *testing.T) {
	files, err := filepath.Glob("testdata/video-*.jpeg")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file)+" is processed", func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			info, err := Sniff(data)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, err := jpeg.Decode(bytes.NewReader(data))
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			// The decoder's own state (Huffman tables, buffers) is ~20 KB
			// whatever the image; the rest grows with it.
			const decoderState = 32 << 10
			allocated := int64(after.TotalAlloc - before.TotalAlloc)
			t.Logf("%T %d×%d: DecodeBytes %d, jpeg.Decode allocated %d", img, info.Width, info.Height, info.DecodeBytes, allocated)
			if info.DecodeBytes+decoderState < allocated || info.DecodeBytes > 2*allocated {
				t.Errorf("DecodeBytes %d, jpeg.Decode allocated %d", info.DecodeBytes, allocated)
			}

			v, err := Process(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if v.DisplayWidth != info.Width || v.DisplayHeight != info.Height {
				t.Errorf("display %d×%d, want %d×%d", v.DisplayWidth, v.DisplayHeight, info.Width, info.Height)
			}
			out, err := jpeg.Decode(bytes.NewReader(v.Display))
			if err != nil {
				t.Fatal(err)
			}
			// The picture survives: the centre keeps its colour.
			cx, cy := info.Width/2, info.Height/2
			if got, want := colourAt(out, cx, cy), colourAt(img, cx, cy); !near(got, want) {
				t.Errorf("centre is %v, source %v", got, want)
			}
		})
	}
}
