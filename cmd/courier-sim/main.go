// Command courier-sim drives a courier-sync server with a fleet of
// simulated handhelds: each courier records realistic pickups, COD
// receipts, complaints, damage reports, vehicle logs and callback outcomes
// into its own mobileapi outbox and syncs them over a deliberately flaky
// link. At the end it reads the server's audit log and checks that every
// recorded op arrived exactly once with the expected outcome.
//
// With -bench it instead measures raw push throughput and latency for
// several numbers of concurrent devices.
//
// Usage:
//
//	courier-sim -server http://127.0.0.1:8080 [-couriers 50] [-records 200] [-fail-rate 0.1]
//	courier-sim -server http://127.0.0.1:8080 -bench 1,16,64,256
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "courier-sim:", err)
		os.Exit(1)
	}
}
