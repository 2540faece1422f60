package bolt

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/crypt"
	bbolt "go.etcd.io/bbolt"
)

// ErrPIIKeys is returned by Open when the store holds personal data
// sealed with keys the configured cipher does not have (a missing,
// mistyped or foreign key file). Running on would seal new data with keys
// the rest of the store does not know, and fail every read of the old.
var ErrPIIKeys = errors.New("bolt: the PII keys do not match the keys this store's personal data is sealed with")

// keyedCipher is a PII cipher that names its keys (crypt.Keyring).
type keyedCipher interface {
	server.PIICipher
	// Fingerprints returns a non-secret fingerprint of every key by id.
	Fingerprints() map[string]string
	// CurrentKeyID is the id of the key Seal uses.
	CurrentKeyID() string
}

// keyPIIKeys holds, in meta, the fingerprints of the keys (by id, and
// crypt.IndexKeyID for the lookup key) that sealed any of the store's data.
var keyPIIKeys = []byte("pii_key_fingerprints")

// recordingCipher records the fingerprint of the sealing key (and the
// lookup key) in the store before the first value it seals, so the store
// always knows which keys it needs.
type recordingCipher struct {
	keyedCipher
	db       *bbolt.DB
	mu       sync.Mutex
	recorded map[string]string
}

// Seal implements server.PIICipher.
func (r *recordingCipher) Seal(plain []byte) ([]byte, error) {
	if err := r.record(r.CurrentKeyID()); err != nil {
		return nil, err
	}
	return r.keyedCipher.Seal(plain)
}

// record makes sure the fingerprints of key id and of the lookup key are
// in the store: one extra commit per key and process, before its first use.
func (r *recordingCipher) record(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.recorded[id]; ok {
		return nil
	}
	fps := r.Fingerprints()
	add := map[string]string{id: fps[id], crypt.IndexKeyID: fps[crypt.IndexKeyID]}
	err := r.db.Update(func(tx *bbolt.Tx) error {
		rec, err := recordedKeys(tx)
		if err != nil {
			return err
		}
		for k, v := range add {
			rec[k] = v
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyPIIKeys, b)
	})
	if err != nil {
		return fmt.Errorf("bolt: record the PII key fingerprint: %w", err)
	}
	for k, v := range add {
		r.recorded[k] = v
	}
	return nil
}

// recordedKeys reads the fingerprints recorded in meta.
func recordedKeys(tx *bbolt.Tx) (map[string]string, error) {
	rec := map[string]string{}
	if v := tx.Bucket(bucketMeta).Get(keyPIIKeys); v != nil {
		if err := json.Unmarshal(v, &rec); err != nil {
			return nil, fmt.Errorf("bolt: recorded PII key fingerprints: %w", err)
		}
	}
	return rec, nil
}

// checkPIIKeys compares the keys recorded in the store with the cipher's
// and returns the cipher to use: one that records each key before it
// seals. A store written before fingerprints were recorded is checked by
// opening its first sealed value.
func checkPIIKeys(db *bbolt.DB, kc keyedCipher) (*recordingCipher, error) {
	var rec map[string]string
	var probe []byte
	err := db.View(func(tx *bbolt.Tx) error {
		var err error
		if rec, err = recordedKeys(tx); err != nil || len(rec) > 0 {
			return err
		}
		return forEachSealed(tx, sealedBuckets, func(sealed []byte) error {
			probe = sealed
			return errStopScan
		})
	})
	if err != nil && err != errStopScan {
		return nil, err
	}
	if problems := keyProblems(rec, kc.Fingerprints()); len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrPIIKeys, strings.Join(problems, "; "))
	}
	r := &recordingCipher{keyedCipher: kc, db: db, recorded: rec}
	if probe != nil { // an older store: adopt the keys if they open its data
		id, _ := crypt.KeyID(probe)
		if _, err := kc.Open(probe); err != nil {
			return nil, fmt.Errorf("%w: data sealed with key %q does not open", ErrPIIKeys, id)
		}
		if err := r.record(id); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// keyProblems lists the recorded keys that have lacks or holds
// differently, in a stable order.
func keyProblems(recorded, have map[string]string) []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(recorded)) {
		switch fp, ok := have[id]; {
		case !ok:
			out = append(out, fmt.Sprintf("key %q is missing", id))
		case fp != recorded[id]:
			out = append(out, fmt.Sprintf("key %q is a different key", id))
		}
	}
	return out
}
