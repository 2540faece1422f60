package mobileapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// The blob queue's records: the photos bucket holds the photos not yet
// uploaded (pending, uploading, failed), keyed by digest; the uploaded
// bucket those done. Every change is one transaction.

// staleTempAge is how old a leftover temporary photo file (from an
// AttachPhoto that died mid-write) must be before a pass deletes it.
const staleTempAge = time.Hour

// nextPhoto returns the queued, not failed photo earliest in upload order
// that this pass has not tried yet; nil when there is none.
func (o *Outbox) nextPhoto(tried map[string]bool) (*photoRecord, error) {
	var best *photoRecord
	err := o.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPhotos).ForEach(func(k, v []byte) error {
			if tried[string(k)] {
				return nil
			}
			r := new(photoRecord)
			if err := json.Unmarshal(v, r); err != nil {
				return fmt.Errorf("mobileapi: stored photo record is corrupt: %w", err)
			}
			if r.State != PhotoFailed && (best == nil || r.Turn < best.Turn) {
				best = r
			}
			return nil
		})
	})
	return best, err
}

// changePhoto rewrites the queued record of digest with fn, in one
// transaction; a digest no longer queued is left alone.
func (o *Outbox) changePhoto(digest string, fn func(b *bolt.Bucket, r *photoRecord) error) error {
	return o.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPhotos)
		v := b.Get([]byte(digest))
		if v == nil {
			return nil
		}
		r := new(photoRecord)
		if err := json.Unmarshal(v, r); err != nil {
			return err
		}
		if err := fn(b, r); err != nil {
			return err
		}
		return putRecord(b, r)
	})
}

// notePhotoSent records how much of a photo the server holds.
func (o *Outbox) notePhotoSent(digest string, sent int64) error {
	return o.changePhoto(digest, func(_ *bolt.Bucket, r *photoRecord) error {
		if r.State != PhotoFailed {
			r.Sent, r.State = sent, stateFor(sent)
		}
		return nil
	})
}

// notePhotoFailed fails a photo for good with a code and message.
func (o *Outbox) notePhotoFailed(digest, code, message string) error {
	return o.changePhoto(digest, func(_ *bolt.Bucket, r *photoRecord) error {
		r.State, r.Code, r.Message = PhotoFailed, code, message
		return nil
	})
}

// deferPhoto moves a photo to the back of the upload queue.
func (o *Outbox) deferPhoto(digest string) error {
	return o.changePhoto(digest, func(b *bolt.Bucket, r *photoRecord) error {
		turn, err := b.NextSequence()
		r.Turn = turn
		return err
	})
}

// notePhotoUploaded moves a photo from the queue to the uploaded bucket in
// one transaction, then deletes its local copy. A crash between the two
// leaves a stray copy that the next pass deletes (sweepPhotos).
func (o *Outbox) notePhotoUploaded(digest string) error {
	now := o.cfg.now().Format(recordedAtLayout)
	err := o.update(func(tx *bolt.Tx) error {
		key := []byte(digest)
		b := tx.Bucket(bucketPhotos)
		v := b.Get(key)
		if v == nil {
			return nil
		}
		r := new(photoRecord)
		if err := json.Unmarshal(v, r); err != nil {
			return err
		}
		r.State, r.Sent, r.Code, r.Message, r.UploadedAt = PhotoUploaded, r.Size, "", "", now
		if err := putRecord(tx.Bucket(bucketUploaded), r); err != nil {
			return err
		}
		return b.Delete(key)
	})
	if err != nil {
		return err
	}
	if err := os.Remove(o.photoPath(digest)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mobileapi: delete uploaded photo: %w", err)
	}
	return nil
}

// notePhotoError keeps the failure of an upload pass for Status, or clears
// it; the file is written only when the value changes.
func (o *Outbox) notePhotoError(err error) {
	var text string
	if err != nil {
		text = err.Error()
	}
	var cur string
	if o.view(func(tx *bolt.Tx) error {
		cur = string(tx.Bucket(bucketMeta).Get(keyLastPhotoError))
		return nil
	}) != nil || cur == text {
		return
	}
	_ = o.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if text == "" {
			return meta.Delete(keyLastPhotoError)
		}
		return meta.Put(keyLastPhotoError, []byte(text))
	})
}

// sweepPhotos deletes local copies that are no longer needed: those of
// uploaded photos (left by a crash just after the upload was recorded) and
// temporary files of an AttachPhoto that died mid-write. Copies of queued
// or failed photos, and files it does not know, are kept.
func (o *Outbox) sweepPhotos() {
	entries, err := os.ReadDir(o.photoDir)
	if err != nil {
		return
	}
	var stray []string
	_ = o.view(func(tx *bolt.Tx) error {
		queued, done := tx.Bucket(bucketPhotos), tx.Bucket(bucketUploaded)
		for _, e := range entries {
			name := e.Name()
			switch {
			case syncproto.ValidDigest(name):
				if done.Get([]byte(name)) != nil && queued.Get([]byte(name)) == nil {
					stray = append(stray, name)
				}
			case strings.HasSuffix(name, ".tmp"):
				if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTempAge {
					stray = append(stray, name)
				}
			}
		}
		return nil
	})
	for _, name := range stray {
		os.Remove(filepath.Join(o.photoDir, name))
	}
}
