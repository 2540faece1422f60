package mobileapi

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

// pulledCursors returns the cursor of every pull request so far.
func pulledCursors(f *fakeServer) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.pullCursor...)
}

func taskVersions(t *testing.T, o *Outbox) string {
	t.Helper()
	tasks, err := o.CallbackTasksByStatus("")
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, tk := range tasks {
		parts = append(parts, tk.TaskID+"@"+strconv.FormatInt(tk.Version, 10)+":"+tk.Status)
	}
	return strings.Join(parts, " ")
}

func TestPull(t *testing.T) {
	t.Run("pull stores tasks (latest version wins), config and the cursor, page by page", func(t *testing.T) {
		f := newFakeServer(t)
		f.addTask("t1", 1, "open")
		f.addConfig(syncproto.Config{PhotoMaxPixels: 12_000_000, JPEGQuality: 80, UploadChunkBytes: 1 << 20})
		f.addTask("t2", 1, "open")
		f.addTask("t1", 3, "done")
		f.addTask("t1", 2, "open") // an older view arriving late does not win
		o, _ := openTest(t, tempDB(t), testOptions(f))
		o.pullLimit = 2
		if c, err := o.Config(); err != nil || *c != (Config{}) {
			t.Fatalf("Config before any pull = %+v, %v; want zero values", c, err)
		}
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		if got, want := taskVersions(t, o), "t1@3:done t2@1:open"; got != want {
			t.Errorf("tasks = %q, want %q", got, want)
		}
		tasks, _ := o.CallbackTasks()
		if len(tasks) != 1 {
			t.Fatalf("open tasks = %d, want t2 only", len(tasks))
		}
		if tk := tasks[0]; tk.Waybill != "WB-t2" || tk.DueBy != "2026-12-01T18:00:00Z" || tk.NameMasked != "W** L*" || tk.PhoneMasked != "138****0000" {
			t.Errorf("task = %+v, want every field of the view", tk)
		}
		c, err := o.Config()
		if err != nil || c.PhotoMaxPixels != 12_000_000 || c.JPEGQuality != 80 || c.UploadChunkBytes != 1<<20 {
			t.Errorf("Config = %+v, %v", c, err)
		}
		if got := strings.Join(pulledCursors(f), ","); got != ",c2,c4" {
			t.Errorf("pulled with cursors %q, want %q", got, ",c2,c4")
		}
		if s := mustStatus(t, o); s.Cursor != "c5" {
			t.Errorf("stored cursor = %q, want c5", s.Cursor)
		}
	})

	t.Run("a page and its cursor are stored together, and the next sync resumes from that cursor", func(t *testing.T) {
		f := newFakeServer(t)
		for _, id := range []string{"a1", "a2", "a3", "a4", "a5"} {
			f.addTask(id, 1, "open")
		}
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(f))
		o.pullLimit = 2
		o.hook = func(point string) error {
			if point == "pull-stored" {
				return errKilled
			}
			return nil
		}
		if err := o.Sync(t.Context()); !errors.Is(err, errKilled) {
			t.Fatalf("Sync = %v, want the kill after the first page", err)
		}
		o.Close()
		o2, _ := openTest(t, path, testOptions(f))
		o2.pullLimit = 2
		if got := taskVersions(t, o2); got != "a1@1:open a2@1:open" {
			t.Errorf("after the first page tasks = %q, want a1 and a2 only", got)
		}
		if s := mustStatus(t, o2); s.Cursor != "c2" || s.LastSyncAt != "" {
			t.Errorf("status = %+v, want cursor c2 and no completed sync", s)
		}
		if err := o2.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(pulledCursors(f), ","); got != ",c2,c4" {
			t.Errorf("pulled with cursors %q, want the second run to resume at c2", got)
		}
		if got := taskVersions(t, o2); got != "a1@1:open a2@1:open a3@1:open a4@1:open a5@1:open" {
			t.Errorf("tasks = %q, want all five", got)
		}
	})

	t.Run("cursor_expired drops the feed state and pulls from the beginning", func(t *testing.T) {
		f := newFakeServer(t)
		f.addTask("old", 1, "open")
		f.addConfig(syncproto.Config{JPEGQuality: 70})
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		// The server compacts its history: "old" is gone, a new view remains.
		f.compact()
		f.addTask("new", 4, "open")
		f.set(func(f *fakeServer) { f.expired["c2"] = true })
		ids := recordMixed(t, o, 2)
		if err := o.Sync(t.Context()); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		f.checkExactlyOnce(t, ids)
		if got := strings.Join(pulledCursors(f), ","); got != ",c2," {
			t.Errorf("pulled with cursors %q, want the expired c2 then the beginning", got)
		}
		if got := taskVersions(t, o); got != "new@4:open" {
			t.Errorf("tasks = %q, want only the task the restarted feed sent", got)
		}
		if c, _ := o.Config(); c.JPEGQuality != 0 {
			t.Errorf("config = %+v, want it dropped with the feed state", c)
		}
		if s := mustStatus(t, o); s.Cursor != "c3" {
			t.Errorf("cursor = %q, want c3", s.Cursor)
		}
	})

	t.Run("a server that keeps answering cursor_expired makes sync fail instead of looping", func(t *testing.T) {
		f := newFakeServer(t)
		f.addTask("x", 1, "open")
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.set(func(f *fakeServer) { f.pullFaults = []fault{faultCursorExpire, faultCursorExpire, faultCursorExpire} })
		err := o.Sync(t.Context())
		var se *syncproto.Error
		if !errors.As(err, &se) || se.Code != syncproto.CodeCursorExpired {
			t.Errorf("Sync = %v, want a cursor_expired error", err)
		}
	})

	t.Run("a malformed task change fails the sync and does not move the cursor", func(t *testing.T) {
		f := newFakeServer(t)
		f.addTask("ok", 1, "open")
		f.addChange(syncproto.ChangeCallbackTask, []byte(`{"task_id":""}`))
		f.addChange("future_type", []byte(`{"anything":1}`))
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); !errors.Is(err, ErrProtocol) {
			t.Errorf("Sync = %v, want ErrProtocol", err)
		}
		if s := mustStatus(t, o); s.Cursor != "" {
			t.Errorf("cursor = %q, want none stored", s.Cursor)
		}
	})

	t.Run("unknown change types are skipped", func(t *testing.T) {
		f := newFakeServer(t)
		f.addChange("future_type", []byte(`{"anything":1}`))
		f.addTask("ok", 1, "open")
		o, _ := openTest(t, tempDB(t), testOptions(f))
		if err := o.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := taskVersions(t, o); got != "ok@1:open" {
			t.Errorf("tasks = %q", got)
		}
	})
}
