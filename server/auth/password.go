package auth

import "golang.org/x/crypto/bcrypt"

// Bcrypt hashes passwords with bcrypt. It implements server.PasswordHasher.
type Bcrypt struct {
	// Cost is the bcrypt cost; 0 means bcrypt.DefaultCost.
	Cost int
}

// dummyHash is compared against when a username is unknown, so a wrong
// username takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("courier-sync-dummy"), bcrypt.DefaultCost)

// Hash implements server.PasswordHasher.
func (b Bcrypt) Hash(password string) (string, error) {
	cost := b.Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

// Compare implements server.PasswordHasher. An empty hash (unknown user)
// still costs one comparison.
func (b Bcrypt) Compare(hash, password string) bool {
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
