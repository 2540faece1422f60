package crypt_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/courier-sync/courier-sync/server/crypt"
)

// indexKey reads the HMAC key of a saved keyring from its file.
func indexKey(t *testing.T, k *crypt.Keyring) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pii-keys.json")
	if err := k.Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kf struct {
		Index string `json:"index_key"`
	}
	if err := json.Unmarshal(data, &kf); err != nil {
		t.Fatal(err)
	}
	key, err := hex.DecodeString(kf.Index)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// The pooled HMAC state gives the plain HMAC-SHA-256 of every value, from
// many goroutines at once (run under -race), with no state leaking from
// one call into the next.
func TestIndexIsTheHMACOfTheValueWhenPooledAndConcurrent(t *testing.T) {
	k := crypt.Generate()
	key := indexKey(t, k)
	want := func(v string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(v))
		return m.Sum(nil)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				v := fmt.Sprintf("138%08d", g*1000+i)
				if i%7 == 0 {
					v = "" // the empty value too
				}
				if got := k.Index(v); !hmac.Equal(got, want(v)) || len(got) != sha256.Size {
					errs <- fmt.Sprintf("Index(%q) = %x, want %x", v, got, want(v))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	a, b := k.Index("13812345678"), k.Index("13812345678")
	a[0] ^= 0xff // callers own the result: changing it changes no later one
	if hmac.Equal(a, b) || !hmac.Equal(b, k.Index("13812345678")) {
		t.Fatal("Index results share memory")
	}
}

func BenchmarkIndex(b *testing.B) {
	k := crypt.Generate()
	b.ReportAllocs()
	for b.Loop() {
		k.Index("13812345678")
	}
}
