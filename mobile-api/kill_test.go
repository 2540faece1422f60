package mobileapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
)

// killPoint is an instant at which the syncing process dies: either inside
// the server's handling of a push (server stage) or inside Sync (client
// checkpoint).
type killPoint struct {
	name   string
	server string // "received", "applied" or "responded"
	client string // a checkpoint name
}

var killPoints = []killPoint{
	{name: "while the server holds the batch, before applying it", server: "received"},
	{name: "after the server applied the batch, before it answered", server: "applied"},
	{name: "after the answer arrived, before it was recorded", client: "push-answered"},
	{name: "just after a batch was recorded", client: "push-recorded"},
}

// checkOutcome asserts what a user would notice after the device recovered:
// the server took every recorded op exactly once and in order, the outbox
// is empty, and the device lists exactly the ops the server rejected.
func checkOutcome(t *testing.T, f *fakeServer, o *Outbox, ids []string) {
	t.Helper()
	f.checkExactlyOnce(t, ids)
	if s := mustStatus(t, o); s.Pending != 0 || s.LastError != "" {
		t.Errorf("status = %+v, want an empty outbox and no error", s)
	}
	rej, err := o.RejectedOps()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rej {
		got = append(got, r.OpID)
	}
	f.mu.Lock()
	want := append([]string(nil), f.rejected...)
	f.mu.Unlock()
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("device lists rejected %v, server rejected %v", got, want)
	}
}

// TestKill kills Sync (cancels it and abandons the Outbox, as a dying process
// would) at several instants, reopens the file with a new Outbox and syncs
// again, several times over, then checks that nothing was lost or doubled.
func TestKill(t *testing.T) {
	for _, kp := range killPoints {
		for _, killAt := range []int{1, 2} {
			name := fmt.Sprintf("killed %s at push %d of each run, three runs in a row, nothing lost or doubled", kp.name, killAt)
			t.Run(name, func(t *testing.T) { runKillRounds(t, kp, killAt) })
		}
	}
}

func runKillRounds(t *testing.T, kp killPoint, killAt int) {
	f := newFakeServer(t)
	path := tempDB(t)
	opts := testOptions(f)
	opts.BatchSize = 4
	o, _ := openTest(t, path, opts)
	ids := recordMixed(t, o, 31) // includes a pickup the server rejects
	o.Close()

	const kills = 3
	for round := 0; ; round++ {
		o, _ := openTest(t, path, opts)
		ids = append(ids, recordMixed(t, o, 2)...) // new ops recorded after each restart
		killing := round < kills
		ctx, cancel := context.WithCancel(t.Context())
		reached := make(chan struct{})
		release := make(chan struct{})
		var once sync.Once
		f.mu.Lock()
		base := len(f.pushBodies)
		f.onPush = nil
		if killing && kp.server != "" {
			f.onPush = func(n int, stage string) {
				if n-base == killAt && stage == kp.server {
					once.Do(func() { close(reached) })
					<-release
				}
			}
		}
		f.mu.Unlock()
		if killing && kp.client != "" {
			seen := 0
			o.hook = func(point string) error {
				if point == kp.client {
					if seen++; seen == killAt {
						return errKilled
					}
				}
				return nil
			}
		}
		done := make(chan error, 1)
		go func() { done <- o.Sync(ctx) }()
		if !killing {
			err := <-done
			cancel()
			if err != nil {
				t.Fatalf("final Sync: %v", err)
			}
			checkOutcome(t, f, o, ids)
			return
		}
		if kp.server != "" {
			select {
			case <-reached:
			case err := <-done:
				t.Fatalf("round %d: Sync ended (%v) before the kill point", round, err)
			}
			cancel() // the process dies while the server holds the request
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("round %d: killed Sync = %v, want context.Canceled", round, err)
			}
			close(release)
		} else {
			err := <-done
			cancel()
			if !errors.Is(err, errKilled) {
				t.Fatalf("round %d: killed Sync = %v, want the kill", round, err)
			}
		}
		o.Close()
	}
}

