package crypt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// fingerprintLabel is what a key's fingerprint is the HMAC of: the
// fingerprint names a key without revealing it.
const fingerprintLabel = "courier-sync pii key fingerprint v1"

// IndexKeyID is the name of the lookup (HMAC) key in Fingerprints.
const IndexKeyID = "index"

// Fingerprints returns a short, non-secret fingerprint of every key by id
// ("1".."255" for data keys, IndexKeyID for the lookup key). A store
// records the fingerprints of the keys it used, so a server started with
// another key file can refuse to run instead of sealing data that the
// right keys will not open.
func (k *Keyring) Fingerprints() map[string]string {
	out := map[string]string{IndexKeyID: fingerprint(k.file.Index)}
	for id, hexKey := range k.file.Keys {
		n, _ := strconv.Atoi(id)
		out[strconv.Itoa(n)] = fingerprint(hexKey)
	}
	return out
}

// CurrentKeyID returns the id of the key that seals, as in Fingerprints.
func (k *Keyring) CurrentKeyID() string { return strconv.Itoa(int(k.current)) }

// KeyID returns the id of the key that sealed a value (as in
// Fingerprints), or false when the value is not a sealed value.
func KeyID(sealed []byte) (string, bool) {
	if len(sealed) < 2 || sealed[0] != version || sealed[1] == 0 {
		return "", false
	}
	return strconv.Itoa(int(sealed[1])), true
}

func fingerprint(hexKey string) string {
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		panic(fmt.Sprintf("crypt: key checked at load is not hex: %v", err))
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(fingerprintLabel))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
