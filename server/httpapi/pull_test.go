package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestPull(t *testing.T) {
	h := newHarness(t)
	c := h.courier(t, "wang")
	for i := 1; i <= 4; i++ {
		h.seedTask(t, fmt.Sprintf("cb-%d", i), c.userID, "open")
	}

	var all syncproto.PullResponse
	t.Run("without a cursor a new courier's feed starts with the capture policy", func(t *testing.T) {
		all = h.pull(t, c.access, "")
		if len(all.Changes) != 5 || all.HasMore || all.Cursor == "" {
			t.Fatalf("pull = %s, want 5 changes, has_more false and a cursor", show(all))
		}
		first := all.Changes[0]
		var cfg map[string]any
		if err := json.Unmarshal(first.Data, &cfg); err != nil || first.Type != syncproto.ChangeConfig || first.ID == "" {
			t.Fatalf("first change = %s, want a config change", show(first))
		}
		// photo_max_pixels 0 means "as taken".
		if n, ok := cfg["photo_max_pixels"].(float64); !ok || n < 0 {
			t.Errorf("config photo_max_pixels = %v, want a number ≥ 0", cfg["photo_max_pixels"])
		}
		if n, ok := cfg["jpeg_quality"].(float64); !ok || n < 1 || n > 100 {
			t.Errorf("config jpeg_quality = %v, want 1..100", cfg["jpeg_quality"])
		}
		if n, ok := cfg["upload_chunk_bytes"].(float64); !ok || n <= 0 {
			t.Errorf("config upload_chunk_bytes = %v, want a positive number", cfg["upload_chunk_bytes"])
		}
		for _, ch := range all.Changes[1:] {
			if ch.Type != syncproto.ChangeCallbackTask {
				t.Errorf("change %s is %q, want callback_task", ch.ID, ch.Type)
			}
		}
	})
	t.Run("pages of one walk the feed in order, each change once", func(t *testing.T) {
		var got []syncproto.Change
		cursor := ""
		for range 10 {
			p := h.pull(t, c.access, "?limit=1&cursor="+url.QueryEscape(cursor))
			got = append(got, p.Changes...)
			cursor = p.Cursor
			if !p.HasMore {
				break
			}
			if len(p.Changes) != 1 {
				t.Fatalf("has_more with %d changes on a page of 1", len(p.Changes))
			}
		}
		if show(got) != show(all.Changes) {
			t.Fatalf("paged feed = %s\nwhole feed = %s", show(got), show(all.Changes))
		}
	})
	t.Run("pulling twice with one cursor returns the same changes", func(t *testing.T) {
		mid := h.pull(t, c.access, "?limit=2").Cursor
		a := h.pull(t, c.access, "?cursor="+url.QueryEscape(mid))
		b := h.pull(t, c.access, "?cursor="+url.QueryEscape(mid))
		if len(a.Changes) != 3 || show(a) != show(b) {
			t.Fatalf("first %s\nsecond %s\nwant the same 3 changes", show(a), show(b))
		}
	})
	t.Run("at the end of the feed the cursor stays put and nothing comes", func(t *testing.T) {
		p := h.pull(t, c.access, "?cursor="+url.QueryEscape(all.Cursor))
		if len(p.Changes) != 0 || p.HasMore || p.Cursor != all.Cursor {
			t.Fatalf("pull at end = %s", show(p))
		}
	})
	t.Run("a change published after the cursor arrives on the next pull", func(t *testing.T) {
		h.seedTask(t, "cb-5", c.userID, "open")
		p := h.pull(t, c.access, "?cursor="+url.QueryEscape(all.Cursor))
		if len(p.Changes) != 1 || p.Changes[0].Type != syncproto.ChangeCallbackTask {
			t.Fatalf("pull = %s, want the new task", show(p))
		}
	})
	t.Run("a limit of 500 is allowed", func(t *testing.T) {
		h.pull(t, c.access, "?limit=500")
	})
	for _, limit := range []string{"0", "501", "-1", "ten", "1.5"} {
		t.Run("a limit of "+limit+" is 400", func(t *testing.T) {
			h.do(t, "GET", "/v1/sync/pull?limit="+limit, c.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
		})
	}
	for _, cur := range []string{"garbage!!", "AAAA", base64.RawURLEncoding.EncodeToString([]byte("seventeen bytes!!"))} {
		t.Run("a garbage cursor "+cur+" is 400", func(t *testing.T) {
			h.do(t, "GET", "/v1/sync/pull?cursor="+url.QueryEscape(cur), c.access, nil).wantError(t, 400, syncproto.CodeInvalidRequest)
		})
	}
	t.Run("a cursor from another store file is 409 cursor_expired", func(t *testing.T) {
		other := newHarness(t)
		oc := other.courier(t, "wang")
		foreign := other.pull(t, oc.access, "").Cursor
		h.do(t, "GET", "/v1/sync/pull?cursor="+url.QueryEscape(foreign), c.access, nil).wantError(t, 409, syncproto.CodeCursorExpired)
	})
}

func TestACourierPullsOnlyTheirOwnFeed(t *testing.T) {
	h := newHarness(t)
	a := h.courier(t, "wang")
	b := h.courier(t, "zhao")
	h.seedTask(t, "cb-a1", a.userID, "open")
	h.seedTask(t, "cb-a2", a.userID, "open")
	h.seedTask(t, "cb-b1", b.userID, "open")
	applied(t, a.pushOK(t, a.op("pickup", pickup(waybill())))[0])

	tasks := func(p syncproto.PullResponse) []string {
		var ids []string
		for _, ch := range p.Changes {
			if ch.Type == syncproto.ChangeCallbackTask {
				var v syncproto.CallbackTask
				if err := json.Unmarshal(ch.Data, &v); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, v.TaskID)
			}
		}
		return ids
	}
	pa := h.pull(t, a.access, "")
	t.Run("courier A sees A's tasks and no one else's", func(t *testing.T) {
		if got := show(tasks(pa)); got != `["cb-a1","cb-a2"]` {
			t.Fatalf("A's tasks = %s", got)
		}
	})
	t.Run("courier B sees B's task and none of A's", func(t *testing.T) {
		pb := h.pull(t, b.access, "")
		if got := show(tasks(pb)); got != `["cb-b1"]` {
			t.Fatalf("B's tasks = %s", got)
		}
		if pb.Changes[0].Type != syncproto.ChangeConfig {
			t.Errorf("B's feed starts with %q, want config", pb.Changes[0].Type)
		}
	})
	for _, tc := range []struct{ name, query string }{
		{"A's cursor after the config change", "?limit=1"},
		{"A's cursor at the end of A's feed", ""},
	} {
		t.Run(tc.name+", used by B, yields nothing of A's", func(t *testing.T) {
			cur := h.pull(t, a.access, tc.query).Cursor
			r := h.do(t, "GET", "/v1/sync/pull?cursor="+url.QueryEscape(cur), b.access, nil)
			if r.status == 409 {
				r.wantError(t, 409, syncproto.CodeCursorExpired)
				return
			}
			var p syncproto.PullResponse
			r.decode(t, 200, &p)
			for _, id := range tasks(p) {
				if id != "cb-b1" {
					t.Fatalf("B got A's task %s through A's cursor: %s", id, show(p))
				}
			}
		})
	}
	t.Run("staff have no feed of their own and see no courier's", func(t *testing.T) {
		sup := h.user(t, "boss", syncproto.RoleSupervisor)
		if p := h.pull(t, sup.access, ""); len(p.Changes) != 0 {
			t.Fatalf("supervisor's feed = %s", show(p))
		}
	})
}

