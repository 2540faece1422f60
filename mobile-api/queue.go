package mobileapi

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// pendingOp is one op read from the head of the outbox, copied out of its
// transaction. raw is the op exactly as stored at record time.
type pendingOp struct {
	OpID       string `json:"op_id"`
	Seq        int64  `json:"seq"`
	Kind       string `json:"kind"`
	RecordedAt string `json:"recorded_at"`
	raw        []byte
}

// rejectedRecord is what the rejected bucket keeps for an op the server
// rejected: the op as sent and the server's answer.
type rejectedRecord struct {
	OpID       string          `json:"op_id"`
	Seq        int64           `json:"seq"`
	Kind       string          `json:"kind"`
	RecordedAt string          `json:"recorded_at"`
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	RejectedAt string          `json:"rejected_at"`
	Op         json.RawMessage `json:"op"`
}

// batchOverhead is room left in a push body for the envelope around ops.
const batchOverhead = 4 << 10

// readBatch copies up to max ops with seq ≤ upTo from the head of the
// outbox, in seq order, keeping the encoded request under the push size
// limit (the first op is always taken).
func (o *Outbox) readBatch(max int, upTo uint64) ([]pendingOp, error) {
	var ops []pendingOp
	err := o.view(func(tx *bolt.Tx) error {
		size := batchOverhead
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && len(ops) < max; k, v = c.Next() {
			if getU64(k) > upTo {
				break
			}
			if len(ops) > 0 && size+len(v)+1 > syncproto.MaxPushBytes {
				break
			}
			size += len(v) + 1
			op := pendingOp{raw: append([]byte(nil), v...)}
			if err := json.Unmarshal(op.raw, &op); err != nil {
				return fmt.Errorf("mobileapi: stored op %d is corrupt: %w", getU64(k), err)
			}
			ops = append(ops, op)
		}
		return nil
	})
	return ops, err
}

// highWater returns the last seq handed out.
func (o *Outbox) highWater() (uint64, error) {
	var seq uint64
	err := o.view(func(tx *bolt.Tx) error {
		seq = getU64(tx.Bucket(bucketMeta).Get(keySeq))
		return nil
	})
	return seq, err
}

// applyResults records the server's answer to a pushed batch in one
// transaction: applied ops (duplicate or not) leave the outbox, rejected
// ops move to the rejected bucket with their code and message, and the free
// pages are marked for scrubbing (the ops hold personal data). An op the
// answer does not cover stays queued and makes applyResults return
// ErrProtocol after the covered ones are committed.
func (o *Outbox) applyResults(batch []pendingOp, results []syncproto.PushResult, rejectedAt string) (done int, err error) {
	byID := make(map[string]*syncproto.PushResult, len(results))
	for i := range results {
		byID[results[i].OpID] = &results[i]
	}
	type move struct {
		key []byte
		rej []byte // nil: applied, just delete
	}
	var moves []move
	for _, op := range batch {
		r, ok := byID[op.OpID]
		if !ok {
			continue
		}
		switch r.Status {
		case syncproto.StatusApplied:
			moves = append(moves, move{key: u64(uint64(op.Seq))})
		case syncproto.StatusRejected:
			rec := rejectedRecord{
				OpID: op.OpID, Seq: op.Seq, Kind: op.Kind, RecordedAt: op.RecordedAt,
				Code: "unknown", RejectedAt: rejectedAt, Op: op.raw,
			}
			if r.Error != nil {
				rec.Code, rec.Message = string(r.Error.Code), r.Error.Message
			}
			enc, err := json.Marshal(&rec)
			if err != nil {
				return 0, err
			}
			moves = append(moves, move{key: u64(uint64(op.Seq)), rej: enc})
		}
	}
	if len(moves) > 0 {
		err = o.update(func(tx *bolt.Tx) error {
			// The deleted ops hold customer data; their old pages too.
			if err := markScrub(tx); err != nil {
				return err
			}
			out, rej := tx.Bucket(bucketOutbox), tx.Bucket(bucketRejected)
			for _, m := range moves {
				if m.rej != nil {
					if err := rej.Put(m.key, m.rej); err != nil {
						return err
					}
				}
				if err := out.Delete(m.key); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	if len(moves) < len(batch) {
		return len(moves), fmt.Errorf("%w: push answer covered %d of %d ops", ErrProtocol, len(moves), len(batch))
	}
	return len(moves), nil
}
