// Package metrics is the operator's view of courierd in Prometheus form:
// HTTP requests by route pattern and status, sync ops by kind and
// outcome, group-commit sizes and commit (fsync) time, FCM sends by
// outcome, photo jobs and their time, and queue depths. Every metric
// lives in a registry of its own (not the global one), so tests can build
// several servers in one process.
//
// No label ever carries request data: routes are registered patterns
// (/v1/callbacks/:id, never a raw path), kinds and codes are checked
// against the protocol's fixed lists, outcomes are words this package
// names. A value from a client that is not in a list becomes "other".
package metrics
