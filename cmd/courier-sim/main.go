// Command courier-sim drives a courier-sync server with a fleet of
// simulated handhelds: each courier records realistic pickups, COD
// receipts, complaints, damage reports, vehicle logs and callback outcomes
// into its own mobileapi outbox and syncs them over a deliberately flaky
// link. At the end it reads the server's audit log and checks that every
// recorded op arrived exactly once with the expected outcome.
//
// A share of the damage reports (-photo-rate) and of the inspections with
// faults carry real photos: noisy JPEGs of 1–1.2 MP (one of ~3 MP per
// courier) with an EXIF block holding an orientation and a GPS position,
// attached with AttachPhoto and uploaded by the handhelds' blob queues over
// the same link. The end check reads every photo back as the admin: stored
// whole with the right digest, processed into an upright display copy
// without EXIF or GPS, and linked to its damage report, which shows it
// "stored"; the other reports' made-up photos must show "pending".
//
// With -bench it instead measures raw push throughput and latency for
// several numbers of concurrent devices.
//
// Usage:
//
//	courier-sim -server http://127.0.0.1:8080 [-couriers 50] [-records 200] [-fail-rate 0.1] [-photo-rate 0.5]
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
