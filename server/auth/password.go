package auth

import (
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Bcrypt hashes passwords with bcrypt. It implements server.PasswordHasher.
type Bcrypt struct {
	// Cost is the bcrypt cost; 0 means bcrypt.DefaultCost.
	Cost int
}

// dummyHashes are compared against when a username is unknown, so a wrong
// username takes as long as a wrong password. One per cost, made on first
// use (not at start-up).
var dummyHashes sync.Map // cost → []byte

func dummyHash(cost int) []byte {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("courier-sync-dummy"), cost)
	dummyHashes.Store(cost, h)
	return h
}

func (b Bcrypt) cost() int {
	if b.Cost == 0 {
		return bcrypt.DefaultCost
	}
	return b.Cost
}

// Hash implements server.PasswordHasher.
func (b Bcrypt) Hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), b.cost())
	return string(h), err
}

// Compare implements server.PasswordHasher. An empty hash (unknown user)
// still costs one comparison.
func (b Bcrypt) Compare(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash(b.cost()), []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
