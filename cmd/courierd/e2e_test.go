//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// The end-to-end tests in this package run the real courierd binary as a
// child process on 127.0.0.1:0 with a temporary data dir, and talk to it
// over loopback HTTP only.

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// courierdBinary builds the server once per test binary run, with the race
// detector when the tests have it (the packages are then already compiled
// that way, so only the link is new).
func courierdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		gotool, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("go tool not found: %w", err)
			return
		}
		if binDir, buildErr = os.MkdirTemp("", "courierd-e2e-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "courierd")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(gotool, append(args, ".")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build courierd: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

const (
	adminUser     = "root-admin"
	adminPassword = "admin-password-1"
	startTimeout  = 30 * time.Second
	stopTimeout   = 45 * time.Second
)

// serverProc is one data dir served by successive courierd processes: each
// start is a new generation on a new port. Clients wait at a gate that is
// open only while a generation is up and the test lets them in.
type serverProc struct {
	t       *testing.T
	bin     string
	dataDir string
	env     []string

	mu         sync.Mutex
	gen        int
	base       string // http://host:port of the current generation
	cmd        *exec.Cmd
	exited     chan struct{}
	stopping   bool          // the test asked the current generation to stop
	gate       chan struct{} // closed while clients may use the current generation
	unexpected error         // set when a generation exited without being asked to
	onExit     func(error)   // called (once) on an unexpected exit
	logs       []*syncBuffer // stderr of every generation
}

// newServerProc returns a stopped server on a fresh data dir. It is killed
// at the end of the test if it still runs.
func newServerProc(t *testing.T) *serverProc {
	t.Helper()
	s := &serverProc{
		t:       t,
		bin:     courierdBinary(t),
		dataDir: filepath.Join(t.TempDir(), "data"),
		gate:    make(chan struct{}),
	}
	t.Cleanup(func() {
		s.mu.Lock()
		cmd, exited := s.cmd, s.exited
		s.stopping = true
		s.mu.Unlock()
		if cmd != nil {
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			s.dumpLogs()
		}
	})
	return s
}

// childEnv is the test's environment without COURIERD_* settings, plus
// the ones given.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COURIERD_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// start runs a new generation on the data dir and waits for its
// "courierd listening on <addr>" line. The gate stays closed.
func (s *serverProc) start() {
	s.t.Helper()
	addr, err := s.startProc()
	if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	s.base = "http://" + addr
	s.mu.Unlock()
}

func (s *serverProc) startProc() (string, error) {
	cmd := exec.Command(s.bin)
	cmd.Env = childEnv(append([]string{
		"COURIERD_ADDR=127.0.0.1:0",
		"COURIERD_DATA_DIR=" + s.dataDir,
		"COURIERD_BOOTSTRAP_ADMIN=" + adminUser + ":" + adminPassword,
		"COURIERD_BCRYPT_COST=4",
		"COURIERD_LOG_LEVEL=warn",
		"GORACE=atexit_sleep_ms=0", // a race-enabled server would sleep 1 s at every exit
	}, s.env...)...)
	found := make(chan string, 1)
	cmd.Stdout = &listenWatcher{found: found}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start courierd: %w", err)
	}
	exited := make(chan struct{})
	s.mu.Lock()
	s.gen++
	gen := s.gen
	s.cmd, s.exited, s.stopping = cmd, exited, false
	s.logs = append(s.logs, stderr)
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		var report func(error)
		if !s.stopping && s.gen == gen && s.unexpected == nil {
			s.unexpected = fmt.Errorf("courierd (start %d) exited without being stopped: %v", gen, err)
			report = s.onExit
		}
		s.mu.Unlock()
		close(exited)
		if report != nil {
			report(s.unexpected)
		}
	}()
	select {
	case addr := <-found:
		return addr, nil
	case <-exited:
		return "", fmt.Errorf("courierd (start %d) exited before listening: %v\n%s", gen, cmd.ProcessState, stderr.tail(4000))
	case <-time.After(startTimeout):
		return "", fmt.Errorf("courierd (start %d) did not print its address within %v\n%s", gen, startTimeout, stderr.tail(4000))
	}
}

// open lets clients in.
func (s *serverProc) open() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.gate)
}

