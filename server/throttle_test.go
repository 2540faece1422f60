package server_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server"
)

func TestTheLoginThrottleKeepsAFixedSizeEntryWhateverTheUsername(t *testing.T) {
	th := server.NewLoginThrottle()
	now := time.Now()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	big := strings.Repeat("u", 1<<20)
	for i := range 200 {
		th.Fail(big+strconv.Itoa(i), "203.0.113.9", now)
	}
	big = ""
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// 200 failures of 1 MiB usernames kept as typed would hold 200 MiB;
	// digests hold a few hundred bytes each.
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Fatalf("the heap grew by %d MiB for 200 failed logins", grew>>20)
	}
	if n := th.Len(); n != 401 {
		t.Fatalf("entries = %d, want 401 (one per username and address, one per username, one for the address)", n)
	}
}

func TestTheLoginThrottleHoldsAtMostItsCapacity(t *testing.T) {
	th := server.NewLoginThrottle()
	th.Capacity = 1000
	now := time.Now()
	for i := range 10_000 {
		th.Fail("user-"+strconv.Itoa(i), "198.51.100.7", now)
		if n := th.Len(); n > th.Capacity {
			t.Fatalf("after %d failures the throttle holds %d entries, capacity %d", i+1, n, th.Capacity)
		}
	}
	t.Run("entries past their window go first, and a blocked pair keeps counting", func(t *testing.T) {
		for range 10 {
			th.Fail("wang", "198.51.100.7", now)
		}
		if v := th.Check("wang", "198.51.100.7", now); v.Wait == 0 {
			t.Fatal("ten failures in a row left the username and address unblocked")
		}
	})
}

func TestTheLoginThrottleBlocksTheGuesserNotTheUser(t *testing.T) {
	th := server.NewLoginThrottle()
	now := time.Now()
	for range 21 {
		th.Fail("wang", "203.0.113.66", now)
	}
	if v := th.Check("wang", "203.0.113.66", now); v.Wait == 0 {
		t.Error("21 failures from one address: that address is not blocked")
	}
	if v := th.Check("wang", "10.0.0.5", now); v.Wait != 0 || v.UserWait != 0 {
		t.Errorf("the courier on another address must wait %v / %v", v.Wait, v.UserWait)
	}
	t.Run("a guesser spread over many addresses blocks the username for unknown devices", func(t *testing.T) {
		for i := range 60 {
			th.Fail("li", "203.0.113."+strconv.Itoa(i), now)
		}
		v := th.Check("li", "10.0.0.5", now)
		if v.Wait != 0 || v.UserWait == 0 {
			t.Fatalf("after 60 failures from 60 addresses: wait %v, user wait %v; want 0 and > 0", v.Wait, v.UserWait)
		}
	})
	t.Run("one address trying many usernames is slowed for devices not bound to them", func(t *testing.T) {
		for i := range 120 {
			th.Fail("user-"+strconv.Itoa(i), "198.51.100.99", now)
		}
		v := th.Check("zhao", "198.51.100.99", now)
		if v.Wait != 0 || v.UserWait == 0 {
			t.Fatalf("after 120 failures for 120 usernames: wait %v, user wait %v; want 0 and > 0", v.Wait, v.UserWait)
		}
	})
	t.Run("a success clears its own address only", func(t *testing.T) {
		th.Succeed("wang", "203.0.113.66")
		if v := th.Check("wang", "203.0.113.66", now); v.Wait != 0 {
			t.Fatalf("wait %v after a success", v.Wait)
		}
	})
}

func TestThePasswordGateRefusesWhenFullInsteadOfQueueingForever(t *testing.T) {
	g := server.NewPasswordGate(1, 1)
	release := make(chan struct{})
	running := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // runs
		defer wg.Done()
		_ = g.Do(context.Background(), func() { close(running); <-release })
	}()
	<-running
	queued := make(chan error, 1)
	go func() { // waits
		defer wg.Done()
		queued <- g.Do(context.Background(), func() {})
	}()
	for g.Load() < 2 { // the second is waiting inside the gate
		runtime.Gosched()
	}
	err := g.Do(context.Background(), func() { t.Error("a third check ran past a full gate") })
	close(release)
	wg.Wait()
	var ra *server.RetryAfterError
	if !errors.As(err, &ra) || ra.After <= 0 {
		t.Fatalf("a check past running+queue = %v, want a RetryAfterError", err)
	}
	if err := <-queued; err != nil {
		t.Fatalf("the queued check = %v, want it run", err)
	}
}
