package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/stack"
)

func startServer(t *testing.T) string {
	t.Helper()
	s, err := stack.Open(context.Background(), stack.Config{DataDir: t.TempDir(), BootstrapAdmin: "root:root-password", BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(5 * time.Second) })
	return url
}

func ctl(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"COURIERCTL_SERVER": url, "COURIERCTL_ADMIN": "root:root-password"}
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestUserAddThenListShowsTheAccount(t *testing.T) {
	url := startServer(t)
	if out, err := ctl(t, url, "user", "add", "-username", "zhang.wei", "-password", "courier-pass-1", "-role", "courier", "-display-name", "张伟"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	out, err := ctl(t, url, "user", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "zhang.wei") || !strings.Contains(out, "courier") || !strings.Contains(out, "root") {
		t.Fatalf("list lacks the accounts:\n%s", out)
	}
	t.Run("a taken username is refused with the server's reason", func(t *testing.T) {
		_, err := ctl(t, url, "user", "add", "-username", "zhang.wei", "-password", "courier-pass-1", "-role", "courier")
		if err == nil || !strings.Contains(err.Error(), "conflict") {
			t.Fatalf("got %v, want a conflict error", err)
		}
	})
	t.Run("wrong admin credentials fail clearly", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"-server", url, "-admin", "root:wrong-password", "user", "list"}, func(string) string { return "" }, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "unauthorized") {
			t.Fatalf("got %v, want unauthorized", err)
		}
	})
}

func TestBackupIsAConsistentCopyThatOpens(t *testing.T) {
	url := startServer(t)
	if _, err := ctl(t, url, "user", "add", "-username", "li.na", "-password", "courier-pass-2", "-role", "courier"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if out, err := ctl(t, url, "backup", "-o", path); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.UserByName(context.Background(), "li.na"); err != nil {
		t.Fatalf("the copy lacks the account: %v", err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownCommandIsAnError(t *testing.T) {
	if _, err := ctl(t, "http://127.0.0.1:1", "frobnicate"); err == nil {
		t.Fatal("want an error")
	}
}
