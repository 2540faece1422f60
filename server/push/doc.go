// Package push delivers wake-ups to handhelds through Firebase Cloud
// Messaging (firebase.google.com/go/v4/messaging).
//
// A Sender drains the store's push outbox (server.PushOutbox) into a
// Messenger: FCM (real credentials, or an endpoint override such as a
// local fake or emulator, no credentials) or LogOnly. Messages are
// data-only (no notification block) and carry opaque ids only — the kind of
// change and a task id — never a name, phone number or address; a collapse
// key, Android high priority and a time to live let FCM keep one wake-up
// per device. Unregistered and invalid tokens are removed; quota (429) and
// server (5xx) errors are retried with backoff honouring Retry-After.
// Wake-ups stay in the store until sent, so a restart loses none.
package push
