// Package courier is the handheld library (package mobileapi) as native
// Android and iOS apps see it through gomobile: every capability of
// mobileapi, in the types gobind binds (signed integers, bool, string,
// []byte, error, structs, interfaces), so that `gobind` skips nothing.
//
// It is a facade rather than a reshaped mobileapi because Go callers (the
// simulator, the tests) want contexts and slices, and because gobind
// exposes every exported name of the package it binds: a separate package
// exposes only what a native app should touch. Its name is what the apps
// see: the Java package and class courier.Courier (courier.Outbox, …) and
// the Objective-C/Swift prefix Courier (CourierOutbox, …).
//
// # Rules of the surface
//
//   - What the app gives is a struct made by its constructor (NewOutbox,
//     NewOptions, NewPickup, …), so Java and Swift get no zero-value
//     constructor; lists inside it (a damage report's photos, an
//     inspection's items) are added by methods (AddPhoto, AddItem).
//   - What the library gives back is an interface (Task, Status,
//     PhotoList, …): the app reads it and cannot make one. Lists are Len
//     and Get pairs.
//   - Sync, UploadPhotos and RevealContact take a timeout in milliseconds
//     (0: none) and an optional *Cancel handle instead of a context.
//   - Every error returned is an *Error; its ErrorCode is the contract's
//     code (syncproto, e.g. "validation_failed", "rate_limited") or one of
//     the Code* constants of this package. Java and Swift receive a Go error
//     as an exception/NSError of the generic error type: CodeOf and
//     RetryAfterOf read the code and the wait out of it.
//   - Error codes are constants, never variables: nothing the app can
//     reassign.
//   - The app implements Listener to hear progress and the end of
//     background syncs; Wake, called when an FCM data message arrives,
//     starts one (coalesced: a wake-up during a sync runs one more sync
//     after it).
//
// Two Options fields of mobileapi are left out on purpose: Transport (the
// platform's default HTTP stack is used; the facade wraps it to report
// progress) and Now (the device clock is the clock).
//
// A gomobile app calls blocking methods (Sync, UploadPhotos,
// RevealContact, AttachPhoto) off the main thread, e.g. from a Kotlin
// coroutine on Dispatchers.IO or a Swift Task.
package courier
