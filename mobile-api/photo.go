package mobileapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// Photo states, as PhotoStatus.State reports them.
const (
	// PhotoPending: attached, the server holds none of it yet.
	PhotoPending = "pending"
	// PhotoUploading: the server holds part of it (PhotoStatus.Sent bytes).
	PhotoUploading = "uploading"
	// PhotoUploaded: the server holds all of it; the local copy is deleted.
	PhotoUploaded = "uploaded"
	// PhotoFailed: the server refused it (PhotoStatus.Code says why) or its
	// local copy is gone. It is kept and never retried on its own; see
	// RetryPhoto.
	PhotoFailed = "failed"
)

// Codes of photo failures found on the device rather than by the server.
const (
	codeLocalMissing = "local_copy_missing"
	codeLocalChanged = "local_copy_changed"
)

// PhotoStatus is one photo of the blob queue, for display.
type PhotoStatus struct {
	// Digest is the lowercase hex SHA-256 of the bytes to upload: the name
	// ops refer to the photo by.
	Digest string
	// Size is the photo's length in bytes; Sent is how many of them the
	// server was last known to hold.
	Size, Sent int64
	// State is PhotoPending, PhotoUploading, PhotoUploaded or PhotoFailed.
	State string
	// Code and Message are the server's error for a failed photo (e.g.
	// "unsupported_media_type"), or local_copy_missing /
	// local_copy_changed when the device lost its copy.
	Code, Message string
}

