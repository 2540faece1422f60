package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// exifMeta is what a simulated camera writes into a photo's EXIF block:
// the orientation a phone held upright records, and where and when the
// photo was taken (personal data the server must strip from display copies).
type exifMeta struct {
	Make, Model string
	Orientation int // 1–8
	Taken       time.Time
	Lat, Lon    float64 // degrees, north and east positive
	AltM        float64 // metres above sea level
}

// TIFF field types and the tags written.
const (
	tiffByte     = 1
	tiffASCII    = 2
	tiffShort    = 3
	tiffLong     = 4
	tiffRational = 5

	tagMake        = 0x010f
	tagModel       = 0x0110
	tagOrientation = 0x0112
	tagDateTime    = 0x0132
	tagGPSIFD      = 0x8825

	tagGPSVersion = 0x0000
	tagGPSLatRef  = 0x0001
	tagGPSLat     = 0x0002
	tagGPSLonRef  = 0x0003
	tagGPSLon     = 0x0004
	tagGPSAltRef  = 0x0005
	tagGPSAlt     = 0x0006

	markerAPP1 = 0xe1
	exifHeader = "Exif\x00\x00"
)

// be is the byte order of the TIFF blocks written ("MM").
var be = binary.BigEndian

// tiffField is one IFD entry; val holds count values in big-endian order.
type tiffField struct {
	tag, typ uint16
	count    uint32
	val      []byte
}

func asciiField(tag uint16, s string) tiffField {
	b := append([]byte(s), 0)
	return tiffField{tag, tiffASCII, uint32(len(b)), b}
}

func shortField(tag, v uint16) tiffField {
	return tiffField{tag, tiffShort, 1, be.AppendUint16(nil, v)}
}

func longField(tag uint16, v uint32) tiffField {
	return tiffField{tag, tiffLong, 1, be.AppendUint32(nil, v)}
}

func byteField(tag uint16, b ...byte) tiffField {
	return tiffField{tag, tiffByte, uint32(len(b)), b}
}

// rationalField holds num/den pairs.
func rationalField(tag uint16, pairs ...[2]uint32) tiffField {
	var b []byte
	for _, p := range pairs {
		b = be.AppendUint32(be.AppendUint32(b, p[0]), p[1])
	}
	return tiffField{tag, tiffRational, uint32(len(pairs)), b}
}

// dms writes degrees as degrees, minutes and seconds (to 1/1000 s).
func dms(deg float64) [][2]uint32 {
	deg = math.Abs(deg)
	d := math.Floor(deg)
	m := math.Floor((deg - d) * 60)
	s := math.Round(((deg-d)*60 - m) * 60 * 1000)
	return [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(s), 1000}}
}

// ifdLen is the size of an IFD with its out-of-line values.
func ifdLen(fields []tiffField) int {
	n := 2 + 12*len(fields) + 4
	for _, f := range fields {
		if len(f.val) > 4 {
			n += len(f.val) + len(f.val)&1
		}
	}
	return n
}

// appendIFD appends an IFD to a TIFF block that starts at tiff[0]; fields
// must be sorted by tag. next is the offset of the next IFD (0: none).
func appendIFD(tiff []byte, fields []tiffField, next uint32) []byte {
	data := uint32(len(tiff) + 2 + 12*len(fields) + 4)
	tiff = be.AppendUint16(tiff, uint16(len(fields)))
	var extra []byte
	for _, f := range fields {
		tiff = be.AppendUint16(tiff, f.tag)
		tiff = be.AppendUint16(tiff, f.typ)
		tiff = be.AppendUint32(tiff, f.count)
		if len(f.val) <= 4 {
			var inline [4]byte
			copy(inline[:], f.val)
			tiff = append(tiff, inline[:]...)
			continue
		}
		tiff = be.AppendUint32(tiff, data+uint32(len(extra)))
		extra = append(extra, f.val...)
		if len(f.val)&1 == 1 {
			extra = append(extra, 0) // values start on word boundaries
		}
	}
	tiff = be.AppendUint32(tiff, next)
	return append(tiff, extra...)
}

// exifSegment builds a JPEG APP1 segment with a big-endian TIFF block:
// IFD0 (make, model, orientation, date, GPS pointer) and the GPS IFD
// (version, latitude, longitude, altitude).
func exifSegment(m exifMeta) []byte {
	latRef, lonRef := "N", "E"
	if m.Lat < 0 {
		latRef = "S"
	}
	if m.Lon < 0 {
		lonRef = "W"
	}
	var altRef byte
	if m.AltM < 0 {
		altRef = 1
	}
	ifd0 := []tiffField{
		asciiField(tagMake, m.Make),
		asciiField(tagModel, m.Model),
		shortField(tagOrientation, uint16(m.Orientation)),
		asciiField(tagDateTime, m.Taken.Format("2006:01:02 15:04:05")),
		longField(tagGPSIFD, 0), // set below, once IFD0's size is known
	}
	gps := []tiffField{
		byteField(tagGPSVersion, 2, 3, 0, 0),
		asciiField(tagGPSLatRef, latRef),
		rationalField(tagGPSLat, dms(m.Lat)...),
		asciiField(tagGPSLonRef, lonRef),
		rationalField(tagGPSLon, dms(m.Lon)...),
		byteField(tagGPSAltRef, altRef),
		rationalField(tagGPSAlt, [2]uint32{uint32(math.Round(math.Abs(m.AltM) * 10)), 10}),
	}
	const ifd0Off = 8
	gpsOff := uint32(ifd0Off + ifdLen(ifd0))
	ifd0[len(ifd0)-1] = longField(tagGPSIFD, gpsOff)

	tiff := append([]byte("MM"), 0, 42)
	tiff = be.AppendUint32(tiff, ifd0Off)
	tiff = appendIFD(tiff, ifd0, 0)
	tiff = appendIFD(tiff, gps, 0)

	seg := []byte{0xff, markerAPP1}
	seg = be.AppendUint16(seg, uint16(2+len(exifHeader)+len(tiff)))
	seg = append(seg, exifHeader...)
	return append(seg, tiff...)
}

// withSegment returns the JPEG jpg with seg inserted right after its SOI
// marker, where cameras put their EXIF block.
func withSegment(jpg, seg []byte) []byte {
	out := make([]byte, 0, len(jpg)+len(seg))
	out = append(out, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// jpegSegment is one marker segment of a JPEG header.
type jpegSegment struct {
	Marker byte
	Data   []byte // the payload, after the length
}

// jpegSegments lists the marker segments of a JPEG up to its first scan.
func jpegSegments(b []byte) ([]jpegSegment, error) {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return nil, errors.New("not a JPEG: no SOI marker")
	}
	var out []jpegSegment
	for i := 2; ; {
		if i+4 > len(b) || b[i] != 0xff {
			return nil, fmt.Errorf("malformed JPEG header at byte %d", i)
		}
		m := b[i+1]
		switch {
		case m == 0xff:
			i++
			continue
		case m == 0x01 || m >= 0xd0 && m <= 0xd7:
			i += 2
			continue
		case m == 0xd9:
			return out, nil
		}
		n := int(be.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil, fmt.Errorf("JPEG segment %#x at byte %d runs past the end", m, i)
		}
		out = append(out, jpegSegment{Marker: m, Data: b[i+4 : i+2+n]})
		if m == 0xda {
			return out, nil
		}
		i += 2 + n
	}
}
