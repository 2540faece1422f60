package mobileapi

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/courier-sync/courier-sync/syncproto"
)

// keyCODBalance in the feed bucket holds the newest cod_balance change.
var keyCODBalance = []byte("cod_balance")

// CODBalance is the courier's cash-on-delivery custody balance as the
// server last published it ("cod_balance" change), readable offline. Money
// is in minor units (fen). CollectedCents = InHandCents + HandedOverCents;
// HandedOverCents = SettledCents + AwaitingSettlementCents;
// OutstandingCents = CollectedCents − SettledCents.
//
// AsOf is the RFC 3339 time the server computed the balance; it is empty,
// and every amount zero, until a balance has been pulled. The balance is
// the server's view at AsOf: receipts recorded on the device since then
// and not yet pushed and booked are not in it.
type CODBalance struct {
	// CourierID is the courier the balance belongs to.
	CourierID string
	// CollectedCents is all COD money the courier collected.
	CollectedCents int64
	// HandedOverCents is the part a dispatcher confirmed received at the
	// station.
	HandedOverCents int64
	// InHandCents is what the courier still holds: collected, not handed
	// over.
	InHandCents int64
	// SettledCents is the part paid on to the senders.
	SettledCents int64
	// OutstandingCents is collected and not yet settled.
	OutstandingCents int64
	// AwaitingSettlementCents is handed over and not yet settled.
	AwaitingSettlementCents int64
	// InHandCount is the number of receipts whose money is in hand.
	InHandCount int64
	// AsOf is when the server computed the balance (RFC 3339); empty when
	// none has been pulled.
	AsOf string
}

// codBalanceRecord is the data of a cod_balance change, as the server
// sends it and as the device stores it.
type codBalanceRecord syncproto.CODBalance

// decodeBalance checks a cod_balance change. Without as_of the device
// could not tell it from an older one, so it is malformed.
func decodeBalance(ch *syncproto.Change) (*codBalanceRecord, error) {
	b := new(codBalanceRecord)
	if err := json.Unmarshal(ch.Data, b); err != nil || b.AsOf.IsZero() {
		return nil, fmt.Errorf("%w: cod_balance change %q is malformed", ErrProtocol, ch.ID)
	}
	return b, nil
}

// newer reports whether b should replace old: the newest as_of wins, and
// of two with the same as_of the later in the feed.
func (b *codBalanceRecord) newer(old *codBalanceRecord) bool {
	return old == nil || !b.AsOf.Before(old.AsOf)
}

// putBalance stores b in tx unless the stored balance is newer.
func putBalance(tx *bolt.Tx, b *codBalanceRecord) error {
	feed := tx.Bucket(bucketFeed)
	if v := feed.Get(keyCODBalance); v != nil {
		var old codBalanceRecord
		if json.Unmarshal(v, &old) == nil && !b.newer(&old) {
			return nil
		}
	}
	enc, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return feed.Put(keyCODBalance, enc)
}

// CODBalance returns the courier's COD balance from the last pull; it works
// offline. Before any balance has been pulled it returns zero amounts and
// an empty AsOf.
func (o *Outbox) CODBalance() (*CODBalance, error) {
	var b codBalanceRecord
	err := o.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFeed).Get(keyCODBalance); v != nil {
			return json.Unmarshal(v, &b)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &CODBalance{CourierID: b.CourierID, CollectedCents: b.CollectedCents, HandedOverCents: b.HandedOverCents,
		InHandCents: b.InHandCents, SettledCents: b.SettledCents, OutstandingCents: b.OutstandingCents,
		AwaitingSettlementCents: b.AwaitingSettlementCents, InHandCount: b.InHandCount}
	if !b.AsOf.IsZero() {
		out.AsOf = b.AsOf.Format(time.RFC3339)
	}
	return out, nil
}
