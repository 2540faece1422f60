package server_test

import (
	"errors"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

func TestPushGateGivesEachCourierItsOwnShare(t *testing.T) {
	g := server.NewPushGate(2)
	l1, err1 := g.Enter("flooder")
	l2, err2 := g.Enter("flooder")
	if err1 != nil || err2 != nil {
		t.Fatalf("the first two pushes were refused: %v, %v", err1, err2)
	}
	t.Run("a push beyond the courier's share is rate_limited with Retry-After", func(t *testing.T) {
		_, err := g.Enter("flooder")
		var ra *server.RetryAfterError
		if !errors.As(err, &ra) || ra.Err.Code != syncproto.CodeRateLimited || ra.After <= 0 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("another courier is admitted while the flooder is at its share", func(t *testing.T) {
		leave, err := g.Enter("victim")
		if err != nil {
			t.Fatal(err)
		}
		leave()
	})
	t.Run("leaving frees a place, once however often it is called", func(t *testing.T) {
		l1()
		l1()
		if n := g.InFlight("flooder"); n != 1 {
			t.Fatalf("in flight %d, want 1", n)
		}
		l3, err := g.Enter("flooder")
		if err != nil {
			t.Fatal(err)
		}
		l2()
		l3()
		if n := g.InFlight("flooder"); n != 0 {
			t.Fatalf("in flight %d, want 0", n)
		}
	})
}
