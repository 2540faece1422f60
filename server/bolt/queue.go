package bolt

// QueuedWrites returns how many writes wait for the single writer: a
// queue depth for the operator's metrics.
func (d *DB) QueuedWrites() int { return d.cm.queued() }
