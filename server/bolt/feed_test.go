package bolt_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestPullPagesThroughTheFeedInOrderAndRepeatsForOneCursor(t *testing.T) {
	db := openDB(t, bolt.Options{})
	c := courier(t, db, "feed-a", "dev-a")
	other := courier(t, db, "feed-b", "dev-b")
	if err := db.AppendChanges(c.UserID, syncproto.ChangeCallbackTask, 25, map[string]string{"task_id": "t"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	cursor := ""
	for {
		page, err := db.Pull(ctx, c, cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		again, err := db.Pull(ctx, c, cursor, 10)
		if err != nil || len(again.Changes) != len(page.Changes) || again.Cursor != page.Cursor {
			t.Fatalf("pulling twice with one cursor differed: %v", err)
		}
		for _, ch := range page.Changes {
			ids = append(ids, ch.ID)
		}
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	if len(ids) != 26 { // the config change, then 25 tasks
		t.Fatalf("got %d changes, want 26", len(ids))
	}
	t.Run("another courier's feed holds none of them", func(t *testing.T) {
		page, err := db.Pull(ctx, other, "", 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Changes) != 1 || page.Changes[0].Type != syncproto.ChangeConfig {
			t.Fatalf("got %+v, want only the config change", page.Changes)
		}
	})
	t.Run("a cursor beyond the feed's end is expired", func(t *testing.T) {
		_, err := db.Pull(ctx, other, cursor, 10)
		if !errors.Is(err, server.ErrCursorExpired) {
			t.Fatalf("got %v, want cursor_expired", err)
		}
	})
}

func TestCursorFromAnotherStoreIsExpired(t *testing.T) {
	a := openDB(t, bolt.Options{})
	b := openDB(t, bolt.Options{})
	ca := courier(t, a, "same-name", "dev")
	cb := courier(t, b, "same-name", "dev")
	page, err := a.Pull(context.Background(), ca, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Pull(context.Background(), cb, page.Cursor, 10); !errors.Is(err, server.ErrCursorExpired) {
		t.Fatalf("got %v, want cursor_expired", err)
	}
}

func TestCursorSurvivesReopeningTheSameFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "courier.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := courier(t, db, "reopen", "dev")
	page, err := db.Pull(context.Background(), c, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Pull(context.Background(), c, page.Cursor, 10); err != nil {
		t.Fatalf("cursor refused after reopening: %v", err)
	}
}

// BenchmarkPull measures draining a feed of 10,000 pending changes in pages
// of 500, the most a device asks for.
func BenchmarkPull(b *testing.B) {
	db := openDB(b, bolt.Options{})
	c := courier(b, db, "bench-pull", "dev")
	task := syncproto.CallbackTask{TaskID: "cb-000001", Waybill: "SF1234567890", Reason: "customer asked for a call", Status: "open",
		Contact: syncproto.Contact{NameMasked: "张*", PhoneMasked: "138****5678"}, Version: 1}
	if err := db.AppendChanges(c.UserID, syncproto.ChangeCallbackTask, 10_000, task); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	total := 0
	for i := 0; i < b.N; i++ {
		cursor := ""
		for {
			page, err := db.Pull(ctx, c, cursor, 500)
			if err != nil {
				b.Fatal(err)
			}
			total += len(page.Changes)
			cursor = page.Cursor
			if !page.HasMore {
				break
			}
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "changes/s")
}
