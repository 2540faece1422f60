package bolt_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/crypt"
	bbolt "go.etcd.io/bbolt"
)

// keyStore is one store file, opened and closed with given keyrings.
type keyStore struct {
	tb      testing.TB
	path    string
	opens   int
	waybill int
}

func newKeyStore(tb testing.TB) *keyStore {
	return &keyStore{tb: tb, path: filepath.Join(tb.TempDir(), "courier.db")}
}

// open opens the store with keys, records n pickups (each seals two
// parties) and closes it; it returns the error of Open.
func (s *keyStore) open(keys *crypt.Keyring, n int) error {
	s.tb.Helper()
	db, err := bolt.Open(s.path, bolt.Options{PII: keys})
	if err != nil {
		return err
	}
	defer db.Close()
	s.opens++
	p := courier(s.tb, db, fmt.Sprintf("courier-%d", s.opens), "pda-1")
	for i := 0; i < n; i++ {
		s.waybill++
		r := push(s.tb, db, p, op("pickup", int64(i+1), time.Now(), pickup(fmt.Sprintf("SF%010d", s.waybill))))
		if r[0].Error != nil {
			s.tb.Fatalf("pickup: %+v", r[0])
		}
	}
	return nil
}

func (s *keyStore) check(keys *crypt.Keyring) bolt.SealedReport {
	s.tb.Helper()
	rep, err := bolt.CheckSealed(s.path, keys)
	if err != nil {
		s.tb.Fatal(err)
	}
	return rep
}

// forgetFingerprints makes the file look like one written before the
// store recorded its key fingerprints.
func (s *keyStore) forgetFingerprints() {
	s.tb.Helper()
	db, err := bbolt.Open(s.path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		s.tb.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("meta")).Delete([]byte("pii_key_fingerprints")) }); err != nil {
		s.tb.Fatal(err)
	}
}

func rotated(tb testing.TB, dir string, k *crypt.Keyring) *crypt.Keyring {
	tb.Helper()
	path := filepath.Join(dir, "keys.json")
	if err := k.Save(path); err != nil {
		tb.Fatal(err)
	}
	if err := crypt.Rotate(path); err != nil {
		tb.Fatal(err)
	}
	r, err := crypt.Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestStoreRefusesKeysItsDataWasNotSealedWith(t *testing.T) {
	right, other := crypt.Generate(), crypt.Generate()

	t.Run("a store with sealed data refuses another key file and keeps accepting the right one", func(t *testing.T) {
		s := newKeyStore(t)
		if err := s.open(right, 3); err != nil {
			t.Fatal(err)
		}
		if err := s.open(other, 0); !errors.Is(err, bolt.ErrPIIKeys) {
			t.Fatalf("open with other keys: %v, want ErrPIIKeys", err)
		}
		if err := s.open(right, 1); err != nil {
			t.Fatalf("open with the right keys after the refusal: %v", err)
		}
		if rep := s.check(right); !rep.OK() || rep.Sealed["1"] != 8 {
			t.Fatalf("report %+v, want 8 sealed values by key 1, all open", rep)
		}
	})
	t.Run("a store without sealed data takes new keys", func(t *testing.T) {
		s := newKeyStore(t)
		if err := s.open(right, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.open(other, 2); err != nil {
			t.Fatalf("open a store holding no sealed data with new keys: %v", err)
		}
		if err := s.open(right, 0); !errors.Is(err, bolt.ErrPIIKeys) {
			t.Fatalf("the first keys after the new ones sealed data: %v, want ErrPIIKeys", err)
		}
	})
	t.Run("after rotation the old key file is refused and the new one opens everything", func(t *testing.T) {
		s := newKeyStore(t)
		if err := s.open(right, 1); err != nil {
			t.Fatal(err)
		}
		both := rotated(t, t.TempDir(), right)
		if err := s.open(both, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.open(right, 0); !errors.Is(err, bolt.ErrPIIKeys) {
			t.Fatalf("open with the key file from before the rotation: %v, want ErrPIIKeys", err)
		}
		if rep := s.check(both); !rep.OK() || rep.Sealed["1"] != 2 || rep.Sealed["2"] != 2 {
			t.Fatalf("report %+v, want 2 values by each key, all open", rep)
		}
		if rep := s.check(right); rep.OK() || rep.Unopened["2"] != 2 || len(rep.KeyProblems) != 1 {
			t.Fatalf("report with the old file %+v, want key 2's values unopened and one key problem", rep)
		}
	})
	t.Run("a store written before fingerprints were recorded is checked by its data", func(t *testing.T) {
		s := newKeyStore(t)
		if err := s.open(right, 1); err != nil {
			t.Fatal(err)
		}
		s.forgetFingerprints()
		if err := s.open(other, 0); !errors.Is(err, bolt.ErrPIIKeys) {
			t.Fatalf("open an older store with other keys: %v, want ErrPIIKeys", err)
		}
		if err := s.open(right, 0); err != nil {
			t.Fatalf("open an older store with its keys: %v", err)
		}
		if rep := s.check(other); rep.OK() || rep.Unopened["1"] != 2 || len(rep.KeyProblems) == 0 {
			t.Fatalf("report %+v: the fingerprint should be recorded by now", rep)
		}
	})
}
