package bolt

import (
	"encoding/json"

	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// CorrectPickup rewrites a stored pickup's payload, as a later correction
// of the pickup would (tests only).
func (d *DB) CorrectPickup(waybill string, fix func(*syncproto.Pickup)) error {
	return d.db.Update(func(tx *bbolt.Tx) error {
		pk, err := pickupOf(tx, waybill)
		if err != nil || pk == nil {
			return err
		}
		fix(pk.Pickup)
		v, err := json.Marshal(pk)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketPickups).Put([]byte(waybill), v)
	})
}
