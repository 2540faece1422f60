package mobileapi

import "errors"

// ErrDeviceMismatch is returned by Open when the file already belongs to a
// device id other than Options.DeviceID. A file is bound to one device for
// its whole life so that op sequence numbers stay unique per device.
var ErrDeviceMismatch = errors.New("mobileapi: outbox file belongs to another device")

// ErrNoDeviceID is returned by Open when Options.DeviceID is empty and the
// file does not hold a device id yet, or when the id is longer than 128
// bytes.
var ErrNoDeviceID = errors.New("mobileapi: a device id (1-128 bytes) is required")

// ErrLocked is returned by Open when another process (or another Outbox in
// this process) holds the file and did not release it within the open
// timeout.
var ErrLocked = errors.New("mobileapi: outbox file is in use")

// ErrClosed is returned by every method called after Close, and by a Sync
// interrupted by Close.
var ErrClosed = errors.New("mobileapi: outbox is closed")

// ErrNotLoggedIn is returned by Sync when the device holds no session tokens
// and Options carries no username and password to log in with.
var ErrNotLoggedIn = errors.New("mobileapi: not logged in and no credentials configured")

// ErrAuth is returned by Sync when the server refused the credentials (login
// answered 401) or kept refusing fresh tokens. Nothing is dropped; fix the
// credentials and call Sync again.
var ErrAuth = errors.New("mobileapi: server refused the credentials")

// ErrUnsupportedProtocol is returned by Sync when the server cannot serve
// this library's protocol version: the app must be updated.
var ErrUnsupportedProtocol = errors.New("mobileapi: server does not support this protocol version; update the app")

// ErrUnavailable is returned by Sync when a request still failed with a
// transient error (network error, 5xx, 429) after Options.MaxAttempts
// attempts. Nothing is dropped; call Sync again later.
var ErrUnavailable = errors.New("mobileapi: server unavailable")

// ErrRefused is returned (wrapped around the server's *syncproto.Error) by
// Sync when the server refused a request for a reason retrying cannot fix,
// such as 400 or 403. Nothing is dropped.
var ErrRefused = errors.New("mobileapi: server refused the request")

// ErrProtocol is returned by Sync when the server's answer does not follow
// the wire contract (undecodable body, missing results). Nothing is dropped.
var ErrProtocol = errors.New("mobileapi: unexpected answer from server")

// ErrPhotoFormat is returned by AttachPhoto for a file that is not a
// readable JPEG or PNG, the only formats the server takes.
var ErrPhotoFormat = errors.New("mobileapi: photo is not a readable JPEG or PNG")

// ErrPhotoTooLarge is returned by AttachPhoto for a photo of more than 50
// megapixels, or one still larger than 20 MiB after the capture policy: the
// server would refuse it.
var ErrPhotoTooLarge = errors.New("mobileapi: photo is larger than the server takes (20 MiB, 50 megapixels)")

// ErrUnknownPhoto is returned by RetryPhoto for a digest that was never
// attached to this outbox.
var ErrUnknownPhoto = errors.New("mobileapi: no such photo in this outbox")

// ErrUnknownTask is returned by Task for a task id that was never pulled
// (or was dropped with the feed state).
var ErrUnknownTask = errors.New("mobileapi: no such callback task on this device")

// ErrNotAssigned is returned by RevealContact when the server answered 404
// or 403: the task does not exist, is not assigned to this courier (any
// more), or its contact was purged. Pull to refresh the inbox.
var ErrNotAssigned = errors.New("mobileapi: callback task is not assigned to this courier")

// ErrTaskClosed is returned by RevealContact when the server answered 409:
// the task is done or cancelled, and its contact is no longer available.
var ErrTaskClosed = errors.New("mobileapi: callback task is closed")

// ErrRateLimited is matched (errors.Is) by the *RateLimitedError that
// RevealContact returns when the server refused another reveal for now
// (429). RetryAfterSeconds tells how long to wait.
var ErrRateLimited = errors.New("mobileapi: too many number reveals")
