// Package phototest makes hostile but well-formed images for tests of the
// image pipeline: a progressive JPEG of many cheap scans that each cost
// the decoder a pass over every block, and a PNG that compresses to little
// but decodes to far more than the pipeline's memory budget.
package phototest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// ScanBomb returns a valid grayscale progressive JPEG of w×h pixels (w and
// h multiples of 8) with one DC scan and then acScans AC scans. Each AC
// scan is about 30 bytes (a run of end-of-block codes) yet makes the
// decoder visit every block of the image: 15,000 scans of a 4096×4096
// image fit in under 500 KB and cost minutes of CPU.
func ScanBomb(w, h, acScans int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xff, 0xd8})
	// DQT: table 0, all ones.
	b.Write([]byte{0xff, 0xdb, 0, 67, 0})
	b.Write(bytes.Repeat([]byte{1}, 64))
	// SOF2: 8-bit, h×w, one component, 1×1 sampling, table 0.
	b.Write([]byte{0xff, 0xc2, 0, 11, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0})
	// DHT: a one-code table for DC (symbol 0: no difference) and for AC
	// (symbol 0xe0: an end-of-block run of 2^14 + 14 more bits).
	b.Write([]byte{0xff, 0xc4, 0, 20, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00})
	b.Write([]byte{0xff, 0xc4, 0, 20, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xe0})
	blocks := (w / 8) * (h / 8)
	// DC first scan: one 0 bit per block.
	b.Write([]byte{0xff, 0xda, 0, 8, 1, 1, 0x00, 0, 0, 0})
	var dc bitWriter
	for range blocks {
		dc.put(0, 1)
	}
	b.Write(dc.bytes())
	// AC first scans: end-of-block runs of 32,767 blocks cover the image.
	var ac bitWriter
	for left := blocks; left > 0; left -= 32767 {
		run := min(left, 32767)
		ac.put(0, 1)
		ac.put(uint32(run-1<<14), 14)
	}
	scan := append([]byte{0xff, 0xda, 0, 8, 1, 1, 0x00, 1, 63, 0}, ac.bytes()...)
	for range acScans {
		b.Write(scan)
	}
	b.Write([]byte{0xff, 0xd9})
	return b.Bytes()
}

// bitWriter packs bits MSB first, stuffing a 0x00 after each 0xff and
// padding the last byte with ones, as JPEG entropy-coded data wants.
type bitWriter struct {
	out   []byte
	acc   uint32
	nbits uint
}

func (w *bitWriter) put(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>uint(i))&1
		if w.nbits++; w.nbits == 8 {
			w.emit()
		}
	}
}

func (w *bitWriter) emit() {
	c := byte(w.acc)
	w.out = append(w.out, c)
	if c == 0xff {
		w.out = append(w.out, 0)
	}
	w.acc, w.nbits = 0, 0
}

func (w *bitWriter) bytes() []byte {
	for w.nbits != 0 {
		w.put(1, 1)
	}
	return w.out
}

// PNGBomb returns a valid all-black 16-bit RGBA PNG of w×h pixels, Adam7
// interlaced when interlaced is set: 8 bytes a pixel decoded (twice that
// while the interlaced passes are merged), a few hundred times less on
// disk. 7000×7000 interlaced is about 390 KB and decodes to about 800 MB.
func PNGBomb(w, h int, interlaced bool) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6
	if interlaced {
		ihdr[12] = 1
	}
	chunk(&b, "IHDR", ihdr[:])
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zeros := make([]byte, 64<<10)
	for n := rawSize(w, h, interlaced); n > 0; {
		k := min(n, int64(len(zeros)))
		_, _ = zw.Write(zeros[:k])
		n -= k
	}
	_ = zw.Close() // into memory: cannot fail
	chunk(&b, "IDAT", z.Bytes())
	chunk(&b, "IEND", nil)
	return b.Bytes()
}

// rawSize is the filtered scanline bytes of a 16-bit RGBA image.
func rawSize(w, h int, interlaced bool) int64 {
	row := func(pw int) int64 { return 1 + 8*int64(pw) }
	if !interlaced {
		return int64(h) * row(w)
	}
	passes := [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	var n int64
	for _, p := range passes {
		pw, ph := (w-p[0]+p[2]-1)/p[2], (h-p[1]+p[3]-1)/p[3]
		if pw > 0 && ph > 0 {
			n += int64(ph) * row(pw)
		}
	}
	return n
}

func chunk(b *bytes.Buffer, typ string, data []byte) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
	c := append([]byte(typ), data...)
	b.Write(c)
	_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(c))
}

// Tagged returns a copy of a PNG with a tEXt chunk holding tag after its
// IHDR: the same image under another digest, without compressing it again.
func Tagged(png []byte, tag string) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	var b bytes.Buffer
	b.Write(png[:afterIHDR])
	chunk(&b, "tEXt", append([]byte("Comment\x00"), tag...))
	b.Write(png[afterIHDR:])
	return b.Bytes()
}
