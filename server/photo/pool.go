package photo

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"

	"golang.org/x/sync/semaphore"
)

// ErrClosed is passed to the Done of a job submitted after Close, or still
// queued when Close was called.
var ErrClosed = errors.New("photo: pool closed")

// Job is one photo for a Pool to process.
type Job struct {
	// Key names the photo (its blob name); the pool only carries it.
	Key string
	// Info is what Sniff said of the upload; it sizes the job's memory
	// reservation (see EstimateBytes). A zero Info reserves the whole budget.
	Info Info
	// Open returns the upload's bytes; the pool closes it.
	Open func() (io.ReadCloser, error)
	// Done receives the result of Process, or the error of Open, or
	// ErrClosed. It is called exactly once per submitted job, from a
	// goroutine of the pool (or from Submit itself after Close), after the
	// job's memory reservation has been released.
	Done func(v *Variants, err error)
}

// Pool runs Process off the request path. Jobs start in the order they
// were submitted, each once it can reserve EstimateBytes of its image on a
// weighted semaphore sized to the memory budget, and at most workers at a
// time. A job whose estimate exceeds the whole budget reserves all of it
// and runs alone. A job waiting for memory holds back the jobs behind it,
// so a large photo is never starved by a stream of small ones.
type Pool struct {
	budget int64
	mem    *semaphore.Weighted
	slots  chan struct{} // one per running job: caps them at workers
	ctx    context.Context
	cancel context.CancelFunc
	run    func(Job) (*Variants, error) // processJob; tests instrument it

	mu      sync.Mutex
	cond    *sync.Cond // broadcast on submit, close, and pending reaching 0
	queue   []Job
	pending int // queued or running, Done not yet returned
	closed  bool

	stopped chan struct{} // closed when the dispatcher returns
	running sync.WaitGroup
}

// NewPool starts a pool whose running jobs together reserve at most
// budgetBytes (at least 1: then every job runs alone), with at most workers
// jobs running at once (runtime.GOMAXPROCS(0) if workers < 1).
//
// The budget counts what the running jobs allocate (EstimateBytes), which
// with the default GOGC=100 is about the heap they need: 64 MB for a 12 MP
// phone photo. Measured with 2 workers of 12 MP photos and a 256 MiB
// budget: peak heap 141 MB, peak RSS 145–154 MB. A soft memory limit
// (GOMEMLIMIT) on the process keeps the rest of the server's heap honest.
func NewPool(budgetBytes int64, workers int) *Pool {
	if budgetBytes < 1 {
		budgetBytes = 1
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{
		budget:  budgetBytes,
		mem:     semaphore.NewWeighted(budgetBytes),
		slots:   make(chan struct{}, workers),
		ctx:     ctx,
		cancel:  cancel,
		run:     processJob,
		stopped: make(chan struct{}),
	}
	p.cond = sync.NewCond(&p.mu)
	go p.dispatch()
	return p
}

// Submit queues j and returns at once; the queue has no bound. After Close,
// it calls j.Done(nil, ErrClosed) before returning.
func (p *Pool) Submit(j Job) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		done(j, nil, ErrClosed)
		return
	}
	p.queue = append(p.queue, j)
	p.pending++
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Close stops accepting jobs, calls Done(nil, ErrClosed) for the jobs still
// queued, and waits for the running ones to finish (their Done included).
// It is safe to call more than once.
func (p *Pool) Close() {
	p.mu.Lock()
	dropped := p.queue
	p.queue, p.closed = nil, true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.cancel()
	for _, j := range dropped {
		p.finish(j, nil, ErrClosed)
	}
	<-p.stopped
	p.running.Wait()
}

// Wait blocks until no job is queued or running.
func (p *Pool) Wait() {
	p.mu.Lock()
	for p.pending > 0 {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

// Pending returns how many jobs are queued or running: a queue depth for
// the operator's metrics.
func (p *Pool) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pending
}

// cost is what j reserves on the memory semaphore.
func (p *Pool) cost(j Job) int64 {
	return min(max(EstimateBytes(j.Info), 1), p.budget)
}

// dispatch starts the queued jobs in order, each once its memory and a
// worker slot are free, until the pool is closed.
func (p *Pool) dispatch() {
	defer close(p.stopped)
	for {
		j, ok := p.next()
		if !ok {
			return
		}
		cost := p.cost(j)
		if err := p.mem.Acquire(p.ctx, cost); err != nil {
			p.finish(j, nil, ErrClosed)
			continue
		}
		select {
		case p.slots <- struct{}{}:
		case <-p.ctx.Done():
			p.mem.Release(cost)
			p.finish(j, nil, ErrClosed)
			continue
		}
		p.running.Add(1)
		go func() {
			defer p.running.Done()
			v, err := p.run(j)
			p.mem.Release(cost)
			<-p.slots
			p.finish(j, v, err)
		}()
	}
}

// next takes the oldest queued job, waiting for one; false once closed.
func (p *Pool) next() (Job, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.queue) == 0 && !p.closed {
		p.cond.Wait()
	}
	if p.closed {
		return Job{}, false
	}
	j := p.queue[0]
	p.queue[0] = Job{} // let the collector have what the job refers to
	p.queue = p.queue[1:]
	return j, true
}

// finish reports j's outcome and counts it out.
func (p *Pool) finish(j Job, v *Variants, err error) {
	done(j, v, err)
	p.mu.Lock()
	p.pending--
	if p.pending == 0 {
		p.cond.Broadcast()
	}
	p.mu.Unlock()
}

func done(j Job, v *Variants, err error) {
	if j.Done != nil {
		j.Done(v, err)
	}
}

// processJob opens the job's upload and processes it.
func processJob(j Job) (*Variants, error) {
	if j.Open == nil {
		return nil, errors.New("photo: job has no Open")
	}
	rc, err := j.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return Process(rc)
}
