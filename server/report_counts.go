package server

import (
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// SatisfiedScore is the lowest satisfaction score that counts as
// satisfied.
const SatisfiedScore = 4

// PickupCounted says whether an op taken counts in the report's pickups,
// and at which time: an applied pickup with a readable recorded_at.
func PickupCounted(kind, status, recordedAt string) (time.Time, bool) {
	if kind != syncproto.KindPickup || status != syncproto.StatusApplied {
		return time.Time{}, false
	}
	return syncproto.ParseOpTime(recordedAt)
}

// ScoreCounts is what a callback outcome's satisfaction score adds to the
// report's counts: one score, satisfied when 4 or 5; no score, nothing.
func ScoreCounts(score *int) (scores, satisfied int64) {
	if score == nil {
		return 0, 0
	}
	if *score >= SatisfiedScore {
		return 1, 1
	}
	return 1, 0
}
