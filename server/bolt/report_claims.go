package bolt

import (
	"bytes"
	"encoding/json"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// claimAt reads the claim an index key's trailing u64(seq) names.
func claimAt(tx *bbolt.Tx, k []byte) (*server.Claim, error) {
	v := tx.Bucket(bucketClaims).Get(k[len(k)-8:])
	if v == nil {
		return nil, nil
	}
	c := new(server.Claim)
	return c, json.Unmarshal(v, c)
}

// walkMonth calls fn with the claim of each key of a time index in the
// report's month.
func walkMonth(tx *bbolt.Tx, bucket []byte, q *server.QualityTally, fn func(c *server.Claim)) error {
	c := tx.Bucket(bucket).Cursor()
	end := tkey(q.End)
	for k, _ := c.Seek(tkey(q.Start)); k != nil && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
		cl, err := claimAt(tx, k)
		if err != nil {
			return err
		}
		if cl != nil {
			fn(cl)
		}
	}
	return nil
}

// countClaims hands over the claims filed in the month, paid in it, and
// whose decision falls due in it.
func countClaims(tx *bbolt.Tx, q *server.QualityTally) error {
	if err := walkMonth(tx, bucketClaimFiled, q, q.AddClaimFiled); err != nil {
		return err
	}
	if err := walkMonth(tx, bucketClaimPaid, q, q.AddClaimPaid); err != nil {
		return err
	}
	return walkMonth(tx, bucketClaimDecideDue, q, q.AddClaimDecisionDue)
}

// countInspections hands over the month's inspection, if any, and every
// corrective action. It reports whether the month has a completed
// inspection.
func countInspections(tx *bbolt.Tx, q *server.QualityTally) (bool, error) {
	done := false
	if v := tx.Bucket(bucketInspections).Get([]byte(q.Month)); v != nil {
		var in server.Inspection
		if err := json.Unmarshal(v, &in); err != nil {
			return false, err
		}
		done = q.AddInspection(&in)
	}
	return done, tx.Bucket(bucketActions).ForEach(func(_, v []byte) error {
		var a server.CorrectiveAction
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		q.AddAction(&a)
		return nil
	})
}
