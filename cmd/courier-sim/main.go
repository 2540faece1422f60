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
// Beside the couriers run a dispatcher and a supervisor (-actors, on by
// default), each one goroutine with its own account, outside the flaky
// link. The dispatcher gives a share of the couriers (-callback-share)
// callback tasks, some made from their complaints, and cancels or
// reassigns some of them, a few while the courier is "offline" with an
// outcome already recorded; it walks complaints through verified, handled
// and closed (some exempting the courier), and confirms COD hand-overs
// (one counted off, one sent twice at once). The supervisor settles
// handed-over COD, registers vehicles and certifies the defects failed
// inspections open. The couriers answer their tasks after each Sync,
// revealing the number for some, and catch up once the actors are done.
// The end check then compares every task, outcome, complaint, ledger
// entry, balance and defect with what the actors and couriers did, on the
// server and on the handhelds.
//
// With -fcm-fake the simulator starts a fake FCM endpoint in-process
// (server/push/pushtest) and announces its URL, for courierd's
// COURIERD_FCM_ENDPOINT; each handheld registers an FCM token before its
// first Sync, and the end check requires a wake-up for every task change
// and scans what reached the fake for personal data. Since courierd must
// know the URL when it starts, -server-file lets the simulator start first
// and wait for courierd's address (scripts/demo.sh does this).
//
// With -bench it instead measures raw push throughput and latency for
// several numbers of concurrent devices.
//
// Usage:
//
//	courier-sim -server http://127.0.0.1:8080 [-couriers 50] [-records 200] [-fail-rate 0.1] [-photo-rate 0.5]
//	courier-sim -server-file /tmp/server.url -fcm-fake -fcm-url-file /tmp/fcm.url [...]
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
