// Package photo turns uploaded photos into the copies the server hands out.
//
// Couriers upload JPEG or PNG photos (proof of delivery, damaged parcels,
// receipts). The original bytes are kept private because they may carry GPS
// coordinates; everyone else sees two re-encoded JPEG copies made here:
//
//   - the display copy, long side at most [DisplayLongSide] pixels;
//   - the thumbnail, long side at most [ThumbLongSide] pixels, aspect ratio
//     kept, no crop.
//
// Both are upright (the EXIF orientation of a JPEG is applied to the pixels),
// never upscaled, encoded at [JPEGQuality] and carry no metadata at all: no
// EXIF, no GPS, no ICC profile, no comments.
//
// The flow is:
//
//  1. [Sniff] the first [SniffNeed] bytes of an upload. It recognises JPEG and
//     PNG by their magic bytes, reads the dimensions from the header without
//     decoding pixels, and rejects anything else ([ErrUnsupportedFormat], HTTP
//     415), images over [MaxPixels] ([ErrTooManyPixels], 422) and unreadable
//     headers ([ErrCorrupt], 422) in microseconds. [ErrNeedMore] asks for
//     more of the upload: a JPEG whose metadata runs past [SniffNeed] bytes.
//  2. Submit a [Job] to a [Pool]. The pool runs [Process] off the request path
//     with concurrency capped by a memory budget: each job reserves
//     [EstimateBytes] of its image on a weighted semaphore.
//  3. [Process] checks the header again, decodes, resizes, then rotates (in
//     that order: rotating the small copy instead of the full image saves
//     about half the memory), and encodes both copies. Past [MaxBytes] it
//     stops with [ErrTooLarge] (413).
//
// Hostile uploads are stopped by limits that hold, not estimates:
// [CheckStructure] walks the whole file before decoding (at most [MaxScans]
// JPEG scans, nothing after the end marker); a photo whose decoding cost,
// read from its header (pixels, bit depth, channels, interlacing,
// progressive coefficients), exceeds the pool's whole budget is refused
// with [ErrOverBudget]; a per-photo deadline ([Limits]) fails the
// decoder's reads so it returns ([ErrDeadline]). The pool's queue is
// bounded and owners (uploaders) take turns. [phototest] makes such bombs
// for tests.
//
// Only the JPEG and PNG decoders of the standard library ever see uploaded
// bytes: the package never calls [image.Decode], so decoders that other
// packages register (imaging registers TIFF and BMP) are never reached.
package photo
