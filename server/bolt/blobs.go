package bolt

import (
	"context"
	"encoding/json"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// BlobMeta implements server.BlobMetaStore.
func (d *DB) BlobMeta(ctx context.Context, digest string) (*server.BlobMeta, error) {
	var m *server.BlobMeta
	err := d.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketBlobs).Get([]byte(digest))
		if v == nil {
			return server.ErrNotFound
		}
		m = new(server.BlobMeta)
		return json.Unmarshal(v, m)
	})
	return m, err
}

// PutBlobMeta implements server.BlobMetaStore.
func (d *DB) PutBlobMeta(ctx context.Context, m *server.BlobMeta) error {
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return d.cm.write(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketBlobs).Put([]byte(m.Digest), v)
	})
}

// DeleteBlobMeta implements server.BlobMetaStore.
func (d *DB) DeleteBlobMeta(ctx context.Context, digest string) error {
	return d.cm.write(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketBlobs).Delete([]byte(digest))
	})
}

// BlobReferencedBy implements server.BlobMetaStore.
func (d *DB) BlobReferencedBy(ctx context.Context, digest, courierID string) (bool, error) {
	found := false
	err := d.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketBlobRefs).Bucket([]byte(digest)); b != nil {
			found = b.Get([]byte(courierID)) != nil
		}
		return nil
	})
	return found, err
}

// BlobsInState implements server.BlobMetaStore.
func (d *DB) BlobsInState(ctx context.Context, state string) ([]string, error) {
	var out []string
	err := d.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketBlobs).ForEach(func(k, v []byte) error {
			var m struct {
				State string `json:"state"`
			}
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if m.State == state {
				out = append(out, string(k))
			}
			return nil
		})
	})
	return out, err
}

// blobStates returns the state of each digest for a record's photo list:
// "pending" until the blob is whole and processed.
func blobStates(tx *bbolt.Tx, digests []string) []string {
	out := make([]string, len(digests))
	blobs := tx.Bucket(bucketBlobs)
	for i, d := range digests {
		out[i] = server.BlobPending
		if v := blobs.Get([]byte(d)); v != nil {
			var m struct {
				State string `json:"state"`
			}
			if json.Unmarshal(v, &m) == nil && (m.State == server.BlobStored || m.State == server.BlobUnprocessable) {
				out[i] = m.State
			}
		}
	}
	return out
}

// referBlobs notes that the applying courier's op refers to each digest, so
// the courier may read those photos back.
func (a *applier) referBlobs(digests []string) error {
	refs := a.tx.Bucket(bucketBlobRefs)
	for _, d := range digests {
		b, err := refs.CreateBucketIfNotExists([]byte(d))
		if err != nil {
			return err
		}
		if err := b.Put([]byte(a.courier), []byte{1}); err != nil {
			return err
		}
	}
	return nil
}

var _ server.BlobMetaStore = (*DB)(nil)
