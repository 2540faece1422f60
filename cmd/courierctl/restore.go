package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/server/blobfs"
	"github.com/courier-sync/courier-sync/server/bolt"
)

// A backup set is a directory holding courier.db (from `courierctl
// backup`), pii-keys.json, optionally jwt-ed25519.pem, and blobs/ (a copy
// of the data dir's blobs directory taken after the store copy).
const (
	setStore = "courier.db"
	setKeys  = "pii-keys.json"
	setJWT   = "jwt-ed25519.pem"
	setBlobs = "blobs"
)

// restore checks a backup set and copies it into an empty data dir: the
// store must pass bbolt's check, the key file must open every sealed
// value, and every whole blob the store names must be in blobs/ with the
// right digest. Nothing is copied unless all of that holds.
func restore(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("restore", flag.ContinueOnError)
	fl.SetOutput(stderr)
	from := fl.String("from", "", "backup set directory (courier.db, pii-keys.json, jwt-ed25519.pem, blobs/)")
	dataDir := fl.String("data-dir", or(getenv("COURIERD_DATA_DIR"), "./data"), "courierd's data dir, empty or absent (COURIERD_DATA_DIR)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: -from DIR is required")
	}
	if err := checkSet(*from, stdout); err != nil {
		return fmt.Errorf("restore: the backup set %s does not check out: %w", *from, err)
	}
	if entries, err := os.ReadDir(*dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("restore: the data dir %s is not empty: stop courierd and move it aside first", *dataDir)
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return err
	}
	if err := copyTree(filepath.Join(*from, setBlobs), filepath.Join(*dataDir, setBlobs)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("restore: blobs: %w", err)
	}
	for _, name := range []string{setKeys, setJWT, setStore} { // the store last
		if err := copyFile(filepath.Join(*from, name), filepath.Join(*dataDir, name)); err != nil {
			if name == setJWT && errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintln(stdout, "no jwt-ed25519.pem in the set: courierd makes a new one and every user logs in again")
				continue
			}
			return fmt.Errorf("restore: %s: %w", name, err)
		}
	}
	if err := syncDir(*dataDir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s; start courierd on it\n", *from, *dataDir)
	return nil
}

// checkSet verifies a backup set before anything is copied.
func checkSet(set string, stdout io.Writer) error {
	store := filepath.Join(set, setStore)
	if err := verify(store); err != nil {
		return fmt.Errorf("%s: %w", setStore, err)
	}
	if err := checkKeys(store, filepath.Join(set, setKeys), stdout); err != nil {
		return err
	}
	digests, err := bolt.WholeBlobs(store)
	if err != nil {
		return err
	}
	if len(digests) == 0 {
		return nil
	}
	files, err := blobfs.Open(filepath.Join(set, setBlobs))
	if err != nil {
		return err
	}
	bad := 0
	for _, d := range digests {
		if err := checkBlob(files, d); err != nil {
			if bad < 5 {
				fmt.Fprintf(stdout, "  blob %s: %v\n", d, err)
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of the %d whole blobs the store names are missing or damaged in %s", bad, len(digests), setBlobs)
	}
	fmt.Fprintf(stdout, "  %d blobs, all present with their digests\n", len(digests))
	return nil
}

func checkBlob(files *blobfs.Files, digest string) error {
	r, _, err := files.Open(digest, server.VariantOriginal)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != digest {
		return errors.New("content does not match its digest")
	}
	return nil
}

// copyTree copies the regular files under src to dst, each fsynced.
func copyTree(src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, target)
	})
}

// copyFile copies src to a new file dst (mode 0600) and fsyncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
