package mobileapi

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

// Issue 12 item 5: every push carries sent_at, the device's clock when
// that attempt is sent, so the server measures skew instead of flagging
// ops that waited offline.
func TestEveryPushAttemptCarriesTheDeviceClockAsSentAt(t *testing.T) {
	f := newFakeServer(t)
	f.pushFaults = []fault{fault500} // the first attempt fails; the retry is a new attempt
	opts := testOptions(f)
	var ticks atomic.Int64
	opts.Now = func() time.Time { return testClock.Add(time.Duration(ticks.Add(1)) * time.Second) }
	o, _ := openTest(t, tempDB(t), opts)
	recordMixed(t, o, 2)
	if err := o.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pushBodies) != 2 {
		t.Fatalf("%d push attempts, want 2", len(f.pushBodies))
	}
	var sent []time.Time
	for _, b := range f.pushBodies {
		var req syncproto.PushRequest
		if err := json.Unmarshal(b, &req); err != nil {
			t.Fatal(err)
		}
		at, ok := syncproto.ParseOpTime(req.SentAt)
		if !ok {
			t.Fatalf("push without a valid sent_at: %s", b)
		}
		if e := syncproto.ValidatePush(&req); e != nil {
			t.Fatal(e)
		}
		sent = append(sent, at)
	}
	if !sent[1].After(sent[0]) {
		t.Fatalf("the retry resent sent_at %s of the first attempt", sent[0])
	}
}
