// Package mobileapi is the handheld library of courier-sync: a durable
// outbox of the records a courier makes in the field, a queue of the photos
// they refer to, and the sync engine that delivers both to the server and
// pulls the device's change feed (callback tasks and the capture policy)
// back.
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
// # gomobile
//
// The exported surface is meant for gomobile bind: plain structs, strings,
// integers and errors; no channels, maps or generics. Three things fall
// outside what gomobile can bind and are accepted knowingly: the slices in
// DamageReport.Photos, VehicleLog.Items, VehicleLog.Photos and the slices
// returned by RejectedOps, CallbackTasks and Photos; Options.Transport and
// Options.Now (for Go callers such as the simulator; gomobile leaves them
// unset); and the context.Context taken by Sync and UploadPhotos. A thin
// binding layer can wrap those if a native app needs them.
//
// Errors never carry personal data (names, phones, addresses): validation
// errors name the field and the rule, not the value.
package mobileapi
