// Package mobileapi is the handheld library of courier-sync: a durable
// outbox of the records a courier makes in the field, a queue of the photos
// they refer to, and the sync engine that delivers both to the server and
// pulls the device's change feed (callback tasks, the capture policy, the
// courier's COD balance and open complaints) back.
//
// # Durability
//
// Every Record* method validates its input with the shared wire rules
// (package syncproto), gives the record an op id (a time-ordered UUIDv7) and
// a device sequence number, and commits it to a local bbolt file before it
// returns. The encoded op is stored once and resent byte for byte, so a
// resend after a lost response is a duplicate the server recognises and
// never a second record. An op leaves the outbox only in the same
// transaction that records the server's answer for it: applied ops are
// deleted, rejected ops move to a rejected list with the server's code and
// message. A process killed at any instant therefore loses no op and
// applies none twice.
//
// # Sync
//
// Sync pushes the outbox in sequence order, in batches, then pulls the
// change feed page by page, storing each page and its cursor in one
// transaction. Transient failures (network errors, 5xx, 429) are retried
// with full-jitter exponential backoff that honours Retry-After; an expired
// access token is refreshed (or the device logs in again) and the same batch
// is resent. No database transaction is open while a request is in flight,
// so Record* may be called at any time, also during Sync.
//
// # Photos
//
// AttachPhoto applies the capture policy of the last pulled config
// (downscale to PhotoMaxPixels, upright, JPEG at JPEGQuality; or the
// original bytes when PhotoMaxPixels is 0), copies the result into a
// directory beside the outbox file (<file>.photos/<sha256>) and records it
// in the blob queue, all on disk before it returns. Its digest goes into a
// DamageReport or VehicleLog at once: ops never wait for photos, and the
// server accepts blobs after the ops that name them.
//
// The blob queue is apart from the op outbox. UploadPhotos (and Sync, after
// its push and pull) sends each photo in chunks with the resumable protocol
// (HEAD for the server's offset, PATCH from there), so a broken connection
// or a restart costs at most the bytes in flight, never a restart from
// zero. A photo the server refuses (413/415/422) is marked failed and kept
// for review; transient failures leave it queued. A photo upload never
// holds the outbox's lock, so ops and photos never wait on each other.
//
// # Callback tasks
//
// Dispatchers' callback tasks reach the device through the pull feed.
// OpenTasks (CallbackTasks for Go callers) is the courier's inbox: the open
// tasks, soonest due first, each with its contact masked ("张*",
// "138****5678"). RecordCallbackOutcome queues the outcome of a call like
// any other record; it is pushed even if the task was cancelled or
// reassigned meanwhile (the server keeps it and flags it for review), and
// it never leaves the outbox unanswered.
//
// RevealContact asks the server for the full name and number of an open
// task, online only. The server audits every reveal and rate-limits them.
// The answer lives only in the returned RevealedContact: it is never
// written to the file, to Status or to an error. The app must forget it at
// its ExpiresAt (and when the task leaves the inbox), and must never log,
// store or copy it.
//
// # COD balance and complaints
//
// The server publishes the courier's cash-on-delivery balance and the
// complaints about them in the same feed, so both read offline from the
// last pull. CODBalance is the newest balance pulled (by its AsOf; empty
// until one arrives). OpenComplaints lists the received, verified and
// handled complaints, soonest due first, customers masked; each carries
// AtRisk and Breached, worked out when it is read from its AtRiskFrom and
// DueBy and the Outbox's clock (Options.Now), so the deadline moves on
// while the device is offline. A complaint's latest version wins; a closed
// one is dropped. A cursor_expired restart of the feed drops the balance
// and complaints with the tasks and config, and the new feed sends them
// again.
//
// # Wake-ups
//
// SetPushToken stores the device's FCM registration token; Sync registers
// it with the server after a login or refresh and whenever it changed,
// before it pushes. The server then sends FCM data messages that only wake
// the device: they carry no task content and no personal data. On receipt
// the app should call Sync, which pulls what changed.
//
// # Privacy
//
// Customer data on the device is what the courier records (until pushed),
// the masked contacts of open tasks and the masked customers of open
// complaints. When a pulled change closes a task (done, cancelled, or
// reassigned to another courier) the task's masked contact and reason are
// deleted in the transaction that stores the change and its cursor; the
// device keeps only the task's id, waybill, status, due time and version.
// A closed complaint (or one in a status this library does not know) goes
// the same way: its customer, description and the rest are deleted, and
// only its id, status and version stay, so that an older view cannot bring
// it back. Pushed ops are deleted when the server's answer is
// recorded. Because bbolt leaves a deleted value's old page in the file
// until it reuses the page, Sync then overwrites every free page of the
// file with zeros, and Open does so if a process died first: searched byte
// by byte, the file holds no deleted contact or pushed record.
//
// # gomobile
//
// Native apps do not bind this package: they bind mobile-api/bind (package
// courier), a facade with only the types gobind supports (a timeout and a
// cancel handle instead of context.Context, Len/Get lists instead of
// slices, photos and checklist items added by methods, errors carrying the
// contract's code, a Listener for progress and Wake for FCM). `make mobile`
// generates its Java and Objective-C bindings and fails if any name is
// skipped. This package keeps slices, contexts and Options.Transport and
// Options.Now for Go callers such as the simulator. RetryAfterSeconds reads
// the wait out of a rate-limited reveal's error for callers that cannot use
// errors.As.
//
// Errors never carry personal data (names, phones, addresses): validation
// errors name the field and the rule, not the value.
package mobileapi
