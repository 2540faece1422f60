package bolt

import bbolt "go.etcd.io/bbolt"

// AppendChanges adds n changes of type typ to a courier's feed, for tests
// and benchmarks that need a long feed.
func (d *DB) AppendChanges(courierID, typ string, n int, data any) error {
	return d.db.Update(func(tx *bbolt.Tx) error {
		for i := 0; i < n; i++ {
			if err := appendChange(tx, courierID, typ, data); err != nil {
				return err
			}
		}
		return nil
	})
}
