// Package crypt seals customer personal data at rest with AES-256-GCM. Each
// sealed value carries the id of the key that sealed it, so new data can be
// sealed with a new key while older data still opens. Equality lookups use
// HMAC-SHA-256 with a separate key.
package crypt
