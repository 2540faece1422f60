package mobileapi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Buckets of the outbox file. All are created when the file opens.
var (
	bucketMeta       = []byte("meta")       // device id, seq counter, last sync
	bucketOutbox     = []byte("outbox")     // seq (8-byte BE) -> stored op JSON
	bucketRejected   = []byte("rejected")   // seq (8-byte BE) -> rejectedRecord JSON
	bucketAuth       = []byte("auth")       // session tokens
	bucketFeed       = []byte("feed")       // pull cursor, config and COD balance
	bucketTasks      = []byte("tasks")      // task_id -> CallbackTask JSON
	bucketComplaints = []byte("complaints") // complaint_id -> complaintRecord JSON
	bucketPhotos     = []byte("photos")     // digest -> photoRecord JSON, not yet uploaded
	bucketUploaded   = []byte("uploaded")   // digest -> photoRecord JSON, uploaded

	allBuckets = [][]byte{bucketMeta, bucketOutbox, bucketRejected, bucketAuth, bucketFeed, bucketTasks, bucketComplaints, bucketPhotos, bucketUploaded}
)

// Keys of the meta bucket.
var (
	keyDeviceID   = []byte("device_id")
	keySeq        = []byte("seq")
	keyLastSyncAt = []byte("last_sync_at")
	keyLastError  = []byte("last_error")
	// keyLastPhotoError is the failure of the last photo upload run.
	keyLastPhotoError = []byte("last_photo_error")
)

// Outbox is a device's durable outbox and sync engine, backed by one bbolt
// file and, for photos, a directory beside it. Its methods are safe for
// concurrent use; concurrent Sync calls push and pull one after the other,
// and photo uploads run apart from both.
type Outbox struct {
	db       *bolt.DB
	path     string // the bbolt file, for scrubFreePages
	cfg      settings
	api      *client
	photoDir string // <file>.photos: local copies of photos to upload

	readers sync.RWMutex // read by every view; held by scrubFreePages

	syncMu    sync.Mutex    // serializes push and pull
	authMu    sync.Mutex    // serializes login and token renewal
	captureMu sync.Mutex    // one photo decoded at a time: decoding is memory-heavy
	photoSem  chan struct{} // held by the one running photo upload pass
	photoKick atomic.Bool   // a Sync asked for a pass while one was running
	closed    atomic.Bool
	closing   context.Context // done once Close is called
	closeFn   context.CancelFunc

	// Knobs that tests change; set once by Open.
	sleep     func(ctx context.Context, d time.Duration) error
	pullLimit int
	hook      func(point string) error // nil in production; see checkpoint
}

// Open opens the outbox file at path, creating it and its buckets if
// needed. It waits at most a few seconds for a file held by another process
// (then ErrLocked), saves Options.DeviceID on first use and refuses a
// different one later (ErrDeviceMismatch). opts may be nil only for a file
// that already holds a device id and will not Sync.
func Open(path string, opts *Options) (*Outbox, error) {
	return open(path, opts, openTimeout)
}

// open is Open with the lock wait as a parameter, so tests need not wait.
func open(path string, opts *Options, lockWait time.Duration) (*Outbox, error) {
	cfg := newSettings(opts)
	if len(cfg.deviceID) > maxDeviceIDLen {
		return nil, ErrNoDeviceID
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("mobileapi: open outbox file: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		stored := meta.Get(keyDeviceID)
		switch {
		case stored == nil && cfg.deviceID == "":
			return ErrNoDeviceID
		case stored == nil:
			return meta.Put(keyDeviceID, []byte(cfg.deviceID))
		case cfg.deviceID == "":
			cfg.deviceID = string(stored)
		case string(stored) != cfg.deviceID:
			return ErrDeviceMismatch
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	o := &Outbox{
		db:        db,
		path:      path,
		cfg:       cfg,
		api:       newClient(cfg.serverURL, cfg.transport),
		photoDir:  path + ".photos",
		photoSem:  make(chan struct{}, 1),
		sleep:     sleepCtx,
		pullLimit: defaultPullLimit,
	}
	o.closing, o.closeFn = context.WithCancel(context.Background())
	// A process that died before scrubbing leaves deleted personal data in
	// free pages: scrub now. A failure leaves the scrub asked for; the next
	// Sync tries again and reports it. The courier keeps working.
	_ = o.scrubFreePages()
	return o, nil
}

// Close interrupts a running Sync (which returns ErrClosed) and closes the
// file. Everything recorded before stays in the file. Calling Close twice is
// harmless.
func (o *Outbox) Close() error {
	if o.closed.Swap(true) {
		return nil
	}
	o.closeFn()
	return o.db.Close()
}

// bind returns a context that also ends when Close is called, and the
// function that releases it.
func (o *Outbox) bind(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(o.closing, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

// view runs fn in a read transaction, mapping a closed database to
// ErrClosed.
func (o *Outbox) view(fn func(tx *bolt.Tx) error) error {
	if o.closed.Load() {
		return ErrClosed
	}
	o.readers.RLock()
	defer o.readers.RUnlock()
	return closedErr(o.db.View(fn))
}

// update runs fn in a write transaction, committed (and fsynced) when it
// returns nil.
func (o *Outbox) update(fn func(tx *bolt.Tx) error) error {
	if o.closed.Load() {
		return ErrClosed
	}
	return closedErr(o.db.Update(fn))
}

func closedErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// checkpoint lets tests stop Sync at a named point, as a kill would. In
// production hook is nil and checkpoint does nothing.
func (o *Outbox) checkpoint(point string) error {
	if o.hook == nil {
		return nil
	}
	return o.hook(point)
}

// u64 encodes n as an 8-byte big-endian key, so keys sort in number order.
func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

// getU64 decodes an 8-byte big-endian value; missing or malformed is 0.
func getU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
