package bolt

import (
	"encoding/json"

	bbolt "go.etcd.io/bbolt"
)

// forEachOp calls fn with every stored op result, in the order received.
func forEachOp(tx *bbolt.Tx, fn func(r *opRecord) error) error {
	ops := tx.Bucket(bucketOps)
	return tx.Bucket(bucketAuditOps).ForEach(func(_, v []byte) error {
		var r opRecord
		if err := json.Unmarshal(ops.Get(v), &r); err != nil {
			return err
		}
		return fn(&r)
	})
}
