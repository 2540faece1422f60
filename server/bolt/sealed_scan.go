package bolt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/crypt"
	bbolt "go.etcd.io/bbolt"
)

// sealedBuckets are where sealed personal data lives today: the probe of
// an older store looks only there. CheckSealed looks everywhere.
var sealedBuckets = [][]byte{bucketPickups, bucketComplaints, bucketTasks, bucketDamage, bucketOutcomes}

// errStopScan ends forEachSealed early without an error.
var errStopScan = errors.New("bolt: stop scan")

// forEachSealed calls fn with every sealed value in the named buckets (all
// buckets when names is nil), nested buckets included. A sealed value is
// the base64 string (or a list of them) of a JSON field named "sealed" or
// ending in "_sealed" in a JSON record: the convention of every sealed
// field of the store.
func forEachSealed(tx *bbolt.Tx, names [][]byte, fn func(sealed []byte) error) error {
	if names == nil {
		if err := tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, bytes.Clone(name))
			return nil
		}); err != nil {
			return err
		}
	}
	for _, name := range names {
		if b := tx.Bucket(name); b != nil {
			if err := sealedInBucket(b, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func sealedInBucket(b *bbolt.Bucket, fn func([]byte) error) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				return sealedInBucket(nb, fn)
			}
			return nil
		}
		v = recordJSON(v)
		if len(v) == 0 || v[0] != '{' || !bytes.Contains(v, []byte(`sealed"`)) {
			return nil
		}
		var doc any
		if json.Unmarshal(v, &doc) != nil {
			return nil
		}
		return sealedInJSON(doc, fn)
	})
}

// sealedValues calls fn with the sealed value v holds: one base64 string,
// or a list of them (null entries skipped).
func sealedValues(v any, fn func([]byte) error) error {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			continue
		}
		if raw, err := base64.StdEncoding.DecodeString(s); err == nil && len(raw) > 0 {
			if err := fn(raw); err != nil {
				return err
			}
		}
	}
	return nil
}

func sealedInJSON(doc any, fn func([]byte) error) error {
	switch d := doc.(type) {
	case []any:
		for _, e := range d {
			if err := sealedInJSON(e, fn); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range d {
			if k == "sealed" || strings.HasSuffix(k, "_sealed") {
				if err := sealedValues(e, fn); err != nil {
					return err
				}
				continue
			}
			if err := sealedInJSON(e, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// SealedReport is what CheckSealed found: sealed values by the id of the
// key that sealed them, those of them that did not open, and the key
// fingerprints the store recorded that the cipher lacks or holds
// differently.
type SealedReport struct {
	Sealed      map[string]int
	Unopened    map[string]int
	KeyProblems []string
}

// OK reports whether every sealed value opened and every recorded key
// matched.
func (r SealedReport) OK() bool { return len(r.Unopened) == 0 && len(r.KeyProblems) == 0 }

// CheckSealed opens the store file at path read-only (the server must be
// stopped, or path a backup) and tries to open every sealed value in it
// with c. It also compares the store's recorded key fingerprints with c's
// when c names its keys (crypt.Keyring).
func CheckSealed(path string, c server.PIICipher) (SealedReport, error) {
	rep := SealedReport{Sealed: map[string]int{}, Unopened: map[string]int{}}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return rep, fmt.Errorf("bolt: open %s read-only: %w", path, err)
	}
	defer bdb.Close()
	err = bdb.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return fmt.Errorf("bolt: %s is not a courier-sync store", path)
		}
		if kc, ok := c.(keyedCipher); ok {
			rec, err := recordedKeys(tx)
			if err != nil {
				return err
			}
			rep.KeyProblems = keyProblems(rec, maps.Clone(kc.Fingerprints()))
		}
		return forEachSealed(tx, nil, func(sealed []byte) error {
			id, ok := crypt.KeyID(sealed)
			if !ok {
				id = "?"
			}
			rep.Sealed[id]++
			if _, err := c.Open(sealed); err != nil {
				rep.Unopened[id]++
			}
			return nil
		})
	})
	return rep, err
}

// WholeBlobs opens the store file at path read-only and returns the
// digests of the blobs it holds whole (every state but uploading): the
// files a restored blob directory must hold.
func WholeBlobs(path string) ([]string, error) {
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s read-only: %w", path, err)
	}
	defer bdb.Close()
	var out []string
	err = bdb.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketBlobs)
		if b == nil {
			return fmt.Errorf("bolt: %s is not a courier-sync store", path)
		}
		return b.ForEach(func(k, v []byte) error {
			var m server.BlobMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if m.HeldWhole() {
				out = append(out, string(k))
			}
			return nil
		})
	})
	return out, err
}
