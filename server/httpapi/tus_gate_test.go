package httpapi

import (
	"errors"
	"testing"

	"github.com/courier-sync/courier-sync/server"
)

// TestChunkGateIsBoundedAndFair: a user holds at most perUser places, all
// users together at most all; a place given back is taken again.
func TestChunkGateIsBoundedAndFair(t *testing.T) {
	g := newChunkGate(2, 3)
	a1, err1 := g.admit("a")
	_, err2 := g.admit("a")
	if err1 != nil || err2 != nil {
		t.Fatalf("a's two chunks: %v %v", err1, err2)
	}
	var ra *server.RetryAfterError
	if _, err := g.admit("a"); !errors.As(err, &ra) {
		t.Fatalf("a's third chunk: %v, want a retryable refusal", err)
	}
	if _, err := g.admit("b"); err != nil {
		t.Fatalf("b is not held back by a: %v", err)
	}
	if _, err := g.admit("c"); !errors.As(err, &ra) {
		t.Fatalf("past the total: %v, want a retryable refusal", err)
	}
	a1()
	if _, err := g.admit("c"); err != nil {
		t.Fatalf("after a place is given back: %v", err)
	}
}