func TestACursorOfAnotherCourierNeverSkipsChanges(t *testing.T) {
	h := newHarness(t)
	a := h.courier(t, "wang")
	b := h.courier(t, "zhao")
	h.seedTask(t, "cb-a1", a.userID, "open")
	h.seedTask(t, "cb-b1", b.userID, "open")
	h.seedTask(t, "cb-b2", b.userID, "open")
	// A handheld handed from A to B still holds A's cursor (after A's config
	// change and task). B's feed has 3 changes; none may be skipped.
	cur := h.pull(t, a.access, "").Cursor
	r := h.do(t, "GET", "/v1/sync/pull?cursor="+url.QueryEscape(cur), b.access, nil)
	if r.status == 409 {
		r.wantError(t, 409, syncproto.CodeCursorExpired)
		return
	}
	var p syncproto.PullResponse
	r.decode(t, 200, &p)
	if len(p.Changes) != 3 {
		t.Fatalf("B got %d of its 3 changes through A's cursor and no cursor_expired: %s", len(p.Changes), show(p))
	}
}

func TestPullAfterTheStoreIsRestoredFromABackup(t *testing.T) {
	h := newHarness(t)
	admin := h.user(t, "root", syncproto.RoleAdmin)
	c := h.courier(t, "wang")
	h.seedTask(t, "cb-1", c.userID, "open")

	r := h.do(t, "GET", "/v1/admin/backup", admin.access, nil)
	if r.status != 200 || len(r.body) == 0 {
		t.Fatalf("backup: %d, %d bytes", r.status, len(r.body))
	}
	backup := r.body
	h.seedTask(t, "cb-2", c.userID, "open")
	h.seedTask(t, "cb-3", c.userID, "open")
	cursor := h.pull(t, c.access, "").Cursor // the device has seen 4 changes
	h.restore(t, backup)                     // the store goes back to 2

	t.Run("a cursor from after the backup is 409 cursor_expired", func(t *testing.T) {
		h.do(t, "GET", "/v1/sync/pull?cursor="+url.QueryEscape(cursor), c.access, nil).wantError(t, 409, syncproto.CodeCursorExpired)
	})
	t.Run("the restored feed pulls from the beginning", func(t *testing.T) {
		if p := h.pull(t, c.access, ""); len(p.Changes) != 2 {
			t.Fatalf("restored feed = %s, want config and cb-1", show(p))
		}
	})
	t.Run("that cursor is still refused once the restored feed has grown past it", func(t *testing.T) {
		h.seedTask(t, "cb-new-1", c.userID, "open")
		h.seedTask(t, "cb-new-2", c.userID, "open")
		r := h.do(t, "GET", "/v1/sync/pull?cursor="+url.QueryEscape(cursor), c.access, nil)
		if r.status == 409 {
			r.wantError(t, 409, syncproto.CodeCursorExpired)
			return
		}
		var p syncproto.PullResponse
		r.decode(t, 200, &p)
		if len(p.Changes) < 2 {
			t.Fatalf("the old cursor got %s: the two changes made after the restore were skipped", show(p))
		}
	})
}
