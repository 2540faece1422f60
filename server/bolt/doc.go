// Package bolt is the embedded bbolt store of courier-sync. It implements
// the storage interfaces of package server (see DB) and holds:
//
//   - accounts: users, device sessions and refresh-token families,
//     password-gate and push-token records (users.go, accounts.go,
//     sessions.go, push_tokens.go);
//   - sync: the op dedup index, records by kind, the per-courier change
//     feeds and their cursors, pickups and outcomes (push.go, records.go,
//     feed.go, page.go, pickup.go, outcome.go, parcels.go, waybills.go);
//   - the audit trail and event log (audit.go, events.go, handovers.go);
//   - the COD ledger: receipts, custody, hand-overs, settlements,
//     reversals and retention (ledger*.go, cod*.go, waybill_ledger.go);
//   - complaints, callback tasks with their sealed customer details and
//     the push outbox of wake-ups (complaint*.go, callback*.go,
//     push_outbox.go, texts.go, damage.go);
//   - vehicles, their logs, defects and status; claims; inspections and
//     corrective actions (vehicle*.go, claims.go, inspections.go);
//   - quality reports and their indexes, the purge with its retention
//     guard (report*.go, purge.go);
//   - personal data sealed at rest and its key fingerprints (pii*.go,
//     sealed_scan.go); photo metadata (blobs.go); keys and buckets
//     (keys.go, db.go).
//
// Every write goes through one committer goroutine (committer.go) that
// takes everything queued into one write transaction (group commit), so
// concurrent devices share fsyncs and every write is acknowledged only
// after its transaction is on disk. Couriers take turns in a group, so one
// courier's flood never holds up another's op. A write that refuses (a
// protocol error) is rolled back without failing the others of its group;
// a commit that queued a push wake-up rings Options.OnWake.
package bolt
