// Package auth signs and verifies access tokens (EdDSA JWTs with an explicit
// algorithm allow-list, issuer, audience and expiry) and hashes passwords
// with bcrypt.
package auth
