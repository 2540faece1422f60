package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/server/push/pushtest"
)

// The fake FCM and courierd must meet: courierd reads its FCM endpoint
// (COURIERD_FCM_ENDPOINT) at start-up, and the fake lives in this process
// so that the end check can read what it received. So with -fcm-fake the
// simulator starts first: it starts the fake on a free loopback port and
// announces its URL (a stdout line, and the -fcm-url-file file); the script
// then starts courierd with that endpoint and writes courierd's address to
// the -server-file file the simulator waits for. Both files are written
// whole (a temporary file renamed into place), so neither side ever reads
// half a line; no port is chosen in advance, so nothing can collide.

// fcmAnnounce is the stdout line that names the fake FCM's URL.
const fcmAnnounce = "fake FCM listening on "

// serverFilePoll is how often the server file is looked for.
const serverFilePoll = 50 * time.Millisecond

// startFCMFake starts the fake FCM endpoint and announces its URL: in
// urlFile, when set, then on stdout (so that whoever reads the line finds
// the file written).
func startFCMFake(stdout io.Writer, urlFile string) (*pushtest.Fake, error) {
	fake := pushtest.New()
	if urlFile != "" {
		if err := writeFileAtomic(urlFile, fake.URL+"\n"); err != nil {
			fake.Close()
			return nil, fmt.Errorf("-fcm-url-file: %w", err)
		}
	}
	if _, err := fmt.Fprintln(stdout, fcmAnnounce+fake.URL); err != nil {
		fake.Close()
		return nil, err
	}
	return fake, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place.
func writeFileAtomic(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// waitServerFile waits up to timeout for path to hold the server's base
// URL on its first line and, optionally, its pid on the second. Only whole
// lines count.
func waitServerFile(ctx context.Context, path string, timeout time.Duration) (base string, pid int, err error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(serverFilePoll)
	defer tick.Stop()
	for {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if base, pid, ok, perr := parseServerFile(string(b)); perr != nil {
				return "", 0, fmt.Errorf("-server-file %s: %w", path, perr)
			} else if ok {
				return base, pid, nil
			}
		case !errors.Is(err, os.ErrNotExist):
			return "", 0, fmt.Errorf("-server-file: %w", err)
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return "", 0, fmt.Errorf("-server-file %s: no server address within %v", path, timeout)
		case <-ctx.Done():
			return "", 0, ctx.Err()
		}
	}
}

// parseServerFile reads "URL\n" or "URL\nPID\n"; ok is false while the
// first line is incomplete.
func parseServerFile(s string) (base string, pid int, ok bool, err error) {
	first, rest, complete := strings.Cut(s, "\n")
	if !complete {
		return "", 0, false, nil
	}
	base = strings.TrimSpace(first)
	if base == "" {
		return "", 0, false, errors.New("empty first line")
	}
	if second, _, _ := strings.Cut(rest, "\n"); strings.TrimSpace(second) != "" {
		if pid, err = strconv.Atoi(strings.TrimSpace(second)); err != nil || pid <= 0 {
			return "", 0, false, fmt.Errorf("second line %q is not a pid", second)
		}
	}
	return base, pid, true, nil
}
