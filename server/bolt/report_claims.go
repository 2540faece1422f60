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
func walkMonth(tx *bbolt.Tx, bucket []byte, q *qualityTally, fn func(c *server.Claim)) error {
	c := tx.Bucket(bucket).Cursor()
	end := tkey(q.end)
	for k, _ := c.Seek(tkey(q.start)); k != nil && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
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

// countClaims counts claims filed in the month, payouts made in it, and
// the decisions due in it: decided (on time or not), or past due at as_of
// and not decided; a courier's line counts the claims on their pickups.
func (d *DB) countClaims(tx *bbolt.Tx, q *qualityTally) error {
	each := func(c *server.Claim, f func(*server.QualityFigures)) {
		f(&q.total)
		if c.CourierID != "" {
			f(q.courier(c.CourierID))
		}
	}
	err := walkMonth(tx, bucketClaimFiled, q, func(c *server.Claim) {
		each(c, func(f *server.QualityFigures) { f.ClaimsFiled++ })
	})
	if err != nil {
		return err
	}
	err = walkMonth(tx, bucketClaimPaid, q, func(c *server.Claim) {
		if c.Payout != nil && c.Payout.At.Before(q.end) {
			each(c, func(f *server.QualityFigures) { f.ClaimsPaidCents += c.Payout.AmountCents })
		}
	})
	if err != nil {
		return err
	}
	return walkMonth(tx, bucketClaimDecideDue, q, func(c *server.Claim) {
		decided := c.DecidedAt != nil && !c.DecidedAt.After(q.asOf)
		if !decided && !q.asOf.After(c.DecideDueBy) {
			return // not due yet, not decided
		}
		onTime := decided && c.DecidedOnTime()
		each(c, func(f *server.QualityFigures) {
			f.ClaimDecisionsDue++
			if onTime {
				f.ClaimsDecidedOnTime++
			}
		})
	})
}

// countInspections counts the month's inspection as it stands (a month is
// inspected after it ends: done once completed; items checked and failed)
// and every corrective action open or overdue at as_of, like the other
// past-due figures. It reports whether the month has a completed
// inspection.
func (d *DB) countInspections(tx *bbolt.Tx, q *qualityTally, month string) (bool, error) {
	done := false
	if v := tx.Bucket(bucketInspections).Get([]byte(month)); v != nil {
		var in server.Inspection
		if err := json.Unmarshal(v, &in); err != nil {
			return false, err
		}
		done = in.Status == server.InspectionCompleted
		if done {
			q.total.InspectionsDone++
			for _, id := range in.Couriers {
				q.courier(id).InspectionsDone++
			}
		}
		for _, it := range in.Items {
			if it.Result == server.ItemPending {
				continue
			}
			f := q.courier(it.CourierID)
			q.total.InspectionItemsChecked++
			f.InspectionItemsChecked++
			if it.Result == server.ItemFail {
				q.total.InspectionFailures++
				f.InspectionFailures++
			}
		}
	}
	return done, tx.Bucket(bucketActions).ForEach(func(_, v []byte) error {
		var a server.CorrectiveAction
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		if !a.OpenAt(q.asOf) {
			return nil
		}
		f := q.courier(a.CourierID)
		q.total.CorrectiveActionsOpen++
		f.CorrectiveActionsOpen++
		if a.OverdueAt(q.asOf) {
			q.total.CorrectiveActionsOverdue++
			f.CorrectiveActionsOverdue++
		}
		return nil
	})
}
