package httpapi_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// seedTask stores a callback task assigned to courierID and publishes its
// view into that courier's pull feed.
//
// POST /v1/callbacks creates tasks, but with ids of its own and always
// open; the tests here need a chosen id in a chosen status, which no route
// makes, so this writes the two records the push and pull paths read
// straight into the store file, between a clean close and a reopen.
// It knows the bbolt layout of server/bolt (buckets "callback_tasks" and
// "feeds", and how a feed entry is encoded) and checks through the store's
// Pull that the seeded change comes back, so a layout change fails here
// with a clear message. Where an open task with any id will do, use the
// route.
func (h *harness) seedTask(tb testing.TB, taskID, courierID, status string) {
	tb.Helper()
	if err := h.db.Close(); err != nil {
		tb.Fatalf("close store: %v", err)
	}
	raw, err := bbolt.Open(h.path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		tb.Fatalf("open store file: %v", err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		task, _ := json.Marshal(map[string]any{"task_id": taskID, "courier_id": courierID, "status": status})
		if err := tx.Bucket([]byte("callback_tasks")).Put([]byte(taskID), task); err != nil {
			return err
		}
		feed, err := tx.Bucket([]byte("feeds")).CreateBucketIfNotExists([]byte(courierID))
		if err != nil {
			return err
		}
		seq, err := feed.NextSequence()
		if err != nil {
			return err
		}
		view, _ := json.Marshal(syncproto.CallbackTask{
			TaskID: taskID, Waybill: "YT2026112700017", Reason: "complaint follow-up", Status: status,
			DueBy: h.clock.Now().Add(24 * time.Hour), Contact: syncproto.Contact{NameMasked: "L*", PhoneMasked: "139****5678"}, Version: 1,
		})
		// A feed entry is one byte of type length, the type, then the
		// data's JSON (server/bolt/feed.go encodeChange).
		entry := append([]byte{byte(len(syncproto.ChangeCallbackTask))}, syncproto.ChangeCallbackTask...)
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], seq)
		return feed.Put(key[:], append(entry, view...))
	})
	if cerr := raw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatalf("seed task: %v", err)
	}
	h.open(tb)
	if !h.feedHasTask(tb, courierID, taskID) {
		tb.Fatalf("seedTask is out of date with server/bolt's feed layout: the seeded task %s does not come back through pull", taskID)
	}
}

// feedHasTask reports whether the pull feed of courierID holds taskID, read
// through the store's own Pull.
func (h *harness) feedHasTask(tb testing.TB, courierID, taskID string) bool {
	tb.Helper()
	p, err := h.db.Pull(context.Background(), server.Principal{UserID: courierID, Role: syncproto.RoleCourier}, "", syncproto.MaxPullLimit)
	if err != nil {
		tb.Fatalf("pull after seeding: %v", err)
	}
	for _, ch := range p.Changes {
		var v syncproto.CallbackTask
		if ch.Type == syncproto.ChangeCallbackTask && json.Unmarshal(ch.Data, &v) == nil && v.TaskID == taskID {
			return true
		}
	}
	return false
}
