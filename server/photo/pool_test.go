package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// opener returns a Job.Open that serves data.
func opener(data []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

// results collects what Done receives, by job key.
type results struct {
	mu   sync.Mutex
	v    map[string]*Variants
	err  map[string]error
	done []string // keys in the order Done was called
}

func newResults() *results {
	return &results{v: map[string]*Variants{}, err: map[string]error{}}
}

func (r *results) collect(key string) func(*Variants, error) {
	return func(v *Variants, err error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, dup := r.err[key]; dup {
			panic("Done called twice for " + key)
		}
		r.v[key], r.err[key] = v, err
		r.done = append(r.done, key)
	}
}

func TestPoolProcessesEveryJob(t *testing.T) {
	p := NewPool(1<<30, 3)
	defer p.Close()
	res := newResults()
	const n = 12
	for i := range n {
		w, h := 100+20*i, 80+10*i
		data := photoJPEG(t, w, h, 1+i%8, binary.BigEndian)
		info, err := Sniff(data)
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("photo-%d", i)
		p.Submit(Job{Key: key, Info: info, Open: opener(data), Done: res.collect(key)})
	}
	p.Submit(Job{Key: "broken", Info: Info{Width: 10, Height: 10}, Open: opener([]byte("GIF89a")), Done: res.collect("broken")})
	errGone := errors.New("blob gone")
	p.Submit(Job{Key: "gone", Open: func() (io.ReadCloser, error) { return nil, errGone }, Done: res.collect("gone")})
	p.Wait()

	if len(res.done) != n+2 {
		t.Fatalf("%d jobs done, want %d", len(res.done), n+2)
	}
	for i := range n {
		key := fmt.Sprintf("photo-%d", i)
		v, err := res.v[key], res.err[key]
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		w, h := 100+20*i, 80+10*i
		assertUpright(t, key, v.Display, v.DisplayWidth, v.DisplayHeight)
		if v.DisplayWidth != w || v.DisplayHeight != h {
			t.Errorf("%s display %d×%d, want %d×%d", key, v.DisplayWidth, v.DisplayHeight, w, h)
		}
	}
	if err := res.err["broken"]; !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("broken job: %v", err)
	}
	if err := res.err["gone"]; !errors.Is(err, errGone) {
		t.Errorf("job whose Open fails: %v", err)
	}
}

func TestPoolStartsJobsInOrder(t *testing.T) {
	p := NewPool(1<<30, 1)
	defer p.Close()
	var mu sync.Mutex
	var started []string
	p.run = func(j Job) (*Variants, error) {
		mu.Lock()
		started = append(started, j.Key)
		mu.Unlock()
		return &Variants{}, nil
	}
	var want []string
	for i := range 50 {
		key := fmt.Sprint(i)
		want = append(want, key)
		p.Submit(Job{Key: key, Info: Info{Width: 100 + i, Height: 100}})
	}
	p.Wait()
	if fmt.Sprint(started) != fmt.Sprint(want) {
		t.Errorf("started %v, want %v", started, want)
	}
}

