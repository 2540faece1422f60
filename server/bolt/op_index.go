package bolt

import (
	"bytes"
	"encoding/binary"
	"slices"

	bbolt "go.etcd.io/bbolt"
)

// The op-id index (bucketOps: op id → log position) takes each new op id
// late, in sorted batches. A random (v4) op id lands on a random page of
// the index, so a group of 1,024 such ids dirtied ~850 of its pages, each
// read into memory, rewritten and fsynced for one or two 40-byte entries:
// v4 ids cost 1.7× the CPU of time-ordered ones. Now a committed op id
// waits in memory, in one of opRanges parts of the key space (by its first
// four bits), and a commit folds the fullest part into bucketOps once it
// holds foldAt ids: they fall into 1/16 of the index, which is written
// once for all of them. Lookups see the ids waiting (in memory) and the
// folded ones (in bucketOps) alike. Time-ordered ids all share a part
// and fold as they do today, at the index's end.
//
// Nothing is lost in a crash: the op log (bucketAuditOps) holds every op
// id, and keyOpFold records, per part, the log position up to which the
// part is folded (written in the fold's transaction, and by the first
// start of a store). Open reads the log after the lowest of them back into
// memory.
//
// Only the single writer touches the index, from the committer's
// goroutine: apply, and the fold and the bookkeeping around each attempt
// (begin, end). Open fills it before the committer starts.

const (
	opRanges = 16
	foldAt   = 1024 // ids of one part that make it worth folding
	// maxFoldLag bounds how far (in log positions) a part with ids
	// waiting may lag: it is folded then, however few they are, so Open
	// reads at most about this many records back.
	maxFoldLag = 1 << 16
)

// keyOpFold is the meta key of the fold positions: opRanges big-endian u64.
var keyOpFold = []byte("op_fold")

type opIndex struct {
	waiting [opRanges]map[[16]byte]uint64 // committed, not folded
	marks   [opRanges]uint64              // committed fold positions
	pending map[[16]byte]uint64           // added by the attempt in progress
	next    [opRanges]uint64              // the fold positions it wrote
	folding int                           // the part it folds, or -1
}

func newOpIndex() *opIndex {
	x := &opIndex{pending: map[[16]byte]uint64{}, folding: -1}
	for i := range x.waiting {
		x.waiting[i] = map[[16]byte]uint64{}
	}
	return x
}

func opRange(key []byte) int { return int(key[0] >> 4) }

// get returns the log position of op id key, or nil.
func (x *opIndex) get(ids *bbolt.Bucket, key []byte) []byte {
	k := [16]byte(key)
	if pos, ok := x.pending[k]; ok {
		return u64(pos)
	}
	if pos, ok := x.waiting[opRange(key)][k]; ok {
		return u64(pos)
	}
	return ids.Get(key)
}

// add records op id key at log position pos in the attempt in progress.
func (x *opIndex) add(key []byte, pos uint64) { x.pending[[16]byte(key)] = pos }

// toFold picks the part to fold at log position seq: the fullest once it
// holds foldAt ids, else the one lagging most once it lags maxFoldLag;
// -1 for none.
func (x *opIndex) toFold(seq uint64) int {
	full, late := 0, -1
	for i := range x.waiting {
		if len(x.waiting[i]) > len(x.waiting[full]) {
			full = i
		}
		if len(x.waiting[i]) > 0 && seq-x.marks[i] > maxFoldLag && (late < 0 || x.marks[i] < x.marks[late]) {
			late = i
		}
	}
	if len(x.waiting[full]) >= foldAt {
		return full
	}
	return late
}

// begin starts an attempt in tx: a part due (toFold) is folded. x keeps
// its state until end says whether the attempt committed.
func (x *opIndex) begin(tx *bbolt.Tx) error {
	clear(x.pending)
	x.folding = -1
	if r := x.toFold(tx.Bucket(bucketAuditOps).Sequence()); r >= 0 {
		return x.fold(tx, r)
	}
	return nil
}

// fold writes part r into bucketOps, in key order, and the fold positions
// (every part with no id waiting is folded up to now too).
func (x *opIndex) fold(tx *bbolt.Tx, r int) error {
	keys := make([][16]byte, 0, len(x.waiting[r]))
	for k := range x.waiting[r] {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	ids := tx.Bucket(bucketOps)
	ids.FillPercent = appendFill
	for _, k := range keys {
		if err := ids.Put(k[:], u64(x.waiting[r][k])); err != nil {
			return err
		}
	}
	seq := tx.Bucket(bucketAuditOps).Sequence()
	x.next = x.marks
	for i := range x.next {
		if i == r || len(x.waiting[i]) == 0 {
			x.next[i] = seq
		}
	}
	x.folding = r
	return tx.Bucket(bucketMeta).Put(keyOpFold, encodeFoldMarks(x.next))
}

// end closes an attempt: a committed one moves its ids into waiting (and
// forgets the part it folded); a rolled-back one is forgotten.
func (x *opIndex) end(committed bool) {
	if committed {
		if x.folding >= 0 {
			x.waiting[x.folding] = map[[16]byte]uint64{}
			x.marks = x.next
		}
		for k, pos := range x.pending {
			x.waiting[opRange(k[:])][k] = pos
		}
	}
	clear(x.pending)
	x.folding = -1
}

// foldAll folds every part, once the writer has stopped.
func (x *opIndex) foldAll(tx *bbolt.Tx) error {
	for r := range x.waiting {
		if len(x.waiting[r]) > 0 {
			if err := x.fold(tx, r); err != nil {
				return err
			}
			x.end(true)
		}
	}
	return nil
}

// foldMarks reads the fold positions.
func foldMarks(tx *bbolt.Tx) [opRanges]uint64 {
	var m [opRanges]uint64
	v := tx.Bucket(bucketMeta).Get(keyOpFold)
	for i := range m {
		if len(v) == 8*opRanges {
			m[i] = binary.BigEndian.Uint64(v[8*i:])
		}
	}
	return m
}

func encodeFoldMarks(m [opRanges]uint64) []byte {
	b := make([]byte, 0, 8*opRanges)
	for _, p := range m {
		b = binary.BigEndian.AppendUint64(b, p)
	}
	return b
}

// open fills x with the op ids of the log that are not folded yet. A
// store without fold positions (new, or written by an earlier release,
// which indexed every id at once) gets them first: everything folded.
func (x *opIndex) open(tx *bbolt.Tx) error {
	if tx.Bucket(bucketMeta).Get(keyOpFold) == nil {
		var all [opRanges]uint64
		for i := range all {
			all[i] = tx.Bucket(bucketAuditOps).Sequence()
		}
		if err := tx.Bucket(bucketMeta).Put(keyOpFold, encodeFoldMarks(all)); err != nil {
			return err
		}
	}
	x.marks = foldMarks(tx)
	low := slices.Min(x.marks[:])
	c := tx.Bucket(bucketAuditOps).Cursor()
	for k, v := c.Seek(u64(low + 1)); k != nil; k, v = c.Next() {
		pos := binary.BigEndian.Uint64(k)
		key, err := opRecordKey(v)
		if err != nil {
			return err
		}
		if r := opRange(key); pos > x.marks[r] {
			x.waiting[r][[16]byte(key)] = pos
		}
	}
	return nil
}