// photoRecord is what the photos and uploaded buckets keep per photo.
type photoRecord struct {
	Digest     string `json:"digest"`
	Size       int64  `json:"size"`
	Sent       int64  `json:"sent"`
	State      string `json:"state"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	Seq        uint64 `json:"seq"`  // attach order
	Turn       uint64 `json:"turn"` // upload order; a photo that failed for now goes to the back
	AttachedAt string `json:"attached_at"`
	UploadedAt string `json:"uploaded_at,omitempty"`
}

// AttachPhoto takes the photo at path (JPEG or PNG) into the blob queue and
// returns the digest to put into DamageReport.Photos or VehicleLog.Photos.
//
// The capture policy of the last pulled config applies: a photo of more
// than Config.PhotoMaxPixels is downscaled to fit (aspect ratio kept),
// turned upright after its EXIF orientation and re-encoded as JPEG at
// Config.JPEGQuality (default 80); a smaller photo, or any photo while
// PhotoMaxPixels is 0, is kept byte for byte. The bytes are copied into the
// outbox's photo directory (<file>.photos) and recorded in the file; both
// are on disk when AttachPhoto returns, so the file at path may be deleted
// at once. Attaching the same bytes again returns the same digest and
// queues nothing new.
//
// Other formats return ErrPhotoFormat; a photo of more than 50 megapixels,
// or larger than 20 MiB after the policy, returns ErrPhotoTooLarge.
func (o *Outbox) AttachPhoto(path string) (string, error) {
	if o.closed.Load() {
		return "", ErrClosed
	}
	cfg, err := o.Config()
	if err != nil {
		return "", err
	}
	data, err := readPhotoFile(path)
	if err != nil {
		return "", err
	}
	quality := cfg.JPEGQuality
	if quality <= 0 {
		quality = DefaultJPEGQuality
	}
	quality = min(quality, 100)
	o.captureMu.Lock()
	out, err := capture(data, cfg.PhotoMaxPixels, quality)
	o.captureMu.Unlock()
	if err != nil {
		return "", err
	}
	if len(out) > maxPhotoBytes {
		return "", fmt.Errorf("%w: %d bytes", ErrPhotoTooLarge, len(out))
	}
	sum := sha256.Sum256(out)
	digest := hex.EncodeToString(sum[:])

	prev, uploaded, err := o.photoRecord(digest)
	if err != nil {
		return "", err
	}
	if uploaded {
		return digest, nil // the server has it
	}
	if prev != nil && !prev.lostLocally() {
		if _, err := os.Stat(o.photoPath(digest)); err == nil {
			return digest, nil
		}
	}
	if err := o.writePhotoFile(digest, out); err != nil {
		return "", fmt.Errorf("mobileapi: store photo: %w", err)
	}
	now := o.cfg.now().Format(recordedAtLayout)
	err = o.update(func(tx *bolt.Tx) error {
		key := []byte(digest)
		if tx.Bucket(bucketUploaded).Get(key) != nil {
			return nil
		}
		b := tx.Bucket(bucketPhotos)
		rec := &photoRecord{Digest: digest, Size: int64(len(out)), State: PhotoPending, AttachedAt: now}
		if v := b.Get(key); v != nil {
			if err := json.Unmarshal(v, rec); err != nil {
				return err
			}
			if !rec.lostLocally() {
				return nil
			}
			// The local copy is back: queue the photo again.
			rec.State, rec.Code, rec.Message = stateFor(rec.Sent), "", ""
		} else {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			rec.Seq, rec.Turn = seq, seq
		}
		return putRecord(b, rec)
	})
	if err != nil {
		return "", fmt.Errorf("mobileapi: queue photo: %w", err)
	}
	return digest, nil
}

// Photos returns every photo attached to this outbox, in attach order, with
// its upload state.
func (o *Outbox) Photos() ([]*PhotoStatus, error) {
	var recs []*photoRecord
	err := o.view(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketPhotos, bucketUploaded} {
			err := tx.Bucket(name).ForEach(func(_, v []byte) error {
				r := new(photoRecord)
				if err := json.Unmarshal(v, r); err != nil {
					return err
				}
				recs = append(recs, r)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	out := make([]*PhotoStatus, len(recs))
	for i, r := range recs {
		out[i] = &PhotoStatus{Digest: r.Digest, Size: r.Size, Sent: r.Sent, State: r.State, Code: r.Code, Message: r.Message}
	}
	return out, nil
}

// RetryPhoto puts a failed photo back into the upload queue, at its end
// (after the cause was dealt with, e.g. the server's limits changed). A
// photo that has not failed is left as it is; an unknown digest returns
// ErrUnknownPhoto.
func (o *Outbox) RetryPhoto(digest string) error {
	return o.update(func(tx *bolt.Tx) error {
		key := []byte(digest)
		b := tx.Bucket(bucketPhotos)
		v := b.Get(key)
		if v == nil {
			if tx.Bucket(bucketUploaded).Get(key) != nil {
				return nil
			}
			return ErrUnknownPhoto
		}
		var rec photoRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		if rec.State != PhotoFailed {
			return nil
		}
		turn, err := b.NextSequence()
		if err != nil {
			return err
		}
		rec.State, rec.Code, rec.Message, rec.Turn = stateFor(rec.Sent), "", "", turn
		return putRecord(b, &rec)
	})
}

// photoRecord returns the queued record of digest (nil if none) and
// whether the photo is already uploaded.
func (o *Outbox) photoRecord(digest string) (*photoRecord, bool, error) {
	var rec *photoRecord
	var uploaded bool
	err := o.view(func(tx *bolt.Tx) error {
		key := []byte(digest)
		if tx.Bucket(bucketUploaded).Get(key) != nil {
			uploaded = true
			return nil
		}
		if v := tx.Bucket(bucketPhotos).Get(key); v != nil {
			rec = new(photoRecord)
			return json.Unmarshal(v, rec)
		}
		return nil
	})
	return rec, uploaded, err
}

// lostLocally reports a photo that failed because its local copy was gone
// or changed: attaching the same bytes again restores and requeues it.
func (r *photoRecord) lostLocally() bool {
	return r.State == PhotoFailed && (r.Code == codeLocalMissing || r.Code == codeLocalChanged)
}

// stateFor is the state of a queued photo of which the server holds sent
// bytes.
func stateFor(sent int64) string {
	if sent > 0 {
		return PhotoUploading
	}
	return PhotoPending
}

func putRecord(b *bolt.Bucket, rec *photoRecord) error {
	enc, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.Put([]byte(rec.Digest), enc)
}

// readPhotoFile reads a photo file of at most maxPhotoFileBytes.
func readPhotoFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mobileapi: read photo: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPhotoFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("mobileapi: read photo: %w", err)
	}
	if len(data) > maxPhotoFileBytes {
		return nil, fmt.Errorf("%w: the file is over %d MiB", ErrPhotoTooLarge, maxPhotoFileBytes>>20)
	}
	return data, nil
}

// photoPath is where the local copy of a queued photo lives.
func (o *Outbox) photoPath(digest string) string {
	return filepath.Join(o.photoDir, digest)
}

// writePhotoFile stores data durably as the local copy of digest: written
// to a temporary file, fsynced, renamed into place, directory fsynced. Two
// callers writing the same digest write the same bytes.
func (o *Outbox) writePhotoFile(digest string, data []byte) error {
	if err := os.Mkdir(o.photoDir, 0o700); err == nil {
		if err := syncDir(filepath.Dir(o.photoDir)); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return err
	}
	f, err := os.CreateTemp(o.photoDir, digest+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, o.photoPath(digest))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(o.photoDir)
}

// syncDir fsyncs a directory, making renames and removals in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
