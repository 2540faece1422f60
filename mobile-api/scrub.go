package mobileapi

import (
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// keyScrub in the meta bucket says that personal data was deleted and the
// file's free pages may still hold old copies of it. It is set in the
// transaction that deletes the data and cleared by scrubFreePages.
var keyScrub = []byte("scrub_free_pages")

// markScrub asks for the free pages to be scrubbed once tx has committed.
func markScrub(tx *bolt.Tx) error {
	return tx.Bucket(bucketMeta).Put(keyScrub, []byte{1})
}

// scrubDue reports whether a scrub was asked for and not done yet.
func (o *Outbox) scrubDue() (bool, error) {
	var due bool
	err := o.view(func(tx *bolt.Tx) error {
		due = tx.Bucket(bucketMeta).Get(keyScrub) != nil
		return nil
	})
	return due, err
}

// scrubFreePages overwrites every free page of the file with zeros, if a
// scrub was asked for.
//
// bbolt never changes a page in place: a transaction writes the new version
// of a page elsewhere and puts the old one on its freelist, where the old
// bytes stay until the page happens to be reused. Deleting a task's masked
// contact or a pushed op therefore leaves the deleted bytes in the file.
// This pass zeroes them. It runs inside a write transaction (no other
// writer can allocate a page meanwhile) while o.readers keeps every read
// transaction out, so when the write transaction begins bbolt releases all
// pending pages and no transaction can still be reading a free page. Free
// pages belong to no tree of the file, so zeroing them changes nothing a
// transaction can see, and a crash in the middle leaves the flag set for
// the next pass (Open runs one).
func (o *Outbox) scrubFreePages() error {
	if due, err := o.scrubDue(); err != nil || !due {
		return err
	}
	o.readers.Lock()
	defer o.readers.Unlock()
	if o.closed.Load() {
		return ErrClosed
	}
	f, err := os.OpenFile(o.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("mobileapi: scrub free pages: %w", err)
	}
	defer f.Close()
	err = o.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta.Get(keyScrub) == nil {
			return nil
		}
		if o.db.Stats().OpenTxN != 0 {
			return nil // cannot happen under o.readers; leave it for the next pass
		}
		if err := zeroFreePages(tx, f, o.db.Info().PageSize); err != nil {
			return fmt.Errorf("mobileapi: scrub free pages: %w", err)
		}
		return meta.Delete(keyScrub)
	})
	return closedErr(err)
}

// scrubChunkPages is the most pages zeroed by one write.
const scrubChunkPages = 64

// zeroFreePages writes zeros over each run of free pages of tx's file and
// flushes them to disk.
func zeroFreePages(tx *bolt.Tx, f *os.File, pageSize int) error {
	n := int(tx.Size() / int64(pageSize))
	zero := make([]byte, scrubChunkPages*pageSize)
	flush := func(from, to int) error { // pages [from, to)
		for from < to {
			k := min(to-from, scrubChunkPages)
			if _, err := f.WriteAt(zero[:k*pageSize], int64(from)*int64(pageSize)); err != nil {
				return err
			}
			from += k
		}
		return nil
	}
	run := -1
	for id := 2; id < n; id++ { // pages 0 and 1 are the meta pages
		info, err := tx.Page(id)
		if err != nil {
			return err
		}
		free := info != nil && info.Type == "free"
		switch {
		case free && run < 0:
			run = id
		case !free && run >= 0:
			if err := flush(run, id); err != nil {
				return err
			}
			run = -1
		}
	}
	if run >= 0 {
		if err := flush(run, n); err != nil {
			return err
		}
	}
	return f.Sync()
}
