package storetest

import (
	"errors"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

// feedBehaviours cover server.SyncService.Pull: order, cursors, scope.
var feedBehaviours = []behaviour{
	{"pull pages through the feed in order and repeats for one cursor", pullPagesInOrder},
	{"a courier's feed holds only their own changes", feedIsPerCourier},
	{"a cursor resumes where the last page ended, with later changes", cursorResumes},
	{"a malformed cursor is invalid and a cursor beyond the feed is expired", badCursors},
}

func pullPagesInOrder(t *testing.T, w *world) {
	c := w.courier("feed-a")
	var want []string
	for i := 0; i < 25; i++ {
		want = append(want, w.callback(c.p.UserID, "SF6000000"+string(rune('A'+i))).TaskID)
	}
	var tasks []string
	cursor, pages := "", 0
	for {
		page, err := w.s.Sync.Pull(w.ctx, c.p, cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		again, err := w.s.Sync.Pull(w.ctx, c.p, cursor, 10)
		if err != nil || len(again.Changes) != len(page.Changes) || again.Cursor != page.Cursor || again.HasMore != page.HasMore {
			t.Fatalf("pulling twice with one cursor differed: %v", err)
		}
		for i := range page.Changes {
			if again.Changes[i].ID != page.Changes[i].ID || string(again.Changes[i].Data) != string(page.Changes[i].Data) {
				t.Fatalf("change %d differs between two pulls of one cursor", i)
			}
		}
		if len(page.Changes) > 10 {
			t.Fatalf("a page of %d changes, limit 10", len(page.Changes))
		}
		pages++
		for _, task := range decode[syncproto.CallbackTask](t, page.Changes, syncproto.ChangeCallbackTask) {
			tasks = append(tasks, task.TaskID)
		}
		if page.HasMore && len(page.Changes) == 0 {
			t.Fatal("an empty page says has_more")
		}
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	if pages < 3 || len(tasks) != len(want) {
		t.Fatalf("%d pages, %d tasks; want ≥3 pages and %d tasks", pages, len(tasks), len(want))
	}
	for i := range want {
		if tasks[i] != want[i] {
			t.Fatalf("task %d is %s, want %s (creation order)", i, tasks[i], want[i])
		}
	}
	first, err := w.s.Sync.Pull(w.ctx, c.p, "", 500)
	if err != nil || first.Changes[0].Type != syncproto.ChangeConfig {
		t.Fatalf("a feed starts with the config change: %+v, %v", first, err)
	}
}

func feedIsPerCourier(t *testing.T, w *world) {
	a, b := w.courier("feed-a"), w.courier("feed-b")
	w.callback(a.p.UserID, "SF61000001")
	w.callback(a.p.UserID, "SF61000002")
	for _, ch := range w.pull(b.p) {
		if ch.Type != syncproto.ChangeConfig {
			t.Fatalf("b's feed holds %s change %s of a's", ch.Type, ch.Data)
		}
	}
	if n := len(changesOf[syncproto.CallbackTask](w, a.p, syncproto.ChangeCallbackTask)); n != 2 {
		t.Fatalf("a's feed holds %d tasks, want 2", n)
	}
}

func cursorResumes(t *testing.T, w *world) {
	c := w.courier("resume")
	w.callback(c.p.UserID, "SF62000001")
	page, err := w.s.Sync.Pull(w.ctx, c.p, "", 500)
	if err != nil || page.HasMore {
		t.Fatalf("first pull: %+v, %v", page, err)
	}
	empty, err := w.s.Sync.Pull(w.ctx, c.p, page.Cursor, 500)
	if err != nil || len(empty.Changes) != 0 || empty.HasMore {
		t.Fatalf("a caught-up cursor: %+v, %v", empty, err)
	}
	later := w.callback(c.p.UserID, "SF62000002")
	next, err := w.s.Sync.Pull(w.ctx, c.p, page.Cursor, 500)
	if err != nil {
		t.Fatal(err)
	}
	got := decode[syncproto.CallbackTask](t, next.Changes, syncproto.ChangeCallbackTask)
	if len(next.Changes) != 1 || len(got) != 1 || got[0].TaskID != later.TaskID || got[0].Contact.PhoneMasked != maskedPhone {
		t.Fatalf("resumed pull: %+v, want only the later task, masked", next.Changes)
	}
	if next.Cursor == "" {
		t.Fatal("a resumed pull returns an empty cursor")
	}
}

func badCursors(t *testing.T, w *world) {
	a, b := w.courier("cur-a"), w.courier("cur-b")
	for i := 0; i < 3; i++ {
		w.callback(a.p.UserID, "SF6300000"+string(rune('1'+i)))
	}
	_, err := w.s.Sync.Pull(w.ctx, a.p, "%%not-a-cursor%%", 10)
	wantCode(t, err, syncproto.CodeInvalidRequest)
	end, err := w.s.Sync.Pull(w.ctx, a.p, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	// b's feed is shorter than a's: a's end is beyond it.
	if _, err := w.s.Sync.Pull(w.ctx, b.p, end.Cursor, 10); !errors.Is(err, server.ErrCursorExpired) {
		wantCode(t, err, syncproto.CodeCursorExpired)
	}
}

// decode decodes the changes of type typ.
func decode[T any](t *testing.T, changes []syncproto.Change, typ string) []T {
	t.Helper()
	var out []T
	for _, ch := range changes {
		if ch.Type == typ {
			var v T
			if err := jsonUnmarshal(ch.Data, &v); err != nil {
				t.Fatalf("decode %s: %v", typ, err)
			}
			out = append(out, v)
		}
	}
	return out
}
