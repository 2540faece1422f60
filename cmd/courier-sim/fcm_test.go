package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServerFileIsReadOnlyWhole(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		base     string
		pid      int
		ok, err  bool
	}{
		{"a URL line is enough", "http://127.0.0.1:8080\n", "http://127.0.0.1:8080", 0, true, false},
		{"a pid may follow", "http://127.0.0.1:8080\n4242\n", "http://127.0.0.1:8080", 4242, true, false},
		{"half a first line is not read yet", "http://127.0.0.1:80", "", 0, false, false},
		{"an empty file is not read yet", "", "", 0, false, false},
		{"a second line that is not a pid is an error", "http://h\nabc\n", "", 0, false, true},
		{"an empty first line is an error", "\n", "", 0, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base, pid, ok, err := parseServerFile(tt.in)
			if base != tt.base || pid != tt.pid || ok != tt.ok || (err != nil) != tt.err {
				t.Errorf("parseServerFile(%q) = %q, %d, %v, %v", tt.in, base, pid, ok, err)
			}
		})
	}
}

func TestWaitServerFile(t *testing.T) {
	dir := t.TempDir()
	t.Run("a file written whole is read", func(t *testing.T) {
		path := filepath.Join(dir, "server.url")
		if err := writeFileAtomic(path, "http://127.0.0.1:9\n77\n"); err != nil {
			t.Fatal(err)
		}
		base, pid, err := waitServerFile(context.Background(), path, time.Second)
		if err != nil || base != "http://127.0.0.1:9" || pid != 77 {
			t.Errorf("got %q, %d, %v", base, pid, err)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".server.url.tmp-*")); len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
	})
	t.Run("a file that never comes is an error after the wait", func(t *testing.T) {
		_, _, err := waitServerFile(context.Background(), filepath.Join(dir, "never"), 120*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "no server address within") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestFCMFakeIsAnnouncedOnStdoutAndInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fcm.url")
	var out strings.Builder
	fake, err := startFCMFake(&out, path)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != fake.URL+"\n" || out.String() != fcmAnnounce+fake.URL+"\n" || !strings.HasPrefix(fake.URL, "http://127.0.0.1:") {
		t.Errorf("file %q (%v), stdout %q, URL %q", b, err, out.String(), fake.URL)
	}
}
