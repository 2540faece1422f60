package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"

	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/crypt"
)

// errKeysCheck is returned when the key file does not open the store.
var errKeysCheck = errors.New("keys check failed: the key file does not open every sealed value of the store")

// keysCheck opens the store file read-only (courierd stopped, or a backup
// copy) and tries every sealed value with the key file.
func keysCheck(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", or(getenv("COURIERD_DATA_DIR"), "./data"), "courierd's data dir (COURIERD_DATA_DIR)")
	dbFile := fs.String("db", "", "store file to check (default <data-dir>/courier.db; a backup copy works too)")
	keyFile := fs.String("pii-key-file", getenv("COURIERD_PII_KEY_FILE"), "key file (COURIERD_PII_KEY_FILE; default <data-dir>/pii-keys.json)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	*dbFile = or(*dbFile, filepath.Join(*dataDir, "courier.db"))
	*keyFile = or(*keyFile, filepath.Join(*dataDir, "pii-keys.json"))
	return checkKeys(*dbFile, *keyFile, stdout)
}

// checkKeys reports, per key id, how many sealed values the store holds
// and how many of them the key file does not open.
func checkKeys(dbFile, keyFile string, stdout io.Writer) error {
	keys, err := crypt.Load(keyFile)
	if err != nil {
		return err
	}
	rep, err := bolt.CheckSealed(dbFile, keys)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "store %s, key file %s\n", dbFile, keyFile)
	for _, p := range rep.KeyProblems {
		fmt.Fprintf(stdout, "  recorded %s\n", p)
	}
	ids := slices.Sorted(maps.Keys(rep.Sealed))
	for _, id := range ids {
		if n := rep.Unopened[id]; n > 0 {
			fmt.Fprintf(stdout, "  key %s: %d sealed values, %d DO NOT OPEN\n", id, rep.Sealed[id], n)
		} else {
			fmt.Fprintf(stdout, "  key %s: %d sealed values, all open\n", id, rep.Sealed[id])
		}
	}
	if len(ids) == 0 {
		fmt.Fprintln(stdout, "  no sealed values")
	}
	if !rep.OK() {
		return errKeysCheck
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
