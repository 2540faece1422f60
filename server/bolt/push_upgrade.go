package bolt

import (
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"
)

// keyUpgradeMark is the last log position upgrade has rewritten; it
// lets an upgrade stopped half-way (a crash, a kill) resume.
var keyUpgradeMark = []byte("upgrade_oplog_mark")

// upgradeBatch bounds the records one upgrade transaction rewrites, so a
// large store upgrades in bounded memory.
var upgradeBatch = 20000

// storeVersion is the layout version meta records; a store written before
// versions were recorded is 1 when it holds ops, else new.
func storeVersion(tx *bbolt.Tx) uint64 {
	if v := tx.Bucket(bucketMeta).Get(keySchema); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	if k, _ := tx.Bucket(bucketAuditOps).Cursor().First(); k != nil {
		return 1
	}
	return schemaVersion
}

// upgrade brings a store of an older layout to schemaVersion in place, in
// transactions of upgradeBatch records. Schema 1 → 2: op records become
// compact and move under their log position; the op id index keeps only
// the position (see push_log.go). Pickup records are read in both forms
// and are not rewritten.
func upgrade(db *bbolt.DB) error {
	for {
		done := false
		err := db.Update(func(tx *bbolt.Tx) error {
			var err error
			done, err = upgradeOpLogBatch(tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("bolt: upgrade to schema %d: %w", schemaVersion, err)
		}
		if done {
			return nil
		}
	}
}

// upgradeOpLogBatch rewrites the next batch of schema-1 op records and
// reports whether the store is now at schemaVersion.
func upgradeOpLogBatch(tx *bbolt.Tx) (bool, error) {
	meta := tx.Bucket(bucketMeta)
	if storeVersion(tx) >= 2 {
		return true, meta.Put(keySchema, u64(schemaVersion))
	}
	log, ids := tx.Bucket(bucketAuditOps), tx.Bucket(bucketOps)
	log.FillPercent, ids.FillPercent = appendFill, appendFill
	type entry struct{ pos, key, rec []byte }
	var batch []entry
	c := log.Cursor()
	k, v := c.Seek(u64(mark(meta, keyUpgradeMark) + 1))
	for ; k != nil && len(batch) < upgradeBatch; k, v = c.Next() {
		raw := ids.Get(v)
		if len(v) != 16 || raw == nil {
			return false, fmt.Errorf("op log position %d names no op record", beUint(k))
		}
		r, err := decodeOpRecord(raw)
		if err != nil {
			return false, fmt.Errorf("op record at %d: %w", beUint(k), err)
		}
		rec, err := encodeOpRecord(r)
		if err != nil {
			return false, err
		}
		batch = append(batch, entry{append([]byte(nil), k...), append([]byte(nil), v...), rec})
	}
	more := k != nil
	for _, e := range batch {
		if err := log.Put(e.pos, e.rec); err != nil {
			return false, err
		}
		if err := ids.Put(e.key, e.pos); err != nil {
			return false, err
		}
	}
	if more {
		return false, meta.Put(keyUpgradeMark, batch[len(batch)-1].pos)
	}
	if err := meta.Delete(keyUpgradeMark); err != nil {
		return false, err
	}
	return true, meta.Put(keySchema, u64(schemaVersion))
}
