package photo

import (
	"bytes"
	"encoding/binary"
	"image"
	"math"
	"runtime"
	"testing"
)

// TestEstimateBytesCoversWhatProcessAllocates checks the pool's memory
// estimate against what Process really allocates (its total allocation,
// which bounds its live memory from above).
func TestEstimateBytesCoversWhatProcessAllocates(t *testing.T) {
	if raceEnabled {
		t.Skip("single-goroutine accounting, 20× slower under -race")
	}
	// Wide images take the shrink path with few pixels; the others are
	// resampled in one pass.
	rgb := image.NewRGBA(image.Rect(0, 0, 3300, 500))
	for i := range rgb.Pix {
		rgb.Pix[i] = uint8(i>>2) | 0x80
		if i%4 == 3 {
			rgb.Pix[i] = 0xff
		}
	}
	transparent := image.NewNRGBA(image.Rect(0, 0, 1800, 1000))
	grey16 := image.NewGray16(image.Rect(0, 0, 2000, 600))
	tests := []struct {
		name string
		data []byte
	}{
		{"a wide 4:2:0 JPEG, shrunk first", photoJPEG(t, 3300, 600, 1, binary.BigEndian)},
		{"a 4:2:0 JPEG with orientation 6", photoJPEG(t, 1800, 1300, 6, binary.BigEndian)},
		{"a small JPEG", photoJPEG(t, 640, 480, 1, binary.BigEndian)},
		{"a wide opaque RGB PNG, shrunk first", encodePNG(t, rgb)},
		{"a transparent PNG", encodePNG(t, transparent)},
		{"a 16-bit grey PNG", encodePNG(t, grey16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Sniff(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := Process(bytes.NewReader(tt.data)); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			allocated := int64(after.TotalAlloc - before.TotalAlloc)
			est := EstimateBytes(info)
			t.Logf("%d×%d: estimate %.1f MB, allocated %.1f MB", info.Width, info.Height, float64(est)/1e6, float64(allocated)/1e6)
			if est < allocated || est > 2*allocated+2<<20 {
				t.Errorf("estimate %d bytes, Process allocated %d", est, allocated)
			}
		})
	}
}

func TestEstimateBytesOfAnUnknownImage(t *testing.T) {
	if got := EstimateBytes(Info{}); got != math.MaxInt64 {
		t.Errorf("EstimateBytes(Info{}) = %d, want MaxInt64", got)
	}
	known := Info{Format: "jpeg", Width: 4000, Height: 3000, DecodeBytes: 18_000_000}
	unknown := known
	unknown.DecodeBytes = 0
	if EstimateBytes(unknown) <= EstimateBytes(known) {
		t.Error("an Info without DecodeBytes is not assumed to be the worst case")
	}
}
