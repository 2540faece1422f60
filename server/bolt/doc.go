// Package bolt is the embedded bbolt store of courier-sync: users, device
// sessions, the op dedup index and audit trail, records by kind and the
// per-courier change feeds.
//
// Pushes from many devices are applied by one committer goroutine that takes
// everything queued into one write transaction (group commit), so concurrent
// devices share fsyncs and every push is acknowledged only after its
// transaction is on disk.
package bolt
