package crypt_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/courier-sync/courier-sync/server/crypt"
)

// Regressions from FuzzKeyFile: a key file whose ids are ambiguous ("01"
// beside "1", "1x") or whose current id wraps past 255 must be refused,
// or which key seals would depend on map order or byte overflow.
func TestAmbiguousKeyFilesAreRefused(t *testing.T) {
	cases := map[string]string{
		"two spellings of id 1":    `{"current":1,"keys":{"01":"` + hex64 + `","1":"` + hex64[2:] + `00"},"index_key":"` + hex64 + `"}`,
		"an id with trailing junk": `{"current":1,"keys":{"1x":"` + hex64 + `"},"index_key":"` + hex64 + `"}`,
		"a current id past 255":    `{"current":257,"keys":{"1":"` + hex64 + `"},"index_key":"` + hex64 + `"}`,
		"a negative current id":    `{"current":-255,"keys":{"1":"` + hex64 + `"},"index_key":"` + hex64 + `"}`,
	}
	for name, data := range cases {
		t.Run(name+" is refused", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pii-keys.json")
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := crypt.Load(path); err == nil {
				t.Fatal("loaded")
			}
		})
	}
	t.Run("a missing file is ErrNoKeyFile and Load writes nothing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pii-keys.json")
		if _, err := crypt.Load(path); err == nil {
			t.Fatal("loaded a missing file")
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatal("Load created the file")
		}
	})
	t.Run("Save never replaces a key file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pii-keys.json")
		if err := crypt.Generate().Save(path); err != nil {
			t.Fatal(err)
		}
		if err := crypt.Generate().Save(path); err == nil {
			t.Fatal("a second Save replaced the key file")
		}
	})
}
