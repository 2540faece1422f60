// Command courierctl administers a running courierd over its HTTP API:
// accounts (user add, user list) and hot backups of the bbolt store.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "courierctl:", err)
		os.Exit(1)
	}
}
