package photo

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/disintegration/imaging"
)

// photo12MP is a 4000×3000 photo-like JPEG (~3.5 MB, like a phone's) with
// EXIF orientation 6 and GPS, made once.
func photo12MP(tb testing.TB) []byte {
	tb.Helper()
	photo12MPOnce.Do(func() {
		photo12MPOnce.data = spliceAfterSOI(noisyJPEG(tb, 4000, 3000), exifAPP1(tb, 6, binary.BigEndian))
	})
	return photo12MPOnce.data
}

var photo12MPOnce struct {
	sync.Once
	data []byte
}

// memWatch samples the heap while a benchmark runs and reads the peak
// resident set size of the process (VmHWM, reset at the start) from /proc.
type memWatch struct {
	stop     chan struct{}
	done     chan struct{}
	peakHeap uint64 // max HeapInuse seen
	peakSys  uint64 // max Sys seen
	rss      bool   // VmHWM was reset, so it measures this run
}

func watchMemory() *memWatch {
	runtime.GC()
	w := &memWatch{stop: make(chan struct{}), done: make(chan struct{})}
	w.rss = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	go func() {
		defer close(w.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			w.peakHeap, w.peakSys = max(w.peakHeap, ms.HeapInuse), max(w.peakSys, ms.Sys)
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// report stops sampling and reports the peaks in MB.
func (w *memWatch) report(b *testing.B) {
	close(w.stop)
	<-w.done
	b.ReportMetric(float64(w.peakHeap)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(w.peakSys)/1e6, "peak-sys-MB")
	if w.rss {
		if kb, ok := vmHWM(); ok {
			b.ReportMetric(float64(kb)/1e3, "peak-RSS-MB")
		}
	}
}

// vmHWM reads the process's peak resident set size in kB.
func vmHWM() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(rest, "kB")), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}

// BenchmarkProcess12MP processes one 12 MP photo at a time.
func BenchmarkProcess12MP(b *testing.B) {
	data := photo12MP(b)
	b.SetBytes(int64(len(data)))
	w := watchMemory()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for b.Loop() {
		v, err := Process(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if v.DisplayWidth != 1200 || v.DisplayHeight != 1600 {
			b.Fatalf("display %d×%d", v.DisplayWidth, v.DisplayHeight)
		}
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	w.report(b)
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/photo")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/photo")
}

// BenchmarkPool12MP keeps 20 photos in flight through a pool with a
// 256 MB budget and one worker per CPU.
func BenchmarkPool12MP(b *testing.B) {
	const inFlight = 20
	data := photo12MP(b)
	info, err := Sniff(data)
	if err != nil {
		b.Fatal(err)
	}
	p := NewPool(256<<20, 0)
	defer p.Close()
	var failed sync.Once
	w := watchMemory()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for b.Loop() {
		for i := range inFlight {
			p.Submit(Job{Key: fmt.Sprint(i), Info: info, Open: opener(data), Done: func(_ *Variants, err error) {
				if err != nil {
					failed.Do(func() { b.Error(err) })
				}
			}})
		}
		p.Wait()
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	w.report(b)
	b.ReportMetric(float64(inFlight*b.N)/elapsed.Seconds(), "photos/s")
	b.ReportMetric(float64(EstimateBytes(info))/1e6, "estimate-MB/photo")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(inFlight*b.N), "cpu-ms/photo")
}

// BenchmarkStages12MP times each step of Process on its own, and the
// alternatives it was chosen over. cpu-ms/op counts the CPU time of all
// goroutines (imaging spreads a resize over every CPU), which, unlike
// ns/op, holds steady on a busy machine.
func BenchmarkStages12MP(b *testing.B) {
	data := photo12MP(b)
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	display := downscale(img, 1600, 1200, 1, displayFilter)
	thumb := imaging.Resize(display, 320, 240, thumbFilter)
	run := func(name string, f func()) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			c := cpuTime()
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64((cpuTime()-c).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
	run("sniff", func() { _, _ = Sniff(data[:SniffNeed]) })
	run("decode", func() { _, _ = jpeg.Decode(bytes.NewReader(data)) })
	run("display/shrink2+Linear(chosen)", func() { downscale(img, 1600, 1200, 1, displayFilter) })
	run("display/shrink2", func() { shrink(img, 2) })
	for _, f := range []struct {
		name   string
		filter imaging.ResampleFilter
	}{{"Box", imaging.Box}, {"Linear", imaging.Linear}, {"CatmullRom", imaging.CatmullRom}, {"Lanczos", imaging.Lanczos}} {
		run("display/"+f.name, func() { imaging.Resize(img, 1600, 1200, f.filter) })
		run("display/shrink2+"+f.name, func() { imaging.Resize(shrink(img, 2), 1600, 1200, f.filter) })
	}
	run("thumb/shrink2+Lanczos-from-display(chosen)", func() { downscale(display, 320, 240, 2, thumbFilter) })
	run("thumb/Lanczos-from-display", func() { imaging.Resize(display, 320, 240, imaging.Lanczos) })
	run("thumb/Lanczos-from-original", func() { imaging.Resize(img, 320, 240, imaging.Lanczos) })
	run("orient/display-and-thumb(chosen)", func() { orient(display, 6); orient(thumb, 6) })
	run("orient/full-image-before-resize", func() { imaging.Rotate270(img) })
	run("encode/display", func() { _, _ = encode(imaging.Clone(display)) })
	run("encode/display-as-NRGBA", func() { _ = jpeg.Encode(io.Discard, display, &jpeg.Options{Quality: JPEGQuality}) })
	run("encode/thumb", func() { _, _ = encode(imaging.Clone(thumb)) })
}

// TestPhoto12MPLooksLikeAPhoto keeps the benchmark input realistic.
func TestPhoto12MPLooksLikeAPhoto(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("makes a 12 MP JPEG: slow under -short or -race")
	}
	data := photo12MP(t)
	info, err := Sniff(data)
	if err != nil || info.Width != 4000 || info.Height != 3000 {
		t.Fatalf("Sniff = %+v, %v", info, err)
	}
	if n := len(data); n < 2<<20 || n > 6<<20 {
		t.Errorf("12 MP input is %d bytes, want a phone-like 2–6 MB", n)
	}
	t.Logf("%d bytes", len(data))
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
