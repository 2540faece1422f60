package stack_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/stack"
	"github.com/courier-sync/courier-sync/syncproto"
)

// Losing the key file must not lose data silently: a server started
// without it (or with a mistyped path, or another company's file) on a
// store holding sealed contacts refuses to start, naming the file, and
// writes no new key; with the right file back every contact opens.
func TestStartRefusesAStoreWhoseKeyFileIsMissingOrForeign(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "pii-keys.json")
	ts := startQuiet(t, stack.Config{DataDir: dir})
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatalf("a fresh store got no key file: %v", err)
	}
	disp := ts.user(t, "disp", syncproto.RoleDispatcher, "console-1")
	c := ts.courierWithToken(t, "courier.a", "", "pda-a", "")
	task := disp.createTask(t, c.userID, "SF1234567890")
	ts.quiesce()
	ts.stop(t)
	saved, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	refused := func(t *testing.T, cfg stack.Config, named string) {
		t.Helper()
		cfg.DataDir = dir
		s, err := stack.Open(context.Background(), cfg)
		if err == nil {
			s.Shutdown(0)
			t.Fatal("the server started")
		}
		if msg := err.Error(); !strings.Contains(msg, named) || !strings.Contains(msg, "refusing to start") {
			t.Fatalf("error %q does not name %s and say it refuses", msg, named)
		}
	}
	t.Run("without the key file it refuses and makes no new key", func(t *testing.T) {
		if err := os.Remove(keyFile); err != nil {
			t.Fatal(err)
		}
		refused(t, stack.Config{}, keyFile)
		if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a key file was written: %v", err)
		}
	})
	t.Run("with a mistyped key file path it refuses", func(t *testing.T) {
		typo := filepath.Join(dir, "pii-key.json")
		refused(t, stack.Config{PIIKeyFile: typo}, typo)
		if _, err := os.Stat(typo); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a key file was written at the mistyped path: %v", err)
		}
	})
	t.Run("with another key file it refuses", func(t *testing.T) {
		foreign := filepath.Join(t.TempDir(), "pii-keys.json")
		other := startQuiet(t, stack.Config{DataDir: filepath.Dir(foreign)})
		other.quiesce()
		other.stop(t)
		refused(t, stack.Config{PIIKeyFile: foreign}, foreign)
	})
	t.Run("with the right key file back every contact opens", func(t *testing.T) {
		if err := os.WriteFile(keyFile, saved, 0o600); err != nil {
			t.Fatal(err)
		}
		ts := startQuiet(t, stack.Config{DataDir: dir})
		c := ts.login(t, "courier.a", "courier.a-password", "pda-a")
		var got server.RevealedContact
		c.mustJSON(t, "POST", "/v1/callbacks/"+task.TaskID+"/contact", nil, 200, &got)
		if got.Phone != customerPhone || got.Name != customerName {
			t.Fatalf("revealed %+v", got)
		}
	})
}
