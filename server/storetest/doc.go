// Package storetest is the store conformance suite: a table of behaviours
// that any store of courier-sync must pass unchanged. It drives a store
// only through the service interfaces of package server, never through
// its storage engine, so the bbolt store passes it today and the next
// store (PostgreSQL) must pass the same suite.
//
// A store's own test calls Run with a function that opens a fresh, empty
// store on a Clock the suite moves by hand:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store {
//			clock := storetest.NewClock()
//			db := openStore(t, clock.Now) // closed by t.Cleanup
//			return storetest.Store{Clock: clock, Reopen: ..., Users: db, ...}
//		})
//	}
//
// Every behaviour runs as a subtest named "<group>/<behaviour>" against a
// store of its own, so behaviours never depend on one another. Nothing
// sleeps: time moves only through the Clock, and concurrent behaviours
// (one-wins hand-overs, steps and payouts; pushes sent twice) assert
// outcomes that hold under any interleaving.
//
// # Which interface each group covers
//
//   - SyncService (Push): exactly-once intake, resend results marked
//     duplicate, op_id_conflict, concurrent resends, per-op rejections.
//   - SyncService/Pull: feed order, pages, has_more, one cursor twice,
//     cursor resume, per-courier isolation, malformed and expired cursors.
//   - Durability (Store.Reopen, a restart): acknowledged ops stay
//     duplicates, cursors resume, records, sessions and sealed contacts
//     survive; a cursor of another store is expired.
//   - AuditService: op listing order, paging, device filter.
//   - EventLog: recorded events, order, actor/action filters, paging, and
//     the events state changes write.
//   - LedgerService: custody and balancing totals, refused steps change
//     nothing, concurrent hand-overs of the same cash (exactly one wins),
//     reversal and correction, discrepancies, balances and the balance
//     feed change, overdue receipts, paging with whole-filter totals.
//   - HandoverLog: hand-over listing by courier and time, paging.
//   - ComplaintService: one step at a time, stamped history, exemption,
//     the courier's feed, one-wins steps, reopening, deadlines (at risk,
//     breached), the list sorted by due_by with filters and paging.
//   - CallbackService: creation (masked, in the courier's feed), refusals,
//     outcomes, a task cancelled while offline (kept, flagged), reassignment
//     with the removal notice in the old courier's feed, lists, reveal
//     (assigned courier only, while open, rate limited, audited).
//   - PushTokens and PushOutbox: token validation, coalesced wake-ups per
//     device, replaced-while-sent, delivery, retry, invalid and moved tokens.
//   - VehicleService: odometer readings out of order, one history from
//     offline couriers, defects and certification, registration by log,
//     vehicles needing attention, vehicle_status feed changes.
//   - ClaimService (and the store's ClaimTx behind it): the claim's steps,
//     refusals, the claim window, concurrent payouts (one wins), listing.
//   - InspectionService (and the store's InspectionTx behind it): the
//     monthly sample, one inspection per month, marking, corrective
//     actions until closed.
//   - Purger: PII past retention erased, money and audit kept, ledger rows
//     younger than their own retention keep their parties (the retention
//     guard), dry run.
//   - UserStore, SessionStore, Accounts: users, device binding, refresh
//     rotation and reuse, revocation, courier listing, patches (the last
//     admin), password resets ending sessions.
//   - DamageReports, Parcels, TextReader, ReportService, BlobMetaStore:
//     damage listing with photo states, the parcel timeline, audited
//     free-text reads, the monthly quality report, blob metadata and
//     references.
//
// RunBlobFiles covers server.BlobFiles, the store of blob bytes (whole and
// resumable uploads, digest checks, variants, stale partials); server/blobfs
// runs it. The other interfaces of package server are not stores and are
// tested with their adapters: WholeImageChecker and FreeSpacer
// (server/blobfs), ImageInspector and ImageProcessor (server/photo),
// PIICipher (server/crypt), TokenSigner and PasswordHasher (server/auth).
// ClaimTx and InspectionTx are the stores' transactions behind ClaimService
// and InspectionService, reached through them.
//
// The suite expects a store opened with server.DefaultSettings().
package storetest
