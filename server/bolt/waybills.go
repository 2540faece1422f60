package bolt

import (
	"bytes"
	"encoding/json"

	bbolt "go.etcd.io/bbolt"
)

// bucketWaybills indexes the records that name a waybill, for the parcel
// timeline: waybill ‖ 0x00 ‖ kind(1) ‖ record key → "". Pickups need no
// entry: their bucket is keyed by waybill already.
var (
	bucketWaybills     = []byte("waybill_index")
	keyWaybillsIndexed = []byte("waybill_index_built")
)

// Kinds of waybill index entries, with the key of the record in its own
// bucket.
const (
	wbDamage    byte = 'd' // damage_reports: u64(seq)
	wbCOD       byte = 'r' // cod_receipts: receipt_no
	wbComplaint byte = 'c' // complaints: u64(seq)
	wbCallback  byte = 't' // callback_tasks: task id
	// wbClaim: claims will be indexed here when they exist.
)

// waybillPrefix is the index prefix of a waybill's entries.
func waybillPrefix(waybill string) []byte {
	return append([]byte(waybill), 0)
}

// indexWaybill records that the record key of kind names waybill.
func indexWaybill(tx *bbolt.Tx, waybill string, kind byte, key []byte) error {
	if waybill == "" {
		return nil
	}
	k := append(append(waybillPrefix(waybill), kind), key...)
	return tx.Bucket(bucketWaybills).Put(k, nil)
}

// waybillRecords returns the record keys of each kind that name waybill.
func waybillRecords(tx *bbolt.Tx, waybill string) map[byte][][]byte {
	out := map[byte][][]byte{}
	prefix := waybillPrefix(waybill)
	c := tx.Bucket(bucketWaybills).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		rest := k[len(prefix):]
		if len(rest) < 2 {
			continue
		}
		out[rest[0]] = append(out[rest[0]], bytes.Clone(rest[1:]))
	}
	return out
}

// indexOldWaybills builds the waybill index of a store written before it
// existed, once.
func indexOldWaybills(tx *bbolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keyWaybillsIndexed) != nil {
		return nil
	}
	type named struct {
		Waybill   string                    `json:"waybill"`
		Report    *struct{ Waybill string } `json:"report"`
		Receipt   *struct{ Waybill string } `json:"receipt"`
		Complaint *struct{ Waybill string } `json:"complaint"`
	}
	sources := []struct {
		bucket []byte
		kind   byte
		pick   func(n *named) string
	}{
		{bucketDamage, wbDamage, func(n *named) string { return n.Report.Waybill }},
		{bucketCOD, wbCOD, func(n *named) string { return n.Receipt.Waybill }},
		{bucketComplaints, wbComplaint, func(n *named) string { return n.Complaint.Waybill }},
		{bucketTasks, wbCallback, func(n *named) string { return n.Waybill }},
	}
	for _, s := range sources {
		err := tx.Bucket(s.bucket).ForEach(func(k, v []byte) error {
			var n named
			if err := json.Unmarshal(v, &n); err != nil {
				return nil // not a record of this shape (a nested bucket, a counter)
			}
			if (s.kind == wbDamage && n.Report == nil) || (s.kind == wbCOD && n.Receipt == nil) || (s.kind == wbComplaint && n.Complaint == nil) {
				return nil
			}
			return indexWaybill(tx, s.pick(&n), s.kind, k)
		})
		if err != nil {
			return err
		}
	}
	return meta.Put(keyWaybillsIndexed, []byte{1})
}
