package mobileapi

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Status is a snapshot of the outbox for display.
type Status struct {
	// DeviceID is the device id the file belongs to.
	DeviceID string
	// Pending is the number of ops waiting to be pushed.
	Pending int
	// Rejected is the number of ops the server rejected (see RejectedOps).
	Rejected int
	// LastSyncAt is the RFC 3339 time of the last fully successful Sync;
	// empty if there has been none.
	LastSyncAt string
	// LastError is the failure of the last Sync; empty after a successful
	// one. It carries no personal data.
	LastError string
	// Cursor is the stored pull cursor; empty means the feed will be read
	// from the beginning.
	Cursor string
	// PhotosPending is the number of attached photos not yet uploaded and
	// not failed (states pending and uploading).
	PhotosPending int
	// PhotosFailed is the number of photos the server refused for good (or
	// whose local copy was lost); see Photos and RetryPhoto.
	PhotosFailed int
	// LastPhotoError is the failure of the last photo upload run; empty
	// after a run that uploaded everything it tried. Photo failures never
	// make Sync fail.
	LastPhotoError string
	// PushTokenPending tells that a push token is set (SetPushToken) and
	// not yet registered with the current session; the next Sync sends it.
	PushTokenPending bool
	// LastPushTokenError is the failure of the last push token
	// registration; empty after a successful one. It never makes Sync fail.
	LastPushTokenError string
}

// RejectedOp is an op the server rejected. It stays in the file for review;
// it never blocks the ops after it.
type RejectedOp struct {
	// OpID and Seq identify the op; Kind is its op kind.
	OpID string
	// Seq is the device sequence number the op was recorded with.
	Seq int64
	// Kind is the op kind, e.g. "pickup".
	Kind string
	// Code and Message are the server's error (e.g. "duplicate_waybill").
	Code string
	// Message is the server's human text for Code.
	Message string
	// RecordedAt is the op's recorded_at.
	RecordedAt string
}

// Config is the capture policy the server last sent ("config" change); all
// zero until one has been pulled.
type Config struct {
	// PhotoMaxPixels is the largest photo to capture, in pixels.
	PhotoMaxPixels int64
	// JPEGQuality is the JPEG quality to encode photos with.
	JPEGQuality int
	// UploadChunkBytes is the chunk size for resumable blob uploads.
	UploadChunkBytes int64
}

// Status returns counts and the last sync and photo upload outcomes.
func (o *Outbox) Status() (*Status, error) {
	s := &Status{DeviceID: o.cfg.deviceID}
	err := o.view(func(tx *bolt.Tx) error {
		s.Pending = tx.Bucket(bucketOutbox).Stats().KeyN
		s.Rejected = tx.Bucket(bucketRejected).Stats().KeyN
		meta := tx.Bucket(bucketMeta)
		s.LastSyncAt = string(meta.Get(keyLastSyncAt))
		s.LastError = string(meta.Get(keyLastError))
		s.LastPhotoError = string(meta.Get(keyLastPhotoError))
		s.LastPushTokenError = string(meta.Get(keyLastPushTokenError))
		tok, err := pushTokenDue(tx)
		if err != nil {
			return err
		}
		s.PushTokenPending = tok != ""
		s.Cursor = string(tx.Bucket(bucketFeed).Get(keyCursor))
		return tx.Bucket(bucketPhotos).ForEach(func(_, v []byte) error {
			var r photoRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.State == PhotoFailed {
				s.PhotosFailed++
			} else {
				s.PhotosPending++
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// RejectedOps returns the ops the server rejected, oldest first, with the
// server's code and message.
func (o *Outbox) RejectedOps() ([]*RejectedOp, error) {
	var out []*RejectedOp
	err := o.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRejected).ForEach(func(_, v []byte) error {
			var r rejectedRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, &RejectedOp{
				OpID: r.OpID, Seq: r.Seq, Kind: r.Kind, Code: r.Code, Message: r.Message, RecordedAt: r.RecordedAt,
			})
			return nil
		})
	})
	return out, err
}

// Config returns the last capture policy pulled, or zero values if none has
// been pulled yet.
func (o *Outbox) Config() (*Config, error) {
	var c syncproto.Config
	err := o.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFeed).Get(keyConfig); v != nil {
			return json.Unmarshal(v, &c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Config{PhotoMaxPixels: c.PhotoMaxPixels, JPEGQuality: c.JPEGQuality, UploadChunkBytes: c.UploadChunkBytes}, nil
}