// Environment of the helper process of TestKillProcess.
const (
	envHelperDB    = "MOBILEAPI_KILL_HELPER_DB"
	envHelperURL   = "MOBILEAPI_KILL_HELPER_URL"
	envHelperBlock = "MOBILEAPI_KILL_HELPER_BLOCK_AT"
)

// TestKillHelperProcess is the child process of TestKillProcess: it syncs
// the outbox at $MOBILEAPI_KILL_HELPER_DB and, when told to, stops at a
// checkpoint, says so on stdout and waits there to be killed.
func TestKillHelperProcess(t *testing.T) {
	path := os.Getenv(envHelperDB)
	if path == "" {
		t.Skip("child process of TestKillProcess")
	}
	opts := &Options{ServerURL: os.Getenv(envHelperURL), DeviceID: testDevice, Username: testUser, Password: testPassword, BatchSize: 4}
	o, err := Open(path, opts)
	if err != nil {
		fmt.Println("OPEN FAILED", err)
		os.Exit(2)
	}
	o.sleep = (&sleeps{}).sleep
	o.pullLimit = 2
	blockAt := os.Getenv(envHelperBlock)
	o.hook = func(point string) error {
		if point == blockAt {
			fmt.Println("BLOCKED")
			_, _ = io.Copy(io.Discard, os.Stdin) // until the parent kills us
			os.Exit(3)
		}
		return nil
	}
	err = o.Sync(context.Background())
	fmt.Println("SYNCED", err)
	os.Exit(0)
}

// TestKillProcess runs Sync in a child process and kills it with SIGKILL
// at several instants, twice per file, then recovers in this process.
func TestKillProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	points := append([]killPoint{
		{name: "just after the server sent its answer", server: "responded"},
		{name: "just after a pull page was stored", client: "pull-stored"},
	}, killPoints...)
	for _, kp := range points {
		t.Run("a process killed with SIGKILL "+kp.name+" loses nothing and applies nothing twice", func(t *testing.T) {
			f := newFakeServer(t)
			for i := 0; i < 5; i++ {
				f.addTask(fmt.Sprintf("t%d", i), 1, "open")
			}
			path := tempDB(t)
			opts := testOptions(f)
			o, _ := openTest(t, path, opts)
			ids := recordMixed(t, o, 31)
			o.Close()
			for kill := 0; kill < 2; kill++ {
				killChild(t, f, path, kp)
			}
			o, _ = openTest(t, path, opts)
			ids = append(ids, recordMixed(t, o, 1)...)
			if err := o.Sync(t.Context()); err != nil {
				t.Fatalf("Sync after the kills: %v", err)
			}
			checkOutcome(t, f, o, ids)
			if tasks, err := o.CallbackTasks(); err != nil || len(tasks) != 5 {
				t.Errorf("CallbackTasks = %d tasks (%v), want 5", len(tasks), err)
			}
		})
	}
}

// killChild starts a child that syncs path, kills it at kp and waits for it.
func killChild(t *testing.T, f *fakeServer, path string, kp killPoint) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelperProcess$")
	cmd.Env = append(os.Environ(), envHelperDB+"="+path, envHelperURL+"="+f.URL(), envHelperBlock+"="+kp.client)
	stdin, err := cmd.StdinPipe() // never written: the child blocks reading it
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	reached := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	f.mu.Lock()
	base := len(f.pushBodies)
	f.onPush = nil
	if kp.server != "" {
		f.onPush = func(n int, stage string) {
			if n-base == 2 && stage == kp.server {
				once.Do(func() { close(reached) })
				<-release
			}
		}
	}
	f.mu.Unlock()
	defer close(release)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for waiting := true; waiting; {
		select {
		case <-reached:
			waiting = false
		case line, ok := <-lines:
			switch {
			case !ok:
				t.Fatalf("child exited before the kill point: %v", cmd.Wait())
			case line == "BLOCKED":
				waiting = false
			case strings.HasPrefix(line, "SYNCED"), strings.HasPrefix(line, "OPEN FAILED"):
				t.Fatalf("child finished before the kill point: %s", line)
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	go func() {
		for range lines { // drain
		}
	}()
	_ = cmd.Wait()
}
