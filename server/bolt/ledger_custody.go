package bolt

import (
	"context"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
	bbolt "go.etcd.io/bbolt"
)

// HandOver implements server.LedgerService with server.HandOverCOD. The
// whole check runs inside the single writer's transaction, so of two
// dispatchers confirming the same receipts one wins and the other finds
// them handed over (409).
func (d *DB) HandOver(ctx context.Context, p server.Principal, r *server.HandoverRequest) (*server.Handover, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Handover, error) {
		return server.HandOverCOD(d.ledgerTx(tx), p, r, now)
	})
}

// Settle implements server.LedgerService with server.SettleCOD.
func (d *DB) Settle(ctx context.Context, p server.Principal, r *server.SettlementRequest) (*server.Settlement, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Settlement, error) {
		return server.SettleCOD(d.ledgerTx(tx), p, r, now)
	})
}

// Reverse implements server.LedgerService with server.ReverseCOD.
func (d *DB) Reverse(ctx context.Context, p server.Principal, r *server.ReversalRequest) (*server.Reversal, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	now := d.now()
	return decide(d, func(tx *bbolt.Tx) (*server.Reversal, error) {
		return server.ReverseCOD(d.ledgerTx(tx), p, r, d.opts.Settings, now)
	})
}

// courierAccount reports whether id is a courier's account.
func courierAccount(tx *bbolt.Tx, id string) (bool, error) {
	seq, ok := idSeq(id, "u")
	if !ok {
		return false, nil
	}
	u, err := getUser(tx, u64(seq))
	if err == server.ErrNotFound {
		return false, nil
	}
	return err == nil && u.Role == syncproto.RoleCourier, err
}
