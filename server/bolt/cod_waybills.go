package bolt

import (
	"bytes"

	bbolt "go.etcd.io/bbolt"
)

// bucketCODWaybills lists the receipts of each waybill: waybill ‖ 0 ‖
// receipt_no → "", so a second collection of one waybill is seen. Receipts
// stored before this index existed are not in it.
var bucketCODWaybills = []byte("cod_waybill_receipts")

var codWaybillBuckets = [][]byte{bucketCODWaybills}

// noteCollection records a receipt of a waybill and reports whether the
// waybill had another receipt already.
func noteCollection(tx *bbolt.Tx, waybill, receiptNo string) (bool, error) {
	prefix := append([]byte(waybill), 0)
	b := tx.Bucket(bucketCODWaybills)
	k, _ := b.Cursor().Seek(prefix)
	seen := k != nil && bytes.HasPrefix(k, prefix)
	return seen, b.Put(append(prefix, receiptNo...), nil)
}