// TestPoolKeepsReservationsWithinBudget instruments the jobs with an
// atomic count of the bytes reserved by those running.
func TestPoolKeepsReservationsWithinBudget(t *testing.T) {
	small := Info{Format: "jpeg", Width: 1000, Height: 1000, DecodeBytes: 1_500_000}
	medium := Info{Format: "jpeg", Width: 3000, Height: 2000, DecodeBytes: 9_000_000}
	smallCost := EstimateBytes(small)
	budget := 3*smallCost + smallCost/2 // three small jobs fit, not four
	p := NewPool(budget, 8)
	defer p.Close()

	var reserved, peak, running, peakRunning atomic.Int64
	raise := func(v *atomic.Int64, to int64) {
		for old := v.Load(); to > old && !v.CompareAndSwap(old, to); old = v.Load() {
		}
	}
	// The first three jobs wait for each other: they can only all start if
	// the pool runs them together.
	var rendezvous sync.WaitGroup
	rendezvous.Add(3)
	together := make(chan struct{})
	go func() { rendezvous.Wait(); close(together) }()

	p.run = func(j Job) (*Variants, error) {
		c := p.cost(j)
		now := reserved.Add(c)
		defer reserved.Add(-c)
		raise(&peak, now)
		raise(&peakRunning, running.Add(1))
		defer running.Add(-1)
		if now > budget {
			t.Errorf("job %s: %d bytes reserved, budget %d", j.Key, now, budget)
		}
		if c == budget && now != c {
			t.Errorf("job %s reserves the whole budget but ran beside others (%d reserved)", j.Key, now)
		}
		if j.Key < "03" {
			rendezvous.Done()
			select {
			case <-together:
			case <-time.After(10 * time.Second):
				t.Errorf("three small jobs never ran together")
			}
		}
		return &Variants{}, nil
	}

	res := newResults()
	infos := []Info{small, small, small, medium, small, {}, small, medium, medium, {Width: 9000, Height: 5000}, small}
	for i := range 60 {
		info := infos[i%len(infos)]
		if i < 3 {
			info = small
		}
		key := fmt.Sprintf("%02d", i)
		p.Submit(Job{Key: key, Info: info, Done: res.collect(key)})
	}
	p.Wait()
	if len(res.done) != 60 {
		t.Fatalf("%d jobs done, want 60", len(res.done))
	}
	if got := reserved.Load(); got != 0 {
		t.Errorf("%d bytes still reserved", got)
	}
	if peak.Load() < 3*smallCost {
		t.Errorf("peak reservation %d: the budget allowed %d", peak.Load(), 3*smallCost)
	}
	t.Logf("peak %d of %d bytes, %d jobs at once", peak.Load(), budget, peakRunning.Load())
}

func TestPoolCapsRunningJobsAtWorkers(t *testing.T) {
	p := NewPool(math.MaxInt64, 2)
	defer p.Close()
	var running, peak atomic.Int64
	p.run = func(j Job) (*Variants, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
		}
		return &Variants{}, nil
	}
	for i := range 100 {
		p.Submit(Job{Key: fmt.Sprint(i), Info: Info{Width: 10, Height: 10}})
	}
	p.Wait()
	if peak.Load() > 2 {
		t.Errorf("%d jobs ran at once, workers 2", peak.Load())
	}
}

func TestPoolCloseWaitsForTheRunningJob(t *testing.T) {
	p := NewPool(1<<30, 1)
	release := make(chan struct{})
	running := make(chan struct{})
	p.run = func(j Job) (*Variants, error) {
		if j.Key == "running" {
			close(running)
			<-release
		}
		return &Variants{}, nil
	}
	res := newResults()
	dropped := make(chan struct{})
	p.Submit(Job{Key: "running", Info: Info{Width: 1, Height: 1}, Done: res.collect("running")})
	<-running
	p.Submit(Job{Key: "queued", Info: Info{Width: 1, Height: 1}, Done: func(v *Variants, err error) {
		res.collect("queued")(v, err)
		close(dropped)
	}})

	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	<-dropped // Close has begun: it dropped the queued job
	select {
	case <-closed:
		t.Fatal("Close returned while a job was running")
	default:
	}
	release <- struct{}{}
	<-closed

	if err := res.err["running"]; err != nil || res.v["running"] == nil {
		t.Errorf("running job: %v", err)
	}
	if err := res.err["queued"]; !errors.Is(err, ErrClosed) {
		t.Errorf("queued job: %v, want ErrClosed", err)
	}
	late := false
	p.Submit(Job{Key: "late", Done: func(_ *Variants, err error) { late = errors.Is(err, ErrClosed) }})
	if !late {
		t.Error("a job submitted after Close did not get ErrClosed from Submit")
	}
	p.Close() // a second Close returns
	p.Wait()  // and so does Wait
}
