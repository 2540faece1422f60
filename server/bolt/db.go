package bolt

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/crypt"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("bolt: database file is locked by another process")

// Options configure a DB.
type Options struct {
	// Clock is the time source; nil means time.Now.
	Clock server.Clock
	// Capture is the photo and upload policy published to couriers.
	Capture syncproto.Config
	// SkewLimit is how far a device clock, measured from a push's
	// sent_at, may be off before its ops are flagged "clock_skew", and how
	// far into the future (by the server's clock, corrected by the
	// measured skew) a device time may lie before its op is rejected; 0
	// means server.DefaultSkewLimit (10 minutes).
	SkewLimit time.Duration
	// Settings are the business rules; the zero value means
	// server.DefaultSettings().
	Settings server.Settings
	// PII seals customer names, phones and addresses at rest; nil means
	// an in-memory key (tests only: sealed data is lost with the process).
	// A cipher that names its keys (crypt.Keyring) is checked against the
	// key fingerprints the store recorded: Open returns ErrPIIKeys when
	// it lacks a key the store's data is sealed with.
	PII server.PIICipher
	// OnCommit, when set, observes every group commit: the number of
	// writes that shared it and its time, fsync included (metrics).
	OnCommit func(jobs int, took time.Duration)
	// OnWake, when set, is called after every commit that queued a push
	// wake-up, so the sender need not poll (push.Bell.Ring). It must not
	// block: it runs on the single writer.
	OnWake func()
	// NoSync disables fsync. Only for throw-away benchmarks: it loses
	// acknowledged data on power loss.
	NoSync bool
}

// DB is the bbolt store. It implements every storage interface of package
// server: the services the handlers call and the per-noun transaction
// interfaces the rules run in (the var _ server.X = (*DB)(nil) lines beside
// each noun's file list them).
type DB struct {
	db    *bbolt.DB
	opts  Options
	epoch uint64
	clock server.Clock
	cm    *committer
	ids   *opIndex // the op ids bucketOps has not taken yet; the writer's

	closeOnce sync.Once
	closeErr  error
}

// DefaultCapture is the capture policy used when none is configured:
// photos travel as taken (PhotoMaxPixels 0), so the stored original is the
// camera's bytes; a company that prefers small uploads sets a pixel budget.
var DefaultCapture = syncproto.Config{PhotoMaxPixels: 0, JPEGQuality: 80, UploadChunkBytes: 256 << 10}

// initialMmap is the address space mapped at open (1 GiB on 64-bit
// machines): while the file fits, the store never remaps, and a remap
// stops every reader and the writer while the file grows. Only pages read
// take memory.
const initialMmap = 1 << 30 * (strconv.IntSize / 64)

// Open opens or creates the store at path.
func Open(path string, opts Options) (*DB, error) {
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second, NoSync: opts.NoSync, InitialMmapSize: initialMmap})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open: %w", err)
	}
	if opts.SkewLimit == 0 {
		opts.SkewLimit = server.DefaultSkewLimit
	}
	if opts.Settings.Location == nil {
		opts.Settings = server.DefaultSettings()
	}
	// An in-memory key (tests) seals nothing that outlives the process:
	// only a configured cipher is checked against the store.
	checkKeys := opts.PII != nil
	if opts.Settings.Claims.Version == "" {
		opts.Settings.Claims = server.DefaultClaimRules()
	}
	if opts.Settings.InspectionItems <= 0 {
		opts.Settings.InspectionItems = server.DefaultSettings().InspectionItems
	}
	if opts.PII == nil {
		opts.PII = crypt.Ephemeral()
	}
	if opts.Capture.JPEGQuality == 0 {
		opts.Capture.JPEGQuality = DefaultCapture.JPEGQuality
	}
	if opts.Capture.UploadChunkBytes == 0 {
		opts.Capture.UploadChunkBytes = DefaultCapture.UploadChunkBytes
	}
	d := &DB{db: bdb, opts: opts, clock: opts.Clock}
	if err := bdb.Update(d.initBuckets); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("bolt: init: %w", err)
	}
	if err := upgrade(bdb); err != nil {
		bdb.Close()
		return nil, err
	}
	if kc, ok := d.opts.PII.(keyedCipher); ok && checkKeys {
		rc, err := checkPIIKeys(bdb, kc)
		if err != nil {
			bdb.Close()
			return nil, err
		}
		d.opts.PII = rc
	}
	d.ids = newOpIndex()
	if err := bdb.Update(d.ids.open); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("bolt: op-id index: %w", err)
	}
	d.cm = newCommitter(bdb)
	d.cm.around = d.ids
	d.cm.onCommit = opts.OnCommit // read by the writer only after a job arrives
	d.cm.onWake = opts.OnWake
	return d, nil
}

func (d *DB) initBuckets(tx *bbolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	switch v := storeVersion(tx); {
	case v > schemaVersion:
		return fmt.Errorf("schema version %d is newer than this server (%d)", v, schemaVersion)
	case v == schemaVersion: // a new store, or one of this layout
		if err := meta.Put(keySchema, u64(schemaVersion)); err != nil {
			return err
		}
	} // an older layout is upgraded next (Open)
	if err := indexOldSessions(tx); err != nil {
		return err
	}
	if err := indexOldWaybills(tx); err != nil {
		return err
	}
	if v := meta.Get(keyEpoch); v != nil {
		d.epoch = binary.BigEndian.Uint64(v)
		return nil
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	d.epoch = binary.BigEndian.Uint64(b[:])
	return meta.Put(keyEpoch, b[:])
}

// Close stops the committer after the queued pushes and closes the file.
// It is safe to call more than once.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		d.cm.stop()
		if !d.db.IsReadOnly() {
			// So the next start reads nothing back (op_index.go). Only
			// that: the op log holds every id, so a failure costs nothing.
			_ = d.db.Update(d.ids.foldAll)
		}
		d.closeErr = d.db.Close()
	})
	return d.closeErr
}

// Ready reports whether the store takes writes.
func (d *DB) Ready() bool { return d.cm.running() }

// Backup writes a consistent copy of the whole store to path while writers
// go on. The copy gets a fresh feed epoch: a store restored from it refuses
// every pull cursor of the live one (cursor_expired) rather than letting a
// device skip changes the restored store numbers anew.
func (d *DB) Backup(path string) error {
	err := d.db.View(func(tx *bbolt.Tx) error {
		return tx.CopyFile(path, 0o600)
	})
	if err != nil {
		return err
	}
	cp, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	err = cp.Update(func(tx *bbolt.Tx) error {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyEpoch, b[:])
	})
	if cerr := cp.Close(); err == nil {
		err = cerr
	}
	return err
}

// Check runs bbolt's consistency check and returns the first problem found.
// It holds the writer lock (a transaction it rolls back): a read
// transaction's check can report pages freed by a concurrent commit.
func (d *DB) Check() error {
	var first error
	err := d.db.Update(func(tx *bbolt.Tx) error {
		for err := range tx.Check() { // drain: the checker runs until done
			if first == nil {
				first = err
			}
		}
		return errRollback
	})
	if err != errRollback {
		return err
	}
	return first
}

// errRollback ends a transaction that must not commit.
var errRollback = errors.New("bolt: rolled back")

func (d *DB) now() time.Time { return d.clock.Now() }
