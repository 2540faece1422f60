package crypt_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/courier-sync/courier-sync/server/crypt"
)

// Sealed values come back from the store file, which an attacker with the
// disk (or a damaged backup) controls: Open must refuse what it did not
// seal, without panicking, and open what it did.
func FuzzOpenSealed(f *testing.F) {
	k := crypt.Generate()
	good, _ := k.Seal([]byte(`{"name":"张伟","phone":"13812345678"}`))
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{1, 1})
	f.Add([]byte{1, 2, 0, 0, 0})
	f.Add(append([]byte{1, 1}, make([]byte, 12)...))
	f.Fuzz(func(t *testing.T, sealed []byte) {
		plain, err := k.Open(sealed)
		if err != nil {
			return
		}
		if !bytes.Equal(sealed, good) {
			// Forging needs the key: only a value Seal made opens.
			again, err := k.Seal(plain)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := k.Open(again); err != nil || !bytes.Equal(back, plain) {
				t.Fatalf("a value that opened does not survive a reseal: %v", err)
			}
		}
		if id, ok := crypt.KeyID(sealed); !ok || id != "1" {
			t.Fatalf("an opened value has key id %q, %v", id, ok)
		}
	})
}

// The key file is read at every start: a damaged one must be refused with
// an error, never a panic nor a keyring that cannot seal.
func FuzzKeyFile(f *testing.F) {
	f.Add([]byte(`{"current":1,"keys":{"1":"` + hex64 + `"},"index_key":"` + hex64 + `"}`))
	f.Add([]byte(`{"current":2,"keys":{"1":"` + hex64 + `"},"index_key":"` + hex64 + `"}`))
	f.Add([]byte(`{"current":256,"keys":{"256":"` + hex64 + `"},"index_key":"00"}`))
	f.Add([]byte(`{"current":1,"keys":{"01":"` + hex64 + `","1":"` + hex64 + `"},"index_key":"` + hex64 + `"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "pii-keys.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := crypt.Load(path)
		if err != nil {
			return
		}
		sealed, err := k.Seal([]byte("x"))
		if err != nil {
			t.Fatalf("a loaded keyring cannot seal: %v", err)
		}
		if plain, err := k.Open(sealed); err != nil || string(plain) != "x" {
			t.Fatalf("a loaded keyring does not open its own value: %v", err)
		}
		fps := k.Fingerprints()
		if fps[k.CurrentKeyID()] == "" || fps[crypt.IndexKeyID] == "" {
			t.Fatalf("fingerprints %v lack the current or the index key", fps)
		}
	})
}

const hex64 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
