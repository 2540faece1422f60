package mobileapi

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cutProxy forwards TCP connections to a server and cuts them when the
// bytes it has forwarded client→server (over all connections) reach the
// next of a list of positions. At a cut it forwards the bytes up to the
// position, half-closes towards the server, drops whatever the server says
// from then on, and closes the client's side only once the server has
// closed its own: so a client learns of a cut only after the server has
// finished with the broken request, as with a real network failure noticed
// by both ends.
type cutProxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu   sync.Mutex
	sent int64   // client→server bytes forwarded
	cuts []int64 // positions still to cut at, ascending
	made int     // cuts made
	live map[net.Conn]bool
	wg   sync.WaitGroup
}

// newCutProxy starts a proxy to target that cuts at n positions drawn with
// a fixed seed from [1, span).
func newCutProxy(t *testing.T, target string, n int, span int64, seed uint64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cuts := make([]int64, n)
	for i := range cuts {
		cuts[i] = 1 + rng.Int64N(span-1)
	}
	slices.Sort(cuts)
	p := &cutProxy{t: t, ln: ln, target: target, cuts: cuts, live: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

// stats returns the client→server bytes forwarded and the cuts made.
func (p *cutProxy) stats() (int64, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent, p.made
}

func (p *cutProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.live {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

// track registers conns, so that close can end them.
func (p *cutProxy) track(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		p.live[c] = true
	}
}

func (p *cutProxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		delete(p.live, c)
		c.Close()
	}
}

// take accounts for n bytes about to be forwarded client→server and says
// how many of them may go before a cut, and whether to cut.
func (p *cutProxy) take(n int) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.cuts) > 0 && p.sent+int64(n) >= p.cuts[0] {
		allowed := max(0, int(p.cuts[0]-p.sent))
		p.cuts = p.cuts[1:]
		p.sent += int64(allowed)
		p.made++
		return allowed, true
	}
	p.sent += int64(n)
	return n, false
}

func (p *cutProxy) handle(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.track(client, server)
	defer p.untrack(client, server)
	// A guard against a hung test, not a synchronisation.
	deadline := time.Now().Add(time.Minute)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)

	var cut atomic.Bool
	back := make(chan struct{})
	go func() { // server → client, until the server closes
		defer close(back)
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 && !cut.Load() {
				if _, werr := client.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			allowed, cutNow := p.take(n)
			if cutNow {
				cut.Store(true)
			}
			if _, werr := server.Write(buf[:allowed]); werr != nil && !errors.Is(werr, net.ErrClosed) {
				break
			}
			if cutNow {
				break
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				cut.Store(true) // the client went away mid-request
			}
			break
		}
	}
	// Half-close towards the server and let it finish with the request.
	server.(*net.TCPConn).CloseWrite()
	<-back
}