// url returns the base URL of the current generation.
func (s *serverProc) url() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// kill sends SIGKILL to the current generation and waits until it is gone.
func (s *serverProc) kill() {
	s.t.Helper()
	cmd, exited := s.beginStop()
	if err := cmd.Process.Kill(); err != nil {
		s.t.Fatalf("kill courierd: %v", err)
	}
	s.awaitExit(exited)
}

// terminate sends SIGTERM to the current generation, waits until it is
// gone and returns its exit code.
func (s *serverProc) terminate() int {
	s.t.Helper()
	return s.sigterm()()
}

// sigterm sends SIGTERM to the current generation and returns a function
// that waits until it is gone and returns its exit code.
func (s *serverProc) sigterm() (wait func() int) {
	s.t.Helper()
	cmd, exited := s.beginStop()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM courierd: %v", err)
	}
	return func() int {
		s.t.Helper()
		s.awaitExit(exited)
		return cmd.ProcessState.ExitCode()
	}
}

// beginStop closes the gate and marks the coming exit as asked for, so a
// client whose request fails from now on waits for the next generation.
func (s *serverProc) beginStop() (*exec.Cmd, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	select {
	case <-s.gate:
		s.gate = make(chan struct{})
	default:
	}
	return s.cmd, s.exited
}

func (s *serverProc) awaitExit(exited chan struct{}) {
	s.t.Helper()
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		s.mu.Lock()
		cmd := s.cmd
		s.mu.Unlock()
		cmd.Process.Kill()
		<-exited
		s.t.Fatalf("courierd did not exit within %v", stopTimeout)
	}
	s.checkNoRace()
}

// checkNoRace fails the test when a race-enabled server reported a race.
func (s *serverProc) checkNoRace() {
	s.t.Helper()
	s.mu.Lock()
	logs := s.logs[len(s.logs)-1]
	s.mu.Unlock()
	if bytes.Contains(logs.bytes(), []byte("WARNING: DATA RACE")) {
		s.t.Errorf("courierd reported a data race:\n%s", logs.tail(8000))
	}
}

// await blocks until clients may use the server and returns its base URL
// and generation.
func (s *serverProc) await(ctx context.Context) (string, int, error) {
	for {
		s.mu.Lock()
		gate := s.gate
		s.mu.Unlock()
		select {
		case <-gate:
		case <-ctx.Done():
			return "", 0, context.Cause(ctx)
		}
		s.mu.Lock()
		base, gen, same := s.base, s.gen, gate == s.gate
		s.mu.Unlock()
		if same {
			return base, gen, nil
		}
	}
}

// errUnprovoked is a request that failed on the wire although the test
// stopped no server: a server bug (hang, crash, dropped connection).
var errUnprovoked = errors.New("request failed on the wire while the server was up and not being stopped")

// failed is called after a request to generation gen failed on the wire.
// It returns nil when the failure is explained by a stop the test made.
func (s *serverProc) failed(gen int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unexpected != nil {
		return s.unexpected
	}
	if s.gen == gen && !s.stopping {
		return errUnprovoked
	}
	return nil
}

func (s *serverProc) dumpLogs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, l := range s.logs {
		s.t.Logf("courierd start %d stderr (tail):\n%s", i+1, l.tail(3000))
	}
}

// checkStore opens the stopped server's bbolt file read-only, which also
// proves no process holds it any more, and runs bbolt's consistency check.
func (s *serverProc) checkStore() {
	s.t.Helper()
	db, err := bbolt.Open(filepath.Join(s.dataDir, "courier.db"), 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		s.t.Fatalf("open the store after shutdown: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		s.t.Errorf("store consistency check: %v", err)
	}
}

// listenWatcher reads the server's stdout and reports the address of its
// "courierd listening on <addr>" line.
type listenWatcher struct {
	mu    sync.Mutex
	buf   []byte
	done  bool
	found chan<- string
}

const listeningPrefix = "courierd listening on "

func (w *listenWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		line, rest, ok := bytes.Cut(w.buf, []byte("\n"))
		if !ok {
			break
		}
		w.buf = rest
		if addr, ok := strings.CutPrefix(string(line), listeningPrefix); ok {
			w.done = true
			w.found <- strings.TrimSpace(addr)
			break
		}
	}
	return len(p), nil
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *syncBuffer) tail(n int) string {
	p := b.bytes()
	if len(p) > n {
		p = p[len(p)-n:]
	}
	return string(p)
}
