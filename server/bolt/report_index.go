package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/courier-sync/courier-sync/server"
	bbolt "go.etcd.io/bbolt"
)

// The quality report counts pickups and satisfaction scores per month and
// courier. Those records are written by other parts of op intake, so the
// counts are a view kept by following two append-only logs: the op trail
// (audit_ops, each op once, in the order taken) and the callback outcomes
// (keyed by sequence). A mark per log says how far the counts have got;
// catching up reads only what came after it.
//
//   - report_meta: "ops_mark", "outcomes_mark" → u64;
//   - report_pickups: month(4) ‖ courier id → u64(pickups recorded that
//     month);
//   - report_scores: month(4) ‖ courier id → u64(scores) ‖ u64(scores of 4
//     or 5), by the outcome's recorded_at.
var (
	bucketReportMeta    = []byte("report_meta")
	bucketReportPickups = []byte("report_pickups")
	bucketReportScores  = []byte("report_scores")

	keyOpsMark      = []byte("ops_mark")
	keyOutcomesMark = []byte("outcomes_mark")
)

// reportBuckets are created with the ledger's (ledger.go).
var reportBuckets = [][]byte{bucketReportMeta, bucketReportPickups, bucketReportScores}

// reportCatchUpBatch bounds the entries one catch-up transaction reads, so
// a long backlog does not hold the writer for long.
const reportCatchUpBatch = 20_000

// RefreshReportIndex brings the report's pickup and satisfaction counts up
// to date. QualityReport does it before reading; calling it now and then
// (a janitor every few minutes) keeps that step short.
func (d *DB) RefreshReportIndex(ctx context.Context) error {
	for {
		var behind bool
		if err := d.db.View(func(tx *bbolt.Tx) error {
			behind = reportBehind(tx)
			return nil
		}); err != nil {
			return err
		}
		if !behind {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := d.cm.write(d.catchUpReport); err != nil {
			return err
		}
	}
}

func mark(meta *bbolt.Bucket, key []byte) uint64 {
	if v := meta.Get(key); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func reportBehind(tx *bbolt.Tx) bool {
	meta := tx.Bucket(bucketReportMeta)
	if k, _ := tx.Bucket(bucketAuditOps).Cursor().Last(); k != nil && beUint(k) > mark(meta, keyOpsMark) {
		return true
	}
	k, _ := tx.Bucket(bucketOutcomes).Cursor().Last()
	return k != nil && beUint(k) > mark(meta, keyOutcomesMark)
}

// catchUpReport counts one batch past each mark. It reads its marks from
// tx, so it is safe to run twice. server.PickupCounted and
// server.ScoreCounts decide what counts.
func (d *DB) catchUpReport(tx *bbolt.Tx) error {
	loc := d.opts.Settings.Location
	meta := tx.Bucket(bucketReportMeta)
	pickups, opsMark, err := pickupsPast(tx, mark(meta, keyOpsMark), loc)
	if err != nil {
		return err
	}
	scores, outMark, err := scoresPast(tx, mark(meta, keyOutcomesMark), loc)
	if err != nil {
		return err
	}
	pb := tx.Bucket(bucketReportPickups)
	for key, n := range pickups {
		var have int64
		if v := pb.Get([]byte(key)); len(v) == 8 {
			have = int64(binary.BigEndian.Uint64(v))
		}
		if err := pb.Put([]byte(key), u64(uint64(have+n))); err != nil {
			return err
		}
	}
	sb := tx.Bucket(bucketReportScores)
	for key, t := range scores {
		s, h := decodePair(sb.Get([]byte(key)))
		if err := sb.Put([]byte(key), append(u64(uint64(s+t[0])), u64(uint64(h+t[1]))...)); err != nil {
			return err
		}
	}
	if err := meta.Put(keyOpsMark, u64(opsMark)); err != nil {
		return err
	}
	return meta.Put(keyOutcomesMark, u64(outMark))
}

// pickupsPast counts, by month ‖ courier, the pickups of one batch of the
// op trail past mark, and returns the new mark.
func pickupsPast(tx *bbolt.Tx, opsMark uint64, loc *time.Location) (map[string]int64, uint64, error) {
	pickups := map[string]int64{}
	c := tx.Bucket(bucketAuditOps).Cursor()
	n := 0
	for k, v := c.Seek(u64(opsMark + 1)); k != nil && n < reportCatchUpBatch; k, v = c.Next() {
		n++
		opsMark = beUint(k)
		r, err := decodeOpRecord(v)
		if err != nil {
			return nil, 0, err
		}
		if at, ok := server.PickupCounted(r.Kind, r.Status, r.RecordedAt); ok {
			pickups[string(u32(monthNum(at, loc)))+r.CourierID]++
		}
	}
	return pickups, opsMark, nil
}

// scoresPast counts, by month ‖ courier, the scores and satisfied scores
// of one batch of callback outcomes past mark, and returns the new mark.
func scoresPast(tx *bbolt.Tx, outMark uint64, loc *time.Location) (map[string]*[2]int64, uint64, error) {
	scores := map[string]*[2]int64{}
	c := tx.Bucket(bucketOutcomes).Cursor()
	n := 0
	for k, v := c.Seek(u64(outMark + 1)); k != nil && n < reportCatchUpBatch; k, v = c.Next() {
		n++
		outMark = beUint(k)
		var r struct {
			RecordedAt time.Time `json:"recorded_at"`
			CourierID  string    `json:"courier_id"`
			Outcome    struct {
				Satisfaction *int `json:"satisfaction"`
			} `json:"outcome"`
		}
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, 0, err
		}
		got, satisfied := server.ScoreCounts(r.Outcome.Satisfaction)
		if got == 0 {
			continue
		}
		key := string(u32(monthNum(r.RecordedAt, loc))) + r.CourierID
		t := scores[key]
		if t == nil {
			t = new([2]int64)
			scores[key] = t
		}
		t[0] += got
		t[1] += satisfied
	}
	return scores, outMark, nil
}
