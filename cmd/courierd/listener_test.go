package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// flakyListener fails its first accepts with err, then accepts from ln.
type flakyListener struct {
	net.Listener
	fails int
	err   error
}

func (f *flakyListener) Accept() (net.Conn, error) {
	if f.fails > 0 {
		f.fails--
		return nil, f.err
	}
	return f.Listener.Accept()
}

func TestTheListenerWaitsOutRunningOutOfDescriptors(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED} {
		t.Run(fmt.Sprint(e), func(t *testing.T) {
			ln := limitConns(&flakyListener{Listener: tcp, fails: 3, err: &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", e)}}, 4, slog.New(slog.DiscardHandler))
			c, err := net.Dial("tcp", tcp.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got, err := ln.Accept()
			if err != nil {
				t.Fatalf("Accept after %v: %v, want a connection", e, err)
			}
			got.Close()
			if ln.Open() != 0 {
				t.Fatalf("%d slots held after the connection closed", ln.Open())
			}
		})
	}
	t.Run("another error still ends Accept", func(t *testing.T) {
		boom := errors.New("boom")
		ln := limitConns(&flakyListener{Listener: tcp, fails: 1, err: boom}, 4, slog.New(slog.DiscardHandler))
		if _, err := ln.Accept(); !errors.Is(err, boom) {
			t.Fatalf("Accept = %v", err)
		}
	})
}

func TestTheListenerHoldsAtMostItsCap(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := limitConns(tcp, 2, slog.New(slog.DiscardHandler))
	defer ln.Close()
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", tcp.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for range 2 {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	third := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			third <- c
		}
	}()
	select {
	case <-third:
		t.Fatal("a third connection was accepted past a cap of 2")
	case <-time.After(200 * time.Millisecond): // a negative: nothing may arrive
	}
	held[0].Close()
	select {
	case c := <-third:
		c.Close()
	case <-time.After(30 * time.Second):
		t.Fatal("a freed slot did not let the waiting connection in")
	}
	held[1].Close()
}
