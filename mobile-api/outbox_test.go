package mobileapi

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	t.Run("a file opened with another device id is refused", func(t *testing.T) {
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(nil))
		o.Close()
		opts := testOptions(nil)
		opts.DeviceID = "someone-else"
		if _, err := Open(path, opts); !errors.Is(err, ErrDeviceMismatch) {
			t.Errorf("Open = %v, want ErrDeviceMismatch", err)
		}
	})

	t.Run("an empty device id means the one saved in the file", func(t *testing.T) {
		path := tempDB(t)
		o, _ := openTest(t, path, testOptions(nil))
		o.Close()
		o2, _ := openTest(t, path, &Options{})
		if s := mustStatus(t, o2); s.DeviceID != testDevice {
			t.Errorf("device id = %q, want %q", s.DeviceID, testDevice)
		}
	})

	t.Run("a new file without a device id, or with one too long, is refused", func(t *testing.T) {
		if _, err := Open(tempDB(t), nil); !errors.Is(err, ErrNoDeviceID) {
			t.Errorf("Open(nil options) = %v, want ErrNoDeviceID", err)
		}
		if _, err := Open(tempDB(t), &Options{DeviceID: strings.Repeat("d", 129)}); !errors.Is(err, ErrNoDeviceID) {
			t.Errorf("Open(long id) = %v, want ErrNoDeviceID", err)
		}
	})

	t.Run("a file held by another outbox is reported as locked", func(t *testing.T) {
		path := tempDB(t)
		openTest(t, path, testOptions(nil))
		if _, err := open(path, testOptions(nil), 20*time.Millisecond); !errors.Is(err, ErrLocked) {
			t.Errorf("second Open = %v, want ErrLocked", err)
		}
	})

	t.Run("Close twice is harmless and reads after Close fail with ErrClosed", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		if err := o.Close(); err != nil {
			t.Fatal(err)
		}
		if err := o.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
		if _, err := o.Status(); !errors.Is(err, ErrClosed) {
			t.Errorf("Status = %v, want ErrClosed", err)
		}
		if _, err := o.RejectedOps(); !errors.Is(err, ErrClosed) {
			t.Errorf("RejectedOps = %v, want ErrClosed", err)
		}
	})

	t.Run("sync without a server URL fails clearly and keeps the ops", func(t *testing.T) {
		o, _ := openTest(t, tempDB(t), testOptions(nil))
		recordMixed(t, o, 1)
		if err := o.Sync(t.Context()); err == nil || !strings.Contains(err.Error(), "ServerURL") {
			t.Errorf("Sync = %v, want an error naming ServerURL", err)
		}
		if s := mustStatus(t, o); s.Pending != 1 {
			t.Errorf("pending = %d, want 1", s.Pending)
		}
	})
}
