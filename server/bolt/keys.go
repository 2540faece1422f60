package bolt

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bucket names. Created when the file opens.
var (
	bucketMeta      = []byte("meta")
	bucketUsers     = []byte("users")
	bucketUsernames = []byte("usernames")
	bucketSessions  = []byte("sessions")
	// bucketOps is the op id index (op id → log position) and
	// bucketAuditOps the op log (position → op record): see push_log.go.
	bucketOps         = []byte("ops")
	bucketAuditOps    = []byte("audit_ops")
	bucketFeeds       = []byte("feeds")
	bucketPickups     = []byte("pickups")
	bucketCOD         = []byte("cod_receipts")
	bucketComplaints  = []byte("complaints")
	bucketDamage      = []byte("damage_reports")
	bucketOutcomes    = []byte("callback_outcomes")
	bucketTasks       = []byte("callback_tasks")
	bucketVehicles    = []byte("vehicles")
	bucketVehicleLogs = []byte("vehicle_logs")
	bucketDefects     = []byte("defects")
	bucketBlobs       = []byte("blobs")
	bucketBlobRefs    = []byte("blob_refs")
	bucketEvents      = []byte("audit_events")

	// allBuckets are created when the file opens: the core ones here, and
	// each feature's own list from its file.
	allBuckets = slices.Concat(coreBuckets, callbackBuckets, ledgerBuckets, complaintBuckets, vehicleBuckets, claimBuckets, inspectionBuckets,
		codWaybillBuckets, accountBuckets, sessionBuckets, [][]byte{bucketWaybills})

	coreBuckets = [][]byte{
		bucketMeta, bucketUsers, bucketUsernames, bucketSessions, bucketOps, bucketAuditOps,
		bucketFeeds, bucketPickups, bucketCOD, bucketComplaints, bucketDamage, bucketOutcomes,
		bucketTasks, bucketVehicles, bucketVehicleLogs, bucketDefects, bucketBlobs, bucketBlobRefs,
		bucketEvents,
	}

	keyEpoch  = []byte("feed_epoch")
	keySchema = []byte("schema_version")
)

// schemaVersion is the layout version written into meta.
const schemaVersion = SchemaVersion

// SchemaVersion is the layout version this code writes (courierctl stats shows a file's).
const SchemaVersion = 2

// appendFill is the page fill of buckets whose keys only grow (sequences,
// time-ordered ids): bbolt's default of one half leaves such pages half
// empty forever, doubling the file.
const appendFill = 0.95

// u64 encodes v as an 8-byte big-endian key, which sorts in numeric order.
func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// timeKey encodes t so keys sort in time order, with seq to break ties.
func timeKey(t time.Time, seq uint64) []byte {
	b := make([]byte, 16)
	copy(b, tkey(t))
	binary.BigEndian.PutUint64(b[8:], seq)
	return b
}

// idSeq parses N of an id made of prefix and a sequence number N ≥ 1
// ("cp-12", "u7").
func idSeq(id, prefix string) (uint64, bool) {
	s, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}
