package bolt

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// StoreStats is where the bytes of a store file go (courierctl stats).
type StoreStats struct {
	// FileBytes is the file's size; PageSize bbolt's page size.
	FileBytes int64
	PageSize  int
	// FreePages are pages free for reuse; PendingPages are freed by a
	// transaction still in flight (none for a closed store).
	FreePages, PendingPages int
	// HighWater is the bytes up to the last page in use; the file beyond
	// it is room bbolt allocated ahead (up to 16 MiB at a time).
	HighWater int64
	// Schema is the layout version the file records.
	Schema uint64
	// Buckets are the top-level buckets, largest first (nested buckets
	// such as the per-courier feeds count in their parent).
	Buckets []BucketStats
	// OpsByKind counts the stored op results by kind; OpsByStatus by
	// status.
	OpsByKind, OpsByStatus map[string]int
	// Ops is the number of op results stored.
	Ops int
	// KindBuckets names the bucket holding each op kind's records (the
	// rest of an op is its op log entry and op id index entry).
	KindBuckets map[string]string
	// OpLog and OpIndex name the buckets every op has an entry in.
	OpLog, OpIndex string
}

// BucketStats is one bucket's share of the file.
type BucketStats struct {
	Name string
	// Keys counts the key/value pairs, nested buckets' included.
	Keys int
	// KeyBytes and ValueBytes are the raw bytes of keys and values.
	KeyBytes, ValueBytes int64
	// LeafAlloc and LeafInuse are the bytes of the leaf pages allocated
	// and in use; BranchAlloc and BranchInuse the same for branch pages.
	LeafAlloc, LeafInuse, BranchAlloc, BranchInuse int64
	// Pages is the number of pages the bucket holds (leaf, branch and
	// overflow); Depth the height of its tree.
	Pages, Depth int
}

// Fill is the share of the bucket's allocated bytes in use.
func (b BucketStats) Fill() float64 {
	alloc := b.LeafAlloc + b.BranchAlloc
	if alloc == 0 {
		return 1
	}
	return float64(b.LeafInuse+b.BranchInuse) / float64(alloc)
}

// Alloc is the bytes of pages the bucket holds.
func (b BucketStats) Alloc() int64 { return b.LeafAlloc + b.BranchAlloc }

// Stats opens the store at path read-only (courierd stopped, or a backup
// copy) and measures where its bytes go.
func Stats(path string) (*StoreStats, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	bdb, err := bbolt.Open(path, 0o400, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s read-only (is courierd running on it?): %w", path, err)
	}
	defer bdb.Close()
	st := &StoreStats{FileBytes: fi.Size(), PageSize: bdb.Info().PageSize,
		OpsByKind: map[string]int{}, OpsByStatus: map[string]int{}, OpLog: string(bucketAuditOps), OpIndex: string(bucketOps),
		KindBuckets: map[string]string{syncproto.KindPickup: string(bucketPickups), syncproto.KindCODReceipt: string(bucketCOD),
			syncproto.KindDamageReport: string(bucketDamage), syncproto.KindComplaint: string(bucketComplaints),
			syncproto.KindCallbackOutcome: string(bucketOutcomes), syncproto.KindVehicleLog: string(bucketVehicleLogs)}}
	s := bdb.Stats()
	st.FreePages, st.PendingPages = s.FreePageN, s.PendingPageN
	err = bdb.View(func(tx *bbolt.Tx) error {
		st.HighWater = tx.Size()
		if v := tx.Bucket(bucketMeta).Get(keySchema); len(v) == 8 {
			st.Schema = beUint(v)
		}
		err := tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			st.Buckets = append(st.Buckets, bucketStats(string(name), b))
			return nil
		})
		if err != nil {
			return err
		}
		return forEachOp(tx, func(r *opRecord) error {
			st.Ops++
			st.OpsByKind[r.Kind]++
			st.OpsByStatus[r.Status]++
			return nil
		})
	})
	slices.SortFunc(st.Buckets, func(a, b BucketStats) int {
		return int(b.Alloc() - a.Alloc())
	})
	return st, err
}

func bucketStats(name string, b *bbolt.Bucket) BucketStats {
	s := b.Stats()
	out := BucketStats{Name: name, LeafAlloc: int64(s.LeafAlloc), LeafInuse: int64(s.LeafInuse),
		BranchAlloc: int64(s.BranchAlloc), BranchInuse: int64(s.BranchInuse), Depth: s.Depth,
		Pages: s.LeafPageN + s.LeafOverflowN + s.BranchPageN + s.BranchOverflowN}
	walkKV(b, &out)
	return out
}

// walkKV adds the keys and values of b and its nested buckets to out.
func walkKV(b *bbolt.Bucket, out *BucketStats) {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				walkKV(nb, out)
				continue
			}
		}
		out.Keys++
		out.KeyBytes += int64(len(k))
		out.ValueBytes += int64(len(v))
	}
}
