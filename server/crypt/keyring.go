package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Keyring holds the data keys: the newest seals, any opens.
type Keyring struct {
	current byte
	aeads   map[byte]cipher.AEAD
	index   []byte
	macs    sync.Pool // of hash.Hash: HMAC-SHA-256 keyed with index
	file    keyFile
}

// keyFile is the on-disk form: hex keys by id, the current id, and the
// HMAC key for lookups.
type keyFile struct {
	Current int               `json:"current"`
	Keys    map[string]string `json:"keys"`
	Index   string            `json:"index_key"`
}

// version is the first byte of every sealed value.
const version = 1

// ErrCorrupt is returned for a sealed value that does not open.
var ErrCorrupt = errors.New("crypt: sealed value does not open")

// ErrNoKeyFile is returned by Load when the key file does not exist.
var ErrNoKeyFile = errors.New("crypt: key file does not exist")

// LoadOrCreate reads the key file at path, or creates one (mode 0600) with a
// fresh key when it does not exist. A server must not call it for a store
// that may already hold sealed data: use Load, and Generate only for a
// store that holds none.
func LoadOrCreate(path string) (*Keyring, error) {
	k, err := Load(path)
	if errors.Is(err, ErrNoKeyFile) {
		k = Generate()
		return k, k.Save(path)
	}
	return k, err
}

// Load reads the key file at path; a missing file is ErrNoKeyFile.
func Load(path string) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoKeyFile, path)
	}
	if err != nil {
		return nil, fmt.Errorf("crypt: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return nil, fmt.Errorf("crypt: %s: %w", path, err)
	}
	k, err := fromFile(&kf)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return k, nil
}

// Generate returns a keyring with a fresh data key (id 1) and index key,
// held in memory until Save.
func Generate() *Keyring {
	k, err := fromFile(&keyFile{Current: 1, Keys: map[string]string{"1": randomHex(32)}, Index: randomHex(32)})
	if err != nil {
		panic(err)
	}
	return k
}

// Save writes the keyring to a new file at path (mode 0600, fsynced); it
// refuses to replace an existing file, which may hold the only copy of a
// key.
func (k *Keyring) Save(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("crypt: %s already exists", path)
	}
	return write(path, &k.file)
}

// Rotate adds a new key to the file at path and makes it current; values
// sealed before stay readable.
func Rotate(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return err
	}
	if kf.Current >= 255 {
		return errors.New("crypt: no key ids left")
	}
	kf.Current++
	kf.Keys[fmt.Sprint(kf.Current)] = randomHex(32)
	return write(path, &kf)
}

func fromFile(kf *keyFile) (*Keyring, error) {
	if kf.Current < 1 || kf.Current > 255 {
		return nil, fmt.Errorf("crypt: current key id %d is not 1..255", kf.Current)
	}
	k := &Keyring{current: byte(kf.Current), aeads: map[byte]cipher.AEAD{}, file: *kf}
	for id, hexKey := range kf.Keys {
		// Ids are canonical decimals: "01" beside "1" would make which
		// key is 1 depend on map order.
		n, err := strconv.Atoi(id)
		if err != nil || n < 1 || n > 255 || strconv.Itoa(n) != id {
			return nil, fmt.Errorf("crypt: bad key id %q", id)
		}
		key, err := hex.DecodeString(hexKey)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("crypt: key %s is not 32 hex bytes", id)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[byte(n)] = aead
	}
	if _, ok := k.aeads[k.current]; !ok {
		return nil, errors.New("crypt: the current key is missing")
	}
	idx, err := hex.DecodeString(kf.Index)
	if err != nil || len(idx) < 32 {
		return nil, errors.New("crypt: index key must be at least 32 hex bytes")
	}
	k.index = idx
	k.macs.New = func() any { return hmac.New(sha256.New, idx) }
	return k, nil
}

// Seal implements server.PIICipher: version ‖ key id ‖ nonce ‖ ciphertext.
func (k *Keyring) Seal(plain []byte) ([]byte, error) {
	aead := k.aeads[k.current]
	out := make([]byte, 2+aead.NonceSize(), 2+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0], out[1] = version, k.current
	if _, err := rand.Read(out[2:]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[2:], plain, out[:2]), nil
}

// Open implements server.PIICipher.
func (k *Keyring) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != version {
		return nil, ErrCorrupt
	}
	aead, ok := k.aeads[sealed[1]]
	if !ok || len(sealed) < 2+aead.NonceSize() {
		return nil, ErrCorrupt
	}
	n := 2 + aead.NonceSize()
	plain, err := aead.Open(nil, sealed[2:n], sealed[n:], sealed[:2])
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// Index implements server.PIICipher. The keyed HMAC state is pooled: a
// reset HMAC starts again from its saved keyed state instead of hashing
// the key pads anew on every call.
func (k *Keyring) Index(value string) []byte {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(value))
	out := m.Sum(make([]byte, 0, sha256.Size))
	k.macs.Put(m)
	return out
}

func write(path string, kf *keyFile) error {
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Ephemeral returns a keyring that lives only in memory: for tests and
// throw-away stores. Data it sealed cannot be read after the process ends.
func Ephemeral() *Keyring { return Generate() }
