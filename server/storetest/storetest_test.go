package storetest

import (
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestOpIDsAreDistinctUUIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, user := range []string{"u1", "u2", "u10"} {
		for seq := int64(1); seq <= 1000; seq++ {
			id := newOpID(user, seq)
			if _, ok := syncproto.ParseUUID(id); !ok || seen[id] {
				t.Fatalf("op id %q of %s/%d: valid %v, seen before %v", id, user, seq, ok, seen[id])
			}
			seen[id] = true
		}
	}
}

func TestClockMovesOnlyByHand(t *testing.T) {
	c := NewClock()
	if !c.Now().Equal(Start) {
		t.Fatalf("a new clock reads %s, want %s", c.Now(), Start)
	}
	c.Advance(time.Hour)
	if !c.Now().Equal(Start.Add(time.Hour)) {
		t.Fatalf("after an hour %s", c.Now())
	}
	c.Set(Start)
	if !c.Now().Equal(Start) {
		t.Fatalf("after Set %s", c.Now())
	}
}

func TestEveryGroupHasBehaviours(t *testing.T) {
	for _, g := range groups() {
		if len(g.behaviours) == 0 {
			t.Errorf("group %s has no behaviour", g.name)
		}
	}
	if len(blobFileBehaviours) == 0 {
		t.Error("BlobFiles has no behaviour")
	}
}
