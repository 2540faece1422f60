package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/courier-sync/courier-sync/client"

	bbolt "go.etcd.io/bbolt"
)

// backup downloads a consistent copy of the store, fsyncs it, checks that it
// opens as a bbolt file and passes bbolt's consistency check, and only then
// renames it into place.
func backup(ctx context.Context, c *client.Client, admin, pass string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "file to write the copy to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: -o FILE is required")
	}
	if _, err := c.Login(ctx, admin, pass, deviceID); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".courier-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := c.Backup(ctx, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := verify(tmp.Name()); err != nil {
		return fmt.Errorf("backup: the copy does not check out: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (%d bytes, consistency check passed)\n", *out, n)
	return nil
}

func verify(path string) error {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
}
