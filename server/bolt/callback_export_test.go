package bolt

import (
	"bytes"

	bbolt "go.etcd.io/bbolt"
)

// Path returns the store's file, for tests that read it byte by byte.
func (d *DB) Path() string { return d.db.Path() }

// ComplaintCallbacks lists the task ids linked to a complaint.
func (d *DB) ComplaintCallbacks(complaintID string) []string {
	var ids []string
	d.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketComplaintCallback).Bucket([]byte(complaintID))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	return ids
}

// BucketCopy returns a copy of a top-level bucket's key/value pairs,
// nested buckets' pairs under "parent/child" keys.
func (d *DB) BucketCopy(name string) map[string][]byte {
	out := map[string][]byte{}
	var walk func(prefix string, b *bbolt.Bucket) error
	walk = func(prefix string, b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(prefix+string(k)+"/", b.Bucket(k))
			}
			out[prefix+string(k)] = bytes.Clone(v)
			return nil
		})
	}
	d.db.View(func(tx *bbolt.Tx) error { return walk("", tx.Bucket([]byte(name))) })
	return out
}
