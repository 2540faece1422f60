package photo

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// ErrClosed is passed to the Done of a job submitted after Close, or still
// queued when Close was called.
var ErrClosed = errors.New("photo: pool closed")

// ErrQueueFull is passed to the Done of a job submitted while its owner
// already has Limits.QueuePerOwner jobs queued, or the pool Limits.Queue.
// Nothing is wrong with the photo: submit it again later.
var ErrQueueFull = errors.New("photo: queue full")

// Limits bound a Pool's queue and each job's decoding.
type Limits struct {
	// Queue caps the jobs queued (not yet running) in all (default 1024);
	// QueuePerOwner caps one owner's (default 64).
	Queue, QueuePerOwner int
	// Deadline is how long one photo may take from opening to its copies
	// (default 30 s: a 50 MP progressive JPEG takes about 3 s on a loaded
	// 2-core machine). Past it the decoder's reads fail and the job ends
	// with ErrDeadline.
	Deadline time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.Queue <= 0 {
		l.Queue = 1024
	}
	if l.QueuePerOwner <= 0 {
		l.QueuePerOwner = 64
	}
	if l.Deadline <= 0 {
		l.Deadline = 30 * time.Second
	}
	return l
}

// Job is one photo for a Pool to process.
type Job struct {
	// Key names the photo (its blob name); the pool only carries it.
	Key string
	// Owner is who submitted the photo (the uploader): the pool takes
	// jobs from owners in turn, so one owner's many photos never hold back
	// another's.
	Owner string
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

// Pool runs Process off the request path. Owners take turns: the next job
// to start is the oldest of the owner after the one served last (round
// robin), so 40 photos of one courier delay another's by at most one job
// per worker. A job starts once it can reserve EstimateBytes of its image
// on a weighted semaphore sized to the memory budget, and at most workers
// at a time. A job waiting for memory holds back the jobs behind it, so a
// large photo is never starved by a stream of small ones. Before decoding,
// each job checks the whole file (CheckStructure) and its real decoding
// cost from the header: a photo that needs more than the whole budget is
// refused with ErrOverBudget instead of being decoded.
type Pool struct {
	budget int64
	limits Limits
	mem    *semaphore.Weighted
	slots  chan struct{} // one per running job: caps them at workers
	ctx    context.Context
	cancel context.CancelFunc
	run    func(Job) (*Variants, error) // processJob; tests instrument it

	mu      sync.Mutex
	cond    *sync.Cond // broadcast on submit, close, and pending reaching 0
	queue   fairQueue
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
	return NewPoolWithLimits(budgetBytes, workers, Limits{})
}

// NewPoolWithLimits is NewPool with the queue bounds and per-photo
// deadline of limits (zero fields take the defaults).
func NewPoolWithLimits(budgetBytes int64, workers int, limits Limits) *Pool {
	if budgetBytes < 1 {
		budgetBytes = 1
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{
		budget:  budgetBytes,
		limits:  limits.withDefaults(),
		mem:     semaphore.NewWeighted(budgetBytes),
		slots:   make(chan struct{}, workers),
		ctx:     ctx,
		cancel:  cancel,
		stopped: make(chan struct{}),
	}
	p.run = p.processJob
	p.cond = sync.NewCond(&p.mu)
	go p.dispatch()
	return p
}

// Submit queues j and returns at once. After Close, it calls j.Done(nil,
// ErrClosed) before returning; when the queue (or j's owner's share of it)
// is full, j.Done(nil, ErrQueueFull).
func (p *Pool) Submit(j Job) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		done(j, nil, ErrClosed)
		return
	}
	if p.queue.len() >= p.limits.Queue || p.queue.lenOf(j.Owner) >= p.limits.QueuePerOwner {
		p.mu.Unlock()
		done(j, nil, ErrQueueFull)
		return
	}
	p.queue.push(j)
	p.pending++
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Close stops accepting jobs, calls Done(nil, ErrClosed) for the jobs still
// queued, and waits for the running ones to finish (their Done included).
// It is safe to call more than once.
func (p *Pool) Close() {
	p.mu.Lock()
	dropped := p.queue.drain()
	p.closed = true
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

// next takes the next owner's oldest queued job, waiting for one; false
// once closed.
func (p *Pool) next() (Job, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.queue.len() == 0 && !p.closed {
		p.cond.Wait()
	}
	if p.closed {
		return Job{}, false
	}
	return p.queue.pop(), true
}

// Queued returns how many jobs of owner are queued, not yet running.
func (p *Pool) Queued(owner string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queue.lenOf(owner)
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
