package main

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// connLimiter is the listener courierd serves on: at most max connections
// are open at once (Accept waits while full, leaving newcomers in the
// kernel's backlog), and accept errors that pass with time (out of file
// descriptors, a connection aborted before it was taken) are waited out
// with a growing pause instead of ending the server. fasthttp treats every
// accept error but a timeout as fatal, so without this an exhausted
// descriptor table made courierd exit.
type connLimiter struct {
	net.Listener
	slots  chan struct{}
	log    *slog.Logger
	closed chan struct{}
	once   sync.Once
}

// limitConns wraps ln with a limit of max open connections.
func limitConns(ln net.Listener, max int, log *slog.Logger) *connLimiter {
	return &connLimiter{Listener: ln, slots: make(chan struct{}, max), log: log, closed: make(chan struct{})}
}

// Accept waits for a free slot, then for a connection.
func (l *connLimiter) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	var pause time.Duration
	var lastLog time.Time
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			return &limitedConn{Conn: c, release: l.release}, nil
		}
		if !temporaryAcceptError(err) {
			l.release()
			return nil, err
		}
		pause = min(max(2*pause, 5*time.Millisecond), time.Second)
		if time.Since(lastLog) > 10*time.Second {
			l.log.Warn("accept failed; retrying", "err", err, "pause", pause, "open_conns", len(l.slots))
			lastLog = time.Now()
		}
		select {
		case <-time.After(pause):
		case <-l.closed:
			l.release()
			return nil, net.ErrClosed
		}
	}
}

// Close stops Accept and closes the listener.
func (l *connLimiter) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// Open returns how many accepted connections are open.
func (l *connLimiter) Open() int { return len(l.slots) }

func (l *connLimiter) release() { <-l.slots }

// temporaryAcceptError reports the accept errors that a pause may cure.
func temporaryAcceptError(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// limitedConn gives its slot back when closed (once).
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
