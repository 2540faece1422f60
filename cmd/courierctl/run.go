package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/courier-sync/courier-sync/client"
)

const usage = `usage: courierctl [-server URL] [-admin user:pass] <command>

commands:
  user add -username NAME -password PW -role courier|dispatcher|supervisor|admin [-display-name TEXT]
  user list
  backup -o FILE     consistent hot copy of the server's bbolt file
  purge [-dry-run]   erase customer personal data past its retention

offline commands (courierd stopped, or on a backup copy; no -admin needed):
  keys check [-data-dir DIR] [-db FILE] [-pii-key-file FILE]
                     does the key file open every sealed value of the store? (exit 1 if not)
  restore -from SET [-data-dir DIR]
                     check a backup set (courier.db, pii-keys.json, jwt-ed25519.pem, blobs/)
                     and copy it into an empty data dir
  stats [-data-dir DIR] [-db FILE | FILE]
                     where the store's bytes go: per bucket, per op kind, page fill, free pages

environment: COURIERCTL_SERVER (default http://127.0.0.1:8080), COURIERCTL_ADMIN (user:pass)
`

// run parses the global flags and dispatches to a command.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("courierctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	server := fs.String("server", or(getenv("COURIERCTL_SERVER"), "http://127.0.0.1:8080"), "courierd base URL")
	admin := fs.String("admin", getenv("COURIERCTL_ADMIN"), "admin credentials user:pass")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errors.New("no command")
	}
	switch cmd := strings.Join(rest[:min(2, len(rest))], " "); {
	case cmd == "keys check":
		return keysCheck(rest[2:], getenv, stdout, stderr)
	case rest[0] == "restore":
		return restore(rest[1:], getenv, stdout, stderr)
	case rest[0] == "stats":
		return stats(rest[1:], getenv, stdout, stderr)
	}
	user, pass, ok := strings.Cut(*admin, ":")
	if !ok || user == "" {
		return errors.New("admin credentials needed: -admin user:pass or COURIERCTL_ADMIN")
	}
	c := client.New(*server)
	switch cmd := strings.Join(rest[:min(2, len(rest))], " "); {
	case cmd == "user add":
		return userAdd(ctx, c, user, pass, rest[2:], stdout, stderr)
	case cmd == "user list":
		return userList(ctx, c, user, pass, stdout)
	case rest[0] == "backup":
		return backup(ctx, c, user, pass, rest[1:], stdout, stderr)
	case rest[0] == "purge":
		return purge(ctx, c, user, pass, rest[1:], stdout, stderr)
	default:
		fs.Usage()
		return fmt.Errorf("unknown command %q", strings.Join(rest, " "))
	}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// deviceID is the device the admin's sessions are bound to.
const deviceID = "courierctl"
