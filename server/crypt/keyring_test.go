package crypt_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/courier-sync/courier-sync/server/crypt"
)

func TestSealedDataOpensAndHidesThePlainValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pii-keys.json")
	k, err := crypt.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"name":"张伟","phone":"13812345678"}`)
	sealed, err := k.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("13812345678")) || bytes.Contains(sealed, []byte("张伟")) {
		t.Fatal("sealed value contains the plain text")
	}
	t.Run("a keyring loaded again from the file opens it", func(t *testing.T) {
		k2, err := crypt.LoadOrCreate(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := k2.Open(sealed)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("got %q, %v", got, err)
		}
		if !bytes.Equal(k.Index("13812345678"), k2.Index("13812345678")) {
			t.Fatal("the lookup hash changed across loads")
		}
	})
	t.Run("after rotation old values open and new ones use the new key", func(t *testing.T) {
		if err := crypt.Rotate(path); err != nil {
			t.Fatal(err)
		}
		k3, err := crypt.LoadOrCreate(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k3.Open(sealed); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("old value after rotation: %q, %v", got, err)
		}
		fresh, _ := k3.Seal(plain)
		if fresh[1] == sealed[1] {
			t.Fatal("new values still sealed with the old key id")
		}
		if _, err := k.Open(fresh); !errors.Is(err, crypt.ErrCorrupt) {
			t.Fatalf("a keyring without the new key opened it: %v", err)
		}
	})
	t.Run("a tampered value does not open", func(t *testing.T) {
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		if _, err := k.Open(bad); !errors.Is(err, crypt.ErrCorrupt) {
			t.Fatalf("got %v, want ErrCorrupt", err)
		}
	})
	t.Run("the key file is readable by its owner only", func(t *testing.T) {
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, %v", st.Mode(), err)
		}
	})
}

func TestIndexIsKeyed(t *testing.T) {
	a, b := crypt.Ephemeral(), crypt.Ephemeral()
	if bytes.Equal(a.Index("13812345678"), b.Index("13812345678")) {
		t.Fatal("two keyrings gave the same lookup hash: it is not keyed")
	}
	if !bytes.Equal(a.Index("13812345678"), a.Index("13812345678")) {
		t.Fatal("the lookup hash is not stable")
	}
}
